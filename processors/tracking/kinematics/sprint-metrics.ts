/**
 * The race metrics of sprint.ts, from the ring of raw samples: top speed (the maximum of the local-fit
 * velocity), mark crossings (seen on the filtered x, timed by the local fit) and the summary.
 */
import {
  fitQuadratic,
  newestTimeS,
  oldestSeq,
  sampleTimeS,
  samplesAfter,
  solveCrossing,
  type Crossing,
  type QuadraticFit,
  type SampleRing,
} from './local-fit.ts';
import { DEFAULT_SPLIT_EVERY_M, type SprintContext, type SprintOptions } from './sprint-options.ts';
import type { SprintState } from './sprint.ts';
import { summariseStrides } from './strides.ts';

/** An athlete crossing a split mark or the finish (the fields of a `SplitEvent` without ids). */
export interface Split {
  /** The mark, metres from the start line. */
  markM: number;
  /** Time of the crossing since the gun, seconds. */
  timeS: number;
  /** Time since the previous mark (or the gun), seconds. */
  segmentTimeS: number;
  /** Mean speed over the segment, metres per second. */
  segmentSpeedMps: number;
  /** Event time of the crossing, ms since the Unix epoch (UTC), rounded. */
  crossingTimeMs: number;
  /** True at the finish line. */
  isFinish: boolean;
}

/** The race of one athlete, produced once, shortly after the finish split. */
export interface SprintSummary {
  /** Finish time from the gun, seconds. */
  finishTimeS: number;
  /** Top speed between the gun and the finish, metres per second. */
  topSpeedMps: number;
  /** x where the top speed was reached, metres. */
  topSpeedAtM: number;
  /** Speed at the finish line, metres per second. */
  finishSpeedMps: number;
  /** Speed at distanceM − 20 minus speed at the finish, metres per second (0 for races of 20 m or less). */
  decelerationLast20mMps: number;
  /** Steps (foot contacts) from the gun to the finish; null when no frame carried keypoints. */
  strideCount: number | null;
  /** Mean step length, metres; null without keypoints. */
  meanStrideLengthM: number | null;
  /** Mean step frequency, steps per second; null without keypoints. */
  meanStrideFrequencyHz: number | null;
}

export const NO_SPLITS: readonly Split[] = Object.freeze([]);

const MARK_EPSILON_M = 1e-6;

/** The first mark after `afterM`: the next split mark, the mark 20 m before the finish, or the finish. */
function nextMarkM(afterM: number, context: SprintContext): number | null {
  const distanceM = context.distanceM;
  if (afterM >= distanceM - MARK_EPSILON_M) return null;
  const every = context.splitEveryM ?? DEFAULT_SPLIT_EVERY_M;
  let markM = (Math.floor(afterM / every + MARK_EPSILON_M) + 1) * every;
  if (markM >= distanceM - MARK_EPSILON_M) markM = distanceM;
  const last20M = distanceM - 20;
  if (last20M > afterM + MARK_EPSILON_M && last20M < markM - MARK_EPSILON_M) markM = last20M;
  return markM;
}

function isSplitMark(markM: number, context: SprintContext): boolean {
  if (Math.abs(markM - context.distanceM) < MARK_EPSILON_M) return true;
  const ratio = markM / (context.splitEveryM ?? DEFAULT_SPLIT_EVERY_M);
  return Math.abs(ratio - Math.round(ratio)) < MARK_EPSILON_M;
}

export function finite(value: number): number {
  return Number.isFinite(value) ? value : 0;
}

const centreFit: QuadraticFit = { posM: 0, velMps: 0, accMps2: 0, samples: 0 };
const crossing: Crossing = { timeS: 0, velMps: 0 };

/**
 * Fits the local quadratic (±`topSpeedHalfWidthS`) around the ring samples that now have that much
 * of samples after them, at most every `topSpeedEveryS`, and keeps the highest fitted velocity between
 * the gun and the finish. With `force` (a flush), every remaining sample is tried.
 */
