/** Runs a simulation through the telemetry topology on the TestDriver (no broker) and collects the outputs. */
import { TestDriver } from '../../../engine/testing/test-driver.ts';
import type { Incident } from '../../../processors/telemetry/correlation.ts';
import type { TelemetrySimulation } from '../../../processors/telemetry/simulate/index.ts';
import {
  DEFAULT_WINDOW_GRACE_MS,
  createTelemetryIncidentsTopology,
  createTelemetryTopology,
} from '../../../processors/telemetry/topology.ts';
import type { FeedTelemetrySample, SlaAlert } from '../../../schemas/generated.ts';
import type { IncidentLike } from './truth.ts';

export interface DriverRun {
  readonly driver: TestDriver;
  /** The telemetry-incidents topology, fed the alerts. */
  readonly correlation: TestDriver;
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
  const alerts = driver.output<SlaAlert>('telemetry.alerts').map((r) => r.value);
  // Correlation: the alerts as the topic holds them, with the watermark of the samples less the grace.
  // After each alert the watermark moves as far as the upstream guarantee allows: just below the
  // earliest alert still to come. The correlation restarts at the same fractions of its input.
  const correlation = new TestDriver(createTelemetryIncidentsTopology());
  const stillToCome = alerts.map((a) => a.windowEndMs);
  for (let i = stillToCome.length - 2; i >= 0; i -= 1)
    stillToCome[i] = Math.min(stillToCome[i] ?? Infinity, stillToCome[i + 1] ?? Infinity);
  const alertRestarts = new Set(restartAt.map((f) => Math.floor(alerts.length * f)));
  alerts.forEach((alert, index) => {
    if (alertRestarts.has(index)) correlation.restart();
    correlation.pipe('alerts', alert, { key: `${alert.feedId}/${alert.broadcasterId}` });
    const next = stillToCome[index + 1];
    if (next !== undefined) correlation.advanceWatermark('alerts', next - 1);
  });
  correlation.advanceWatermark('alerts', endMs + 120_000 - DEFAULT_WINDOW_GRACE_MS);
  return {
    driver,
    correlation,
    samples,
    alerts,
    incidents: correlation.output<Incident>('telemetry_incidents').map((r) => r.value),
  };
}
