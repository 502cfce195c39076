/** Options of the telemetry simulator, with their defaults (a Games-like load unless told otherwise). */
import { StadionError } from '../../../engine/errors.ts';

export interface IncidentCounts {
  /** POP-wide network degradations (many feeds and broadcasters at one POP). */
  readonly pop: number;
  /** Encoder faults (one feed, every broadcaster taking it). */
  readonly feed: number;
  /** Broadcaster last-mile problems (one broadcaster, every feed it takes). */
  readonly broadcaster: number;
  /** Short blips of any of the three kinds, shorter than a window: they must raise nothing. */
  readonly blip: number;
}

export interface TelemetrySimulationOptions {
  /** @default 1 */
  readonly seed?: number;
  /** Feeds (video channels) in the catalogue. @default 500 */
  readonly feeds?: number;
  /** Receiving broadcasters. @default 30 */
  readonly broadcasters?: number;
  /** Points of presence; each broadcaster receives through one. @default 6 */
  readonly pops?: number;
  /** Event time of the first sample, ms since the epoch; the schedule reads its UTC hour as local time. @default DEFAULT_SIMULATION_START_MS */
  readonly startMs?: number;
  /** Length of the simulation in event time, seconds. @default 600 */
  readonly durationS?: number;
  /** Stats interval (one sample per pair per interval), ms. @default 1000 */
  readonly intervalMs?: number;
  /** Incidents to inject, placed one after another with quiet gaps. @default DEFAULT_INCIDENT_COUNTS */
  readonly incidents?: Partial<IncidentCounts>;
  /** Incident length range, seconds (longer than the 10 s alert window). @default [40, 70] */
  readonly incidentDurationS?: readonly [number, number];
  /** Blip length range, seconds (shorter than the alert window). @default [2, 4] */
  readonly blipDurationS?: readonly [number, number];
  /** Quiet time after each incident or blip, seconds. @default 30 */
  readonly gapS?: number;
  /** Feeds live all day regardless of the competition schedule (the share of the catalogue). @default 0.1 */
  readonly alwaysLiveShare?: number;
  /** Probability that a broadcaster takes a given feed. @default 0.7 */
  readonly subscriptionShare?: number;
  /** Samples arrive up to this much after their event time (reordering within a second). @default 300 */
  readonly maxArrivalJitterMs?: number;
}

/** 2026-08-01 10:00 UTC: mid-morning of a competition day. */
export const DEFAULT_SIMULATION_START_MS = Date.UTC(2026, 7, 1, 10, 0, 0);
export const DEFAULT_INCIDENT_COUNTS: IncidentCounts = Object.freeze({
  pop: 1,
  feed: 1,
  broadcaster: 1,
  blip: 3,
});

export type ResolvedOptions = Required<Omit<TelemetrySimulationOptions, 'incidents'>> & {
  readonly incidents: IncidentCounts;
};

function positiveInt(value: number, name: string, min = 1): number {
  if (!Number.isInteger(value) || value < min)
    throw new StadionError(
      'CONFIG_INVALID',
      `simulate telemetry: ${name} must be an integer >= ${min}, got ${value}`,
    );
  return value;
}

export function resolveOptions(options: TelemetrySimulationOptions): ResolvedOptions {
  const incidents = { ...DEFAULT_INCIDENT_COUNTS, ...options.incidents };
  for (const [name, n] of Object.entries(incidents)) positiveInt(n, `incidents.${name}`, 0);
  const resolved: ResolvedOptions = {
    seed: options.seed ?? 1,
    feeds: positiveInt(options.feeds ?? 500, 'feeds'),
    broadcasters: positiveInt(options.broadcasters ?? 30, 'broadcasters'),
    pops: positiveInt(options.pops ?? 6, 'pops'),
    startMs: options.startMs ?? DEFAULT_SIMULATION_START_MS,
    durationS: positiveInt(options.durationS ?? 600, 'durationS'),
    intervalMs: positiveInt(options.intervalMs ?? 1000, 'intervalMs', 100),
    incidents,
    incidentDurationS: options.incidentDurationS ?? [40, 70],
    blipDurationS: options.blipDurationS ?? [2, 4],
    gapS: options.gapS ?? 30,
    alwaysLiveShare: options.alwaysLiveShare ?? 0.1,
    subscriptionShare: options.subscriptionShare ?? 0.7,
    maxArrivalJitterMs: options.maxArrivalJitterMs ?? 300,
  };
  if (resolved.incidentDurationS[0] <= 10)
    throw new StadionError(
      'CONFIG_INVALID',
      'simulate telemetry: incidents must last longer than the 10 s window',
    );
  if (resolved.blipDurationS[1] >= 8)
    throw new StadionError('CONFIG_INVALID', 'simulate telemetry: blips must be shorter than 8 s');
  if (resolved.maxArrivalJitterMs >= resolved.intervalMs)
    throw new StadionError(
      'CONFIG_INVALID',
      'simulate telemetry: maxArrivalJitterMs must be below intervalMs',
    );
  return resolved;
}