export function updateTopSpeed(
  state: SprintState,
  gunS: number,
  options: SprintOptions,
  force = false,
): void {
  const ring = state.ring;
  const halfWidthS = options.topSpeedHalfWidthS;
  const maturedS = force ? Number.POSITIVE_INFINITY : newestTimeS(ring, 0) - halfWidthS;
  let seq = Math.max(state.nextCentreSeq, oldestSeq(ring));
  for (; seq < ring.count; seq++) {
    const centreS = sampleTimeS(ring, seq);
    if (centreS > maturedS) break;
    if (centreS < gunS || state.finished) continue;
    if (state.finishGuessS >= 0 && centreS > state.finishGuessS) continue;
    if (centreS < state.lastCentreS + options.topSpeedEveryS) continue;
    if (!fitQuadratic(ring, centreS, halfWidthS, options.minSamplesPerSide, centreFit)) continue;
    state.lastCentreS = centreS;
    if (centreFit.velMps > state.topSpeedMps) {
      state.topSpeedMps = centreFit.velMps;
      state.topSpeedAtM = centreFit.posM;
    }
  }
  state.nextCentreSeq = seq;
}

/** Marks passed by the filtered x since the previous observation become pending crossings. */
export function detectCrossings(
  state: SprintState,
  previousTimeS: number,
  previousXM: number,
  timeS: number,
  gunS: number,
  context: SprintContext,
  options: SprintOptions,
): void {
  const xM = state.kx.posM;
  for (;;) {
    const markM = nextMarkM(state.lastMarkM, context);
    if (markM === null || xM < markM) return;
    state.lastMarkM = markM;
    // Already past when the athlete was first seen (or the filter restarted): no split for it.
    if (previousXM >= markM) continue;
    let guessS = timeS;
    if (previousXM < markM && xM > previousXM) {
      guessS = previousTimeS + ((markM - previousXM) / (xM - previousXM)) * (timeS - previousTimeS);
    }
    guessS = Math.max(guessS, gunS);
    state.pendingMarkM.push(markM);
    state.pendingGuessS.push(guessS);
    if (Math.abs(markM - context.distanceM) < MARK_EPSILON_M) {
      state.finishGuessS = guessS;
      // Measured now, while the ring still reaches a whole window back (the guess is close enough: the
      // speed barely changes in a frame).
      state.finishSpeedMps = speedArriving(state.ring, guessS, state.kx.velMps, options);
    }
  }
}

/** True when `timeS` has `halfWidthS` of samples after it, or the ring cannot wait longer. */
function matured(ring: SampleRing, timeS: number, halfWidthS: number, options: SprintOptions): boolean {
  const after = samplesAfter(ring, timeS);
  return (
    (newestTimeS(ring, 0) >= timeS + halfWidthS && after >= options.minSamplesPerSide) ||
    after >= Math.floor(ring.timeS.length / 2)
  );
}

/**
 * Times the pending crossings that have `fitHalfWidthS` of samples after them (all of them when
 * `force`), in mark order, and turns them into splits.
 */
export function resolveCrossings(
  state: SprintState,
  gunS: number,
  context: SprintContext,
  options: SprintOptions,
  force: boolean,
): readonly Split[] {
  const ring = state.ring;
  let splits: Split[] | null = null;
  while (state.pendingMarkM.length > 0) {
    const markM = state.pendingMarkM[0] ?? 0;
    const guessS = state.pendingGuessS[0] ?? 0;
    if (!force && !matured(ring, guessS, options.fitHalfWidthS, options)) break;
    state.pendingMarkM.shift();
    state.pendingGuessS.shift();

    const solved = solveCrossing(
      ring,
      markM,
      guessS,
      options.fitHalfWidthS,
      options.minSamplesPerSide,
      crossing,
    );
    // A split never precedes the gun or the previous split.
    const timeS = Math.max((solved ? crossing.timeS : guessS) - gunS, state.lastSplitTimeS + 1e-3);
    const isFinish = Math.abs(markM - context.distanceM) < MARK_EPSILON_M;
    if (isFinish || Math.abs(markM - (context.distanceM - 20)) < MARK_EPSILON_M) {
      state.probeMarkM.push(markM);
      state.probeTimeS.push(gunS + timeS);
    }
    if (isFinish) {
      state.finishGuessS = gunS + timeS;
      state.finishTimeS = timeS;
    }
    if (!isSplitMark(markM, context)) continue;
    const segmentTimeS = timeS - state.lastSplitTimeS;
    const split: Split = {
      markM,
      timeS,
      segmentTimeS,
      segmentSpeedMps: segmentTimeS > 0 ? (markM - state.lastSplitMarkM) / segmentTimeS : 0,
      crossingTimeMs: Math.round(context.startSignalMs + timeS * 1000),
      isFinish,
    };
    state.lastSplitTimeS = timeS;
    state.lastSplitMarkM = markM;
    splits ??= [];
    splits.push(split);
  }
  return splits ?? NO_SPLITS;
}

