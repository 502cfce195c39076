/**
 * Sprint kinematics of one athlete, one observation at a time, for a keyed stateful processor:
 * `stepSprint(state, observation, context)` returns the state and what the observation produced.
 *
 * Two smoothers run side by side on the positions (WHY two: see kalman.ts and local-fit.ts):
 * - a constant-acceleration Kalman filter on x and y (jerk density 5 m²/s⁵) gives the live sample with
 *   no lag: position, speed (about 0.12 m/s rms from the truth), acceleration, distance (the smoothed x);
 * - local quadratic least-squares fits of the raw x give the official numbers with a fixed lag. Each
 *   mark (10 m splits, the mark 20 m before the finish, the finish) is first seen crossed on the
 *   filtered x, then timed once `fitHalfWidthS` (0.2 s) of samples follow it, by solving a fit over
 *   ±0.2 s for the exact crossing between frames: the split comes out about 0.2 s after the crossing.
 *   The top speed is the maximum of the velocity of fits over ±`topSpeedHalfWidthS` (0.5 s: the maximum
 *   of a noisy series is biased up by its noise, so this window is wider), evaluated every 0.04 s, from
 *   the gun to the finish; the speed at distanceM − 20 comes from the same wider fit, the speed at the
 *   finish from a fit over up to `finishSpeedWindowS` (1.5 s) before the line (athletes ease off past it).
 *   The summary is produced once those are known, about 0.5 s after the finish.
 *
 * Times are from the gun (`startSignalMs`) in seconds, as official split tables give them. The finish
 * is the crossing of `distanceM` by the tracked x. Deceleration over the last 20 m is the speed at
 * `distanceM − 20` minus the speed at the finish (positive when slowing; 0 for races of 20 m or less).
 * Steps come from the foot keypoints (strides.ts): contacts from the gun to the finish.
 *
 * Input rules: observations with a time not after the last accepted one are ignored (duplicates and
 * late frames; the caller reorders within a small bound before calling), as are observations with a
 * non-finite time or position, and outliers: positions too far from the filter's prediction
 * (`outlierGateM`, a tracking glitch or identity swap; three in a row are believed and restart the
 * filter). A gap longer than `maxGapS` restarts the filter at the new position with
 * the mean velocity across the gap (marks crossed in the gap are still timed, from the samples on both
 * sides). Marks already passed when the athlete is first seen produce no split. The first
 * `WARMUP_OBSERVATIONS - 1` observations yield no sample. When the athlete is no longer observed
 * (the feed stops at the line), {@link flushSprint} times what is still waiting. No output ever holds
 * NaN or Infinity.
 *
 * The state is plain JSON data (about 200 numbers, 2.5 KB as JSON, most of it the ring of recent
 * samples), so it can be written to a changelog and restored: `JSON.parse(JSON.stringify(state))`
 * continues identically. It is updated in place and returned, to keep the step free of allocations:
 * treat the argument as consumed, and clone it (`structuredClone`) to keep an old version.
 */
import {
  initialAxisFilter,
  isOutlier,
  predictAxisFilter,
  resetAxisFilter,
  updateAxisFilter,
  type AxisFilterState,
} from './kalman.ts';
import { createSampleRing, pushSample, type SampleRing } from './local-fit.ts';
import {
  NO_SPLITS,
  detectCrossings,
  finite,
  resolveCrossings,
  resolveProbes,
  updateTopSpeed,
  type Split,
  type SprintSummary,
} from './sprint-metrics.ts';
import {
  DEFAULT_SPRINT_OPTIONS,
  contextIsUsable,
  type SprintContext,
  type SprintOptions,
} from './sprint-options.ts';
import { initialStrideState, stepStrides, type StrideState } from './strides.ts';
import type { AthleteObservation, KinematicSample } from './types.ts';

export {
  DEFAULT_SPLIT_EVERY_M,
  DEFAULT_SPRINT_OPTIONS,
  resolveSprintOptions,
  validateSprintContext,
} from './sprint-options.ts';
export type { SprintContext, SprintOptions, SprintOptionsInput } from './sprint-options.ts';
export type { Split, SprintSummary } from './sprint-metrics.ts';

/** Observations needed before a sample is produced. */
export const WARMUP_OBSERVATIONS = 3;
/** Prior uncertainty of velocity and acceleration when the filter (re)starts. */
const INITIAL_VELOCITY_SIGMA_MPS = 10;
const INITIAL_ACCELERATION_SIGMA_MPS2 = 10;
/** This many outliers in a row are believed (see `outlierGateM`). */
const OUTLIERS_BELIEVED = 3;

