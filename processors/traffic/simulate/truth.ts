/**
 * Ground truth of a simulated plan, from the model's true state (no sensors): the level of service
 * of every segment in every 1- and 5-minute window (mean true density, the segment's heavy-vehicle
 * share), the congestion episodes (same rule as the topology), and vehicle-hours of delay per venue
 * zone and hour. Pure.
 */
import { episodesOf } from '../episodes.ts';
import { losOf, type Los } from '../los.ts';
import type { IntervalState } from './model.ts';
import type { Network } from './network.ts';

export interface TrueEpisode {
  readonly segmentId: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly worstLos: Los;
}

export interface ScenarioTruth {
  readonly scenarioId: string;
  /** Window sizes the truth has, ms. */
  readonly windowSizesMs: readonly number[];
  /** The true level of service of a segment in the window of `sizeMs` starting at `startMs`. */
  los(segmentId: string, sizeMs: number, startMs: number): Los | undefined;
  readonly episodes: readonly TrueEpisode[];
  /** Vehicle-hours of delay by `${venueZone}|${hourStartMs}`. */
  readonly delayVehH: ReadonlyMap<string, number>;
  readonly totalDelayVehH: number;
}

export const TRUTH_WINDOW_SIZES_MS = [60_000, 300_000] as const;

export class TruthAccumulator {
  readonly #network: Network;
  readonly #dayStartMs: number;
  readonly #sums: Map<number, Float64Array[]> = new Map();
  readonly #counts: Map<number, Float64Array[]> = new Map();
  readonly #delay = new Map<string, number>();
  #totalDelay = 0;

  constructor(network: Network, dayStartMs: number, dayEndMs: number) {
    this.#network = network;
    this.#dayStartMs = dayStartMs;
    for (const size of TRUTH_WINDOW_SIZES_MS) {
      const windows = Math.ceil((dayEndMs - dayStartMs) / size) + 1;
      this.#sums.set(
        size,
        network.segments.map(() => new Float64Array(windows)),
      );
      this.#counts.set(
        size,
        network.segments.map(() => new Float64Array(windows)),
      );
    }
  }

  add(state: IntervalState): void {
    const hour = Math.floor(state.intervalStartMs / 3_600_000) * 3_600_000;
    this.#network.segments.forEach((segment, i) => {
      const density = state.densityVehPerKmPerLane[i] ?? 0;
      for (const size of TRUTH_WINDOW_SIZES_MS) {
        const w = this.#windowIndex(size, state.intervalStartMs);
        const sums = this.#sums.get(size)?.[i];
        const counts = this.#counts.get(size)?.[i];
        if (sums === undefined || counts === undefined) continue;
        sums[w] = (sums[w] ?? 0) + density;
        counts[w] = (counts[w] ?? 0) + 1;
      }
      const delay = state.delayVehH[i] ?? 0;
      const key = `${segment.venueZone ?? ''}|${hour}`;
      this.#delay.set(key, (this.#delay.get(key) ?? 0) + delay);
      this.#totalDelay += delay;
    });
  }

  result(scenarioId: string): ScenarioTruth {
    const indexOf = new Map(this.#network.segments.map((s, i) => [s.segmentId, i]));
    const los = (segmentId: string, sizeMs: number, startMs: number): Los | undefined => {
      const i = indexOf.get(segmentId);
      const segment = i === undefined ? undefined : this.#network.segments[i];
      if (i === undefined || segment === undefined) return undefined;
      const w = this.#windowIndex(sizeMs, startMs);
      const count = this.#counts.get(sizeMs)?.[i]?.[w] ?? 0;
      if (count === 0) return undefined;
      return losOf((this.#sums.get(sizeMs)?.[i]?.[w] ?? 0) / count, segment.heavyVehicleShare);
    };
    const episodes: TrueEpisode[] = [];
    const minutes = this.#sums.get(60_000)?.[0]?.length ?? 0;
    const base = Math.floor(this.#dayStartMs / 60_000) * 60_000;
    for (const segment of this.#network.segments) {
      const sequence: Array<{ windowStartMs: number; windowEndMs: number; los: Los }> = [];
      for (let w = 0; w < minutes; w += 1) {
        const windowStartMs = base + w * 60_000;
        const value = los(segment.segmentId, 60_000, windowStartMs);
        if (value !== undefined)
          sequence.push({ windowStartMs, windowEndMs: windowStartMs + 60_000, los: value });
      }
      for (const e of episodesOf(sequence)) episodes.push({ segmentId: segment.segmentId, ...e });
    }
    return {
      scenarioId,
      windowSizesMs: TRUTH_WINDOW_SIZES_MS,
      los,
      episodes,
      delayVehH: this.#delay,
      totalDelayVehH: this.#totalDelay,
    };
  }

  #windowIndex(sizeMs: number, timeMs: number): number {
    const base = Math.floor(this.#dayStartMs / sizeMs) * sizeMs;
    return Math.floor((timeMs - base) / sizeMs);
  }
}
