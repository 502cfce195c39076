/**
 * Congestion episodes: a segment is congested in a minute when its level of service is at or beyond
 * `CONGESTED_LOS`; congested minutes no more than `EPISODE_GAP_MS` apart (one calm minute in between
 * at most) form one episode (a session window over the congested minutes). The aggregator keeps what
 * an episode row needs. Pure.
 */
import type { Aggregator } from '../../engine/aggregate/aggregator.ts';
import { losAt, losIndex, type Los } from './los.ts';

/** The level of service from which a minute counts as congested. */
export const CONGESTED_LOS: Los = 'F';
/** Congested minutes (their window ends) at most this far apart belong to one episode, ms. */
export const EPISODE_GAP_MS = 120_000;

export function isCongested(los: Los, threshold: Los = CONGESTED_LOS): boolean {
  return losIndex(los) >= losIndex(threshold);
}

/** What the episode aggregator reads from each congested minute. */
export interface CongestedMinute {
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly los: Los;
  readonly speedKmh: number | null;
  readonly densityVehPerKmPerLane: number;
  readonly delayVehH: number;
}

export interface EpisodeAcc {
  readonly startMs: number;
  readonly endMs: number;
  readonly minutes: number;
  readonly worstLos: number;
  readonly minSpeedKmh: number | null;
  readonly maxDensity: number;
  readonly delayVehH: number;
}

export interface EpisodeSummary {
  readonly startMs: number;
  readonly endMs: number;
  readonly congestedMinutes: number;
  readonly worstLos: Los;
  readonly minSpeedKmh: number | null;
  readonly maxDensityVehPerKmPerLane: number;
  readonly delayVehH: number;
}

const minOrNull = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.min(a, b);

const EMPTY: EpisodeAcc = {
  startMs: Number.MAX_SAFE_INTEGER,
  endMs: 0,
  minutes: 0,
  worstLos: 0,
  minSpeedKmh: null,
  maxDensity: 0,
  delayVehH: 0,
};

export const episodeAggregator: Aggregator<CongestedMinute, EpisodeAcc, EpisodeSummary> = Object.freeze({
  kind: 'congestion-episode',
  initialize: () => EMPTY,
  add: (acc: EpisodeAcc, m: CongestedMinute): EpisodeAcc => ({
    startMs: Math.min(acc.startMs, m.windowStartMs),
    endMs: Math.max(acc.endMs, m.windowEndMs),
    minutes: acc.minutes + 1,
    worstLos: Math.max(acc.worstLos, losIndex(m.los)),
    minSpeedKmh: minOrNull(acc.minSpeedKmh, m.speedKmh),
    maxDensity: Math.max(acc.maxDensity, m.densityVehPerKmPerLane),
    delayVehH: acc.delayVehH + m.delayVehH,
  }),
  merge: (a: EpisodeAcc, b: EpisodeAcc): EpisodeAcc => ({
    startMs: Math.min(a.startMs, b.startMs),
    endMs: Math.max(a.endMs, b.endMs),
    minutes: a.minutes + b.minutes,
    worstLos: Math.max(a.worstLos, b.worstLos),
    minSpeedKmh: minOrNull(a.minSpeedKmh, b.minSpeedKmh),
    maxDensity: Math.max(a.maxDensity, b.maxDensity),
    delayVehH: a.delayVehH + b.delayVehH,
  }),
  result: (acc: EpisodeAcc): EpisodeSummary => ({
    startMs: acc.startMs,
    endMs: acc.endMs,
    congestedMinutes: acc.minutes,
    worstLos: losAt(acc.worstLos),
    minSpeedKmh: acc.minSpeedKmh,
    maxDensityVehPerKmPerLane: acc.maxDensity,
    delayVehH: acc.delayVehH,
  }),
});

/**
 * Episodes of a sequence of minutes (ascending window starts, one segment), by the same rule as the
 * topology's session windows: for the simulator's truth and for tests.
 */
export function episodesOf(
  minutes: ReadonlyArray<{ windowStartMs: number; windowEndMs: number; los: Los }>,
  threshold: Los = CONGESTED_LOS,
): Array<{ startMs: number; endMs: number; worstLos: Los }> {
  const episodes: Array<{ startMs: number; endMs: number; worst: number }> = [];
  for (const m of minutes) {
    if (!isCongested(m.los, threshold)) continue;
    const last = episodes.at(-1);
    if (last !== undefined && m.windowEndMs - last.endMs <= EPISODE_GAP_MS) {
      last.endMs = m.windowEndMs;
      last.worst = Math.max(last.worst, losIndex(m.los));
    } else episodes.push({ startMs: m.windowStartMs, endMs: m.windowEndMs, worst: losIndex(m.los) });
  }
  return episodes.map((e) => ({ startMs: e.startMs, endMs: e.endMs, worstLos: losAt(e.worst) }));
}