/** Plain JSON state of one athlete's sprint. */
export interface SprintState {
  /** Time origin of every `...S` field: the first accepted observation, ms since the Unix epoch. */
  originMs: number;
  /** Accepted observations. */
  observations: number;
  lastTimeS: number;
  /** Time and filtered x at the last accepted observation. */
  acceptedTimeS: number;
  acceptedXM: number;
  /** Outliers rejected in a row. */
  outliersInRow: number;
  kx: AxisFilterState;
  ky: AxisFilterState;
  ring: SampleRing;
  /** Sequence number of the next ring sample to consider as a centre of the top-speed fit. */
  nextCentreSeq: number;
  /** Time of the last centre fitted for the top speed; -1e9 before any. */
  lastCentreS: number;
  topSpeedMps: number;
  topSpeedAtM: number;
  /** Highest mark whose crossing has been seen (pending or resolved), metres. */
  lastMarkM: number;
  /** Crossings seen on the filtered x, waiting for the samples after them: mark and first guess. */
  pendingMarkM: number[];
  pendingGuessS: number[];
  /** Time from the gun and mark of the last split emitted (0, 0 before any). */
  lastSplitTimeS: number;
  lastSplitMarkM: number;
  /** Timed crossings whose speed is wanted (distanceM − 20 and the finish), waiting for the wider window. */
  probeMarkM: number[];
  probeTimeS: number[];
  /** Fitted speed at distanceM − 20, m/s (0 until measured). */
  speedBeforeLast20mMps: number;
  /** Best estimate of the finish in state time, seconds; -1 until the finish is seen. */
  finishGuessS: number;
  /** Finish time from the gun once timed, seconds; -1 before. */
  finishTimeS: number;
  /** Speed arriving at the finish line, m/s (0 until timed). */
  finishSpeedMps: number;
  /** True once the summary has been produced. */
  finished: boolean;
  strides: StrideState;
}

/** What one observation produced. */
export interface SprintStep {
  /** The updated state (the same object as the argument). */
  state: SprintState;
  /** Smoothed kinematics at this observation; null for ignored observations and during warm-up. */
  sample: KinematicSample | null;
  /** Splits timed by this observation (about `fitHalfWidthS` after their crossing), in mark order. */
  splits: readonly Split[];
  /** The race summary, once, about `topSpeedHalfWidthS` after the finish split. */
  finished: SprintSummary | null;
}

export function initialSprintState(options: SprintOptions = DEFAULT_SPRINT_OPTIONS): SprintState {
  const varianceM2 = options.measurementNoiseM * options.measurementNoiseM;
  return {
    originMs: 0,
    observations: 0,
    lastTimeS: 0,
    acceptedTimeS: 0,
    acceptedXM: 0,
    outliersInRow: 0,
    kx: initialAxisFilter(0, 0, varianceM2, INITIAL_VELOCITY_SIGMA_MPS, INITIAL_ACCELERATION_SIGMA_MPS2),
    ky: initialAxisFilter(0, 0, varianceM2, INITIAL_VELOCITY_SIGMA_MPS, INITIAL_ACCELERATION_SIGMA_MPS2),
    ring: createSampleRing(options.ringCapacity),
    nextCentreSeq: 0,
    lastCentreS: -1e9,
    topSpeedMps: 0,
    topSpeedAtM: 0,
    lastMarkM: 0,
    pendingMarkM: [],
    pendingGuessS: [],
    lastSplitTimeS: 0,
    lastSplitMarkM: 0,
    probeMarkM: [],
    probeTimeS: [],
    speedBeforeLast20mMps: 0,
    finishGuessS: -1,
    finishTimeS: -1,
    finishSpeedMps: 0,
    finished: false,
    strides: initialStrideState(),
  };
}

/** Length of (a, b); Math.hypot guards against overflow we cannot have here, and costs several times more. */
function norm(a: number, b: number): number {
  return Math.sqrt(a * a + b * b);
}

