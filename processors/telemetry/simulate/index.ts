/**
 * The broadcast feed telemetry simulator, deterministic for a seed: a feed catalogue on a competition-day
 * schedule, broadcasters behind points of presence, one sample per live pair per interval, and injected
 * incidents with their ground truth (a POP-wide degradation, an encoder fault, a broadcaster's last mile,
 * and blips that must raise nothing).
 *
 *   const sim = simulateTelemetry({ seed: 7, feeds: 40, broadcasters: 8, pops: 3, durationS: 420 });
 *   for (const interval of sim.samples()) ...   // arrival order
 *   sim.incidents                                // the truth
 */
import type { FeedCatalogueEntry, FeedTelemetrySample } from '../../../schemas/generated.ts';
import { placeIncidents, type InjectedIncident } from './incidents.ts';
import { resolveOptions, type ResolvedOptions, type TelemetrySimulationOptions } from './options.ts';
import { samplesByInterval } from './samples.ts';
import { buildWorld, type SimWorld } from './world.ts';

export * from './options.ts';
export type { IncidentKind, InjectedIncident, IncidentEffect } from './incidents.ts';
export { LIVE_MARGIN_AFTER_MS, LIVE_MARGIN_BEFORE_MS } from './incidents.ts';

export interface TelemetrySimulation {
  readonly options: ResolvedOptions;
  readonly world: SimWorld;
  readonly catalogue: readonly FeedCatalogueEntry[];
  /** Ground truth: the incidents and blips injected, in time order. */
  readonly incidents: readonly InjectedIncident[];
  /** Samples interval by interval, in arrival order; a fresh, identical sequence on every call. */
  samples(): Generator<FeedTelemetrySample[]>;
}

export function simulateTelemetry(options: TelemetrySimulationOptions = {}): TelemetrySimulation {
  const resolved = resolveOptions(options);
  const world = buildWorld(resolved);
  const incidents = placeIncidents(resolved, world);
  return {
    options: resolved,
    world,
    catalogue: world.feeds.map((f) => f.entry),
    incidents,
    samples: () => samplesByInterval(resolved, world, incidents),
  };
}