/**
 * Once `topSpeedHalfWidthS` of samples follow a timed crossing (all at once when `force`): measures
 * the speed at distanceM − 20 (symmetric fit), or at the finish completes the race and returns the
 * summary.
 */
export function resolveProbes(
  state: SprintState,
  gunS: number,
  context: SprintContext,
  options: SprintOptions,
  force: boolean,
): SprintSummary | null {
  const ring = state.ring;
  while (state.probeMarkM.length > 0) {
    const markM = state.probeMarkM[0] ?? 0;
    const timeS = state.probeTimeS[0] ?? 0;
    if (!force && !matured(ring, timeS, options.topSpeedHalfWidthS, options)) return null;
    state.probeMarkM.shift();
    state.probeTimeS.shift();
    if (Math.abs(markM - context.distanceM) >= MARK_EPSILON_M) {
      if (fitQuadratic(ring, timeS, options.topSpeedHalfWidthS, options.minSamplesPerSide, centreFit)) {
        state.speedBeforeLast20mMps = Math.max(0, centreFit.velMps);
      } else if (fitQuadratic(ring, timeS, options.fitHalfWidthS, 1, centreFit)) {
        state.speedBeforeLast20mMps = Math.max(0, centreFit.velMps);
      }
      continue;
    }
    // The finish: its speed is known (one-sided); waiting here lets the top speed see up to the line.
    if (force) updateTopSpeed(state, gunS, options, true);
    state.finished = true;
    state.probeMarkM.length = 0;
    state.probeTimeS.length = 0;
    return summarise(state, state.finishTimeS, state.finishSpeedMps, gunS, context);
  }
  return null;
}

/**
 * Speed arriving at `timeS`: a quadratic fitted over the `finishSpeedWindowS` before it, evaluated at
 * its end; `fallbackMps` when the samples are too few.
 */
function speedArriving(ring: SampleRing, timeS: number, fallbackMps: number, options: SprintOptions): number {
  // As long as the ring reaches back (at high frame rates it holds less time).
  const reachS = timeS - sampleTimeS(ring, oldestSeq(ring));
  const halfWidthS = Math.min(options.finishSpeedWindowS, reachS) / 2;
  if (!fitQuadratic(ring, timeS - halfWidthS, halfWidthS, options.minSamplesPerSide, centreFit)) {
    return Math.max(0, fallbackMps);
  }
  return Math.max(0, finite(centreFit.velMps + centreFit.accMps2 * halfWidthS));
}

function summarise(
  state: SprintState,
  finishTimeS: number,
  finishSpeedMps: number,
  gunS: number,
  context: SprintContext,
): SprintSummary {
  const strides = state.strides.seenKeypoints ? summariseStrides(state.strides, gunS + finishTimeS) : null;
  return {
    finishTimeS,
    topSpeedMps: finite(state.topSpeedMps),
    topSpeedAtM: finite(state.topSpeedAtM),
    finishSpeedMps: finite(finishSpeedMps),
    decelerationLast20mMps: context.distanceM > 20 ? finite(state.speedBeforeLast20mMps - finishSpeedMps) : 0,
    strideCount: strides === null ? null : strides.count,
    meanStrideLengthM: strides === null ? null : finite(strides.meanLengthM),
    meanStrideFrequencyHz: strides === null ? null : finite(strides.meanFrequencyHz),
  };
}