/** Feeds one observation; see the module documentation for the rules. */
export function stepSprint(
  state: SprintState,
  observation: AthleteObservation,
  context: SprintContext,
  options: SprintOptions = DEFAULT_SPRINT_OPTIONS,
): SprintStep {
  const { eventTimeMs, xM, yM } = observation;
  if (!Number.isFinite(eventTimeMs) || !Number.isFinite(xM) || !Number.isFinite(yM)) {
    return { state, sample: null, splits: NO_SPLITS, finished: null };
  }
  const first = state.observations === 0;
  if (first) state.originMs = eventTimeMs;
  const timeS = (eventTimeMs - state.originMs) / 1000;
  // Where the filter was at the last accepted observation (it may have been advanced past outliers since).
  const previousTimeS = state.acceptedTimeS;
  const previousXM = state.acceptedXM;
  const dtS = timeS - state.lastTimeS;
  if (!first && !(dtS > 0)) return { state, sample: null, splits: NO_SPLITS, finished: null };
  const accepted = filterPosition(state, xM, yM, first ? 0 : dtS, options);
  state.lastTimeS = timeS;
  if (!accepted) return { state, sample: null, splits: NO_SPLITS, finished: null };
  state.acceptedTimeS = timeS;
  state.acceptedXM = state.kx.posM;
  state.observations += 1;
  pushSample(state.ring, timeS, xM);

  const race = contextIsUsable(context);
  const gunS = race ? (context.startSignalMs - state.originMs) / 1000 : Number.POSITIVE_INFINITY;
  const speedMps = norm(state.kx.velMps, state.ky.velMps);
  const counting = race && timeS >= gunS && state.finishGuessS < 0;
  stepStrides(state.strides, observation.keypoints, timeS, speedMps, counting, options.strides);

  let splits: readonly Split[] = NO_SPLITS;
  let finished: SprintSummary | null = null;
  if (race) {
    updateTopSpeed(state, gunS, options);
    if (!first && state.finishGuessS < 0 && timeS > gunS) {
      detectCrossings(state, previousTimeS, previousXM, timeS, gunS, context, options);
    }
    if (state.pendingMarkM.length > 0) splits = resolveCrossings(state, gunS, context, options, false);
    if (state.probeMarkM.length > 0) finished = resolveProbes(state, gunS, context, options, false);
  }
  const sample: KinematicSample | null =
    state.observations < WARMUP_OBSERVATIONS
      ? null
      : {
          eventTimeMs,
          xM: finite(state.kx.posM),
          yM: finite(state.ky.posM),
          speedMps: finite(speedMps),
          accelerationMps2: finite(state.kx.accMps2),
          distanceM: Math.max(0, finite(state.kx.posM)),
          topSpeedMps: state.topSpeedMps,
          topSpeedAtM: state.topSpeedAtM,
        };
  return { state, sample, splits, finished };
}

/**
 * Times the crossings still waiting with the samples there are, for when the athlete is no longer
 * observed (the end of the session, or a watermark well past the last observation). Returns what a
 * step would have: the splits and, when the finish was among them, the summary.
 */
export function flushSprint(
  state: SprintState,
  context: SprintContext,
  options: SprintOptions = DEFAULT_SPRINT_OPTIONS,
): { state: SprintState; splits: readonly Split[]; finished: SprintSummary | null } {
  if (!contextIsUsable(context) || state.observations === 0) {
    return { state, splits: NO_SPLITS, finished: null };
  }
  const gunS = (context.startSignalMs - state.originMs) / 1000;
  const splits = resolveCrossings(state, gunS, context, options, true);
  const finished = resolveProbes(state, gunS, context, options, true);
  return { state, splits, finished };
}

/**
 * Kalman step on both axes; `dtS` 0 (re)starts the filters at the position. Returns false for an
 * outlier: the filters then only advance in time (a missing measurement), and the caller ignores the
 * observation.
 */
function filterPosition(
  state: SprintState,
  xM: number,
  yM: number,
  dtS: number,
  options: SprintOptions,
): boolean {
  const { kx, ky } = state;
  const varianceM2 = options.measurementNoiseM * options.measurementNoiseM;
  if (dtS === 0 || dtS > options.maxGapS) {
    // Start, or a gap too long to predict across: restart at the position, moving at the mean velocity
    // across the gap.
    const vx = dtS > 0 ? (xM - kx.posM) / dtS : 0;
    const vy = dtS > 0 ? (yM - ky.posM) / dtS : 0;
    resetAxisFilter(kx, xM, vx, varianceM2, INITIAL_VELOCITY_SIGMA_MPS, INITIAL_ACCELERATION_SIGMA_MPS2);
    resetAxisFilter(ky, yM, vy, varianceM2, INITIAL_VELOCITY_SIGMA_MPS, INITIAL_ACCELERATION_SIGMA_MPS2);
    state.outliersInRow = 0;
    return true;
  }
  predictAxisFilter(kx, dtS, options.jerkPsdM2PerS5);
  predictAxisFilter(ky, dtS, options.jerkPsdM2PerS5);
  if (
    isOutlier(kx, xM, varianceM2, options.outlierGateM) ||
    isOutlier(ky, yM, varianceM2, options.outlierGateM)
  ) {
    state.outliersInRow += 1;
    if (state.outliersInRow < OUTLIERS_BELIEVED) return false;
    // The filter lost the athlete: believe the measurements, keep the velocity.
    resetAxisFilter(
      kx,
      xM,
      kx.velMps,
      varianceM2,
      INITIAL_VELOCITY_SIGMA_MPS,
      INITIAL_ACCELERATION_SIGMA_MPS2,
    );
    resetAxisFilter(
      ky,
      yM,
      ky.velMps,
      varianceM2,
      INITIAL_VELOCITY_SIGMA_MPS,
      INITIAL_ACCELERATION_SIGMA_MPS2,
    );
    state.outliersInRow = 0;
    return true;
  }
  state.outliersInRow = 0;
  updateAxisFilter(kx, xM, varianceM2);
  updateAxisFilter(ky, yM, varianceM2);
  return true;
}
