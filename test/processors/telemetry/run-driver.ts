/** Runs a simulation through the telemetry topology on the TestDriver (no broker) and collects the outputs. */
import { TestDriver } from '../../../engine/testing/test-driver.ts';
import type { Incident } from '../../../processors/telemetry/correlation.ts';
import type { TelemetrySimulation } from '../../../processors/telemetry/simulate/index.ts';
import { createTelemetryTopology } from '../../../processors/telemetry/topology.ts';
import type { FeedTelemetrySample, SlaAlert } from '../../../schemas/generated.ts';
import type { IncidentLike } from './truth.ts';

export interface DriverRun {
  readonly driver: TestDriver;
  readonly samples: FeedTelemetrySample[];
  readonly alerts: SlaAlert[];
  readonly incidents: Incident[];
}

export const incidentLike = (i: Incident): IncidentLike => ({
  scope: i.scope,
  scopeId: i.scopeId,
  startedMs: i.startedMs,
  pairs: i.members.map((m) => `${m.feedId}/${m.broadcasterId}`),
});

/**
 * Pipes every sample in arrival order, then moves the watermark on second by second to 2 minutes past the
 * end (as later traffic would), so every window and cluster closes. `restartAt` lists fractions of the
 * samples after which the driver restarts from its changelogs, as after a crash; with `commitEvery`, the
 * driver commits (writes its changelogs) after every so many samples.
 */
export function runOnDriver(
  sim: TelemetrySimulation,
  restartAt: readonly number[] = [],
  commitEvery = Number.POSITIVE_INFINITY,
): DriverRun {
  const driver = new TestDriver(createTelemetryTopology());
  const samples = [...sim.samples()].flat();
  const restarts = new Set(restartAt.map((f) => Math.floor(samples.length * f)));
  samples.forEach((s, index) => {
    if (restarts.has(index)) driver.restart();
    driver.pipe('samples', s, { key: `${s.feedId}/${s.broadcasterId}` });
    if ((index + 1) % commitEvery === 0) driver.commit();
  });
  const endMs = sim.options.startMs + sim.options.durationS * 1000;
  for (let t = endMs; t <= endMs + 120_000; t += 1000) driver.advanceWatermark('samples', t);
  return {
    driver,
    samples,
    alerts: driver.output<SlaAlert>('telemetry.alerts').map((r) => r.value),
    incidents: driver.output<Incident>('telemetry_incidents').map((r) => r.value),
  };
}
