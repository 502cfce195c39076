import { StadionError } from '../../../engine/errors.ts';
import {
  initialAxisFilter,
  isOutlier,
  predictAxisFilter,
  resetAxisFilter,
  updateAxisFilter,
  type AxisFilterState,
} from './kalman.ts';
import {
  createSampleRingXY,
  fitQuadraticXY,
  newestTimeS,
  oldestSeq,
  pushSampleXY,
  sampleTimeS,
  type QuadraticFit,
  type SampleRingXY,
} from './local-fit.ts';
import type { AthleteObservation } from './types.ts';

/**
 * Workload of one team-sport player (or the ball), one observation at a time, for a keyed stateful
 * processor: `stepTeamSport(state, observation, context)`.
 *
 * Two smoothers, as for sprints. The live position, speed and acceleration of each sample come from the
 * constant-acceleration Kalman filter (kalman.ts) on x and y, with no lag. The workload comes from a
 * local quadratic fit of x and y over ±`fitHalfWidthS` of raw samples (local-fit.ts), evaluated at each
 * sample once the samples after it have arrived, so it lags by `fitHalfWidthS`. WHY: distance is a sum
 * of many small steps and any noise left in them adds up. In simulation the zero-lag filter's speed
 * noise and its overshoot when a player stops made distances 1-5 % long (and a player standing still
 * "ran" a few hundred metres an hour); the fixed-lag fit keeps them within a few tenths of a percent.
 *
 * - distance: the path length of the fitted positions, counting only steps where the fitted speed is at
 *   least `minMovingSpeedMps`;
 * - high-speed running distance: the part of that distance covered above `highSpeedThresholdMps`;
 * - sprints: a sprint is counted once the fitted speed has stayed above `sprintThresholdMps` for
 *   `sprintMinDurationS`; it then lasts until the speed falls below `sprintThresholdMps −
 *   sprintExitHysteresisMps`, so noise around the threshold cannot count one effort twice;
 * - workload per minute: distance, high-speed distance and sprints, per bucket of `bucketDurationMs`
 *   counted from `context.periodStartMs` (default: the Unix epoch, so every player's buckets line up),
 *   by the time of the fitted sample. A bucket is produced when the workload reaches a later bucket
 *   (buckets without observations are skipped), or by {@link flushTeamSport}.
 *
 * Input rules as for sprints: observations not after the last accepted one, with non-finite values, or
 * too far from the filter's prediction (`outlierGateM`: tracking glitches) are ignored; a gap longer
 * than `maxGapS` restarts the filter, and no distance is counted across it.
 * The first `TEAM_WARMUP_OBSERVATIONS - 1` observations yield no sample. The state (about 130 numbers,
 * most of them the ring of recent samples) is plain JSON, updated in place and returned.
 */
export interface TeamSportContext {
  /**
   * Start of the period (kick-off), ms since the Unix epoch; workload buckets count from it.
   * @default 0 (buckets aligned on the epoch's minutes)
   */
  periodStartMs?: number;
}

export interface TeamSportOptions {
  /**
   * Standard deviation of the position noise, metres.
   * @default 0.03
   */
  measurementNoiseM: number;
  /**
   * Spectral density of the white jerk driving the live Kalman filter, m²/s⁵ (players change pace and
   * direction more abruptly than sprinters).
   * @default 20
   */
  jerkPsdM2PerS5: number;
  /**
   * A gap between observations longer than this restarts the filter and the distance (s).
   * @default 1
   */
  maxGapS: number;
  /**
   * A position further than this (or 5 standard deviations) from the filter's prediction is an outlier
   * and is ignored; three in a row are believed and restart the filter there (m).
   * @default 1
   */
  outlierGateM: number;
  /**
   * Half width of the local fit behind the workload figures, and so their lag (s).
   * @default 0.5
   */
  fitHalfWidthS: number;
  /**
   * The fit is evaluated at most this often (s); the distance is the path through these fitted
   * positions (a polygon with 0.1 s sides cuts a 0.6 rad/s turn short by about 0.002 %).
   * @default 0.1
   */
  fitEveryS: number;
  /**
   * Recent raw samples kept for the local fit; keep it at least 2·fitHalfWidthS·fps + 4.
   * @default 32
   */
  ringCapacity: number;
  /**
   * Below this fitted speed the player is standing and covers no distance (m/s).
   * @default 0.2
   */
  minMovingSpeedMps: number;
  /**
   * High-speed running above this speed (m/s).
   * @default 5.5
   */
  highSpeedThresholdMps: number;
  /**
   * Sprinting above this speed (m/s).
   * @default 7
   */
  sprintThresholdMps: number;
  /**
   * A sprint counts once above the threshold for this long (s).
   * @default 1
   */
  sprintMinDurationS: number;
  /**
   * A sprint ends when the speed falls this far below the threshold (m/s).
   * @default 0.5
   */
  sprintExitHysteresisMps: number;
  /**
   * Workload bucket length (ms).
   * @default 60000
   */
  bucketDurationMs: number;
}

export const DEFAULT_TEAM_SPORT_OPTIONS: Readonly<TeamSportOptions> = Object.freeze({
  measurementNoiseM: 0.03,
  jerkPsdM2PerS5: 20,
  maxGapS: 1,
  outlierGateM: 1,
  fitHalfWidthS: 0.5,
  fitEveryS: 0.1,
  ringCapacity: 32,
  minMovingSpeedMps: 0.2,
  highSpeedThresholdMps: 5.5,
  sprintThresholdMps: 7,
  sprintMinDurationS: 1,
  sprintExitHysteresisMps: 0.5,
  bucketDurationMs: 60_000,
});

/** Observations needed before a sample is produced. */
export const TEAM_WARMUP_OBSERVATIONS = 3;
/** This many outliers in a row are believed (see `outlierGateM`). */
const OUTLIERS_BELIEVED = 3;
/** Samples the local fit needs on each side of its centre. */
const MIN_SAMPLES_PER_SIDE = 3;
const INITIAL_VELOCITY_SIGMA_MPS = 5;
const INITIAL_ACCELERATION_SIGMA_MPS2 = 5;
/** Below this speed the direction of motion is noise: tangential acceleration is reported as 0 (m/s). */
const MIN_SPEED_FOR_DIRECTION_MPS = 0.5;

/** The live state of a player at one observation, with the workload so far. */
export interface TeamSportSample {
  /** Event time of the observation, ms since the Unix epoch (UTC). */
  eventTimeMs: number;
  /** Smoothed position, metres. */
  xM: number;
  yM: number;
  /** Smoothed speed, metres per second. */
  speedMps: number;
  /** Acceleration along the direction of motion, m/s² (0 below 0.5 m/s). */
  accelerationMps2: number;
  /** Distance covered so far (up to `fitHalfWidthS` ago), metres. */
  distanceM: number;
  /** Distance covered above the high-speed threshold so far (up to `fitHalfWidthS` ago), metres. */
  highSpeedDistanceM: number;
  /** Sprints so far (up to `fitHalfWidthS` ago). */
  sprintCount: number;
}

/** Workload of one bucket (a minute by default). */
export interface MinuteWorkload {
  /** Bucket number since `periodStartMs` (0 for the first minute, negative before it). */
  minuteIndex: number;
  /** Start of the bucket, ms since the Unix epoch. */
  minuteStartMs: number;
  distanceM: number;
  highSpeedDistanceM: number;
  /** Sprints counted in this bucket. */
  sprintCount: number;
}

/** Plain JSON state of one player. */
export interface TeamSportState {
  /** Time origin of every `...S` field: the first accepted observation, ms since the Unix epoch. */
  originMs: number;
  observations: number;
  lastTimeS: number;
  /** Outliers rejected in a row. */
  outliersInRow: number;
  kx: AxisFilterState;
  ky: AxisFilterState;
  ring: SampleRingXY;
  /** Sequence number of the next ring sample to evaluate the fit at. */
  nextCentreSeq: number;
  /** Last fitted position and its time; time -1 before any. */
  fitXM: number;
  fitYM: number;
  fitTimeS: number;
  distanceM: number;
  highSpeedDistanceM: number;
  sprintCount: number;
  inSprint: boolean;
  sprintCounted: boolean;
  /** Start of the current stretch above the sprint threshold; -1 when below. */
  aboveSprintSinceS: number;
  /** False before the first fitted sample. */
  hasBucket: boolean;
  /** Current bucket number (negative before `periodStartMs`). */
  bucketIndex: number;
  bucketStartMs: number;
  bucketDistanceM: number;
  bucketHighSpeedM: number;
  bucketSprints: number;
}

export interface TeamSportStep {
  state: TeamSportState;
  /** Null for ignored observations and during warm-up. */
  sample: TeamSportSample | null;
  /** A bucket completed by this observation. */
  minute: MinuteWorkload | null;
}

/** Validated options: defaults filled in; throws CONFIG_INVALID with a readable message. */
export function resolveTeamSportOptions(options: Partial<TeamSportOptions> = {}): TeamSportOptions {
  const resolved: TeamSportOptions = { ...DEFAULT_TEAM_SPORT_OPTIONS, ...options };
  for (const [name, value] of Object.entries(resolved) as Array<[string, number]>) {
    const mayBeZero =
      name === 'minMovingSpeedMps' || name === 'sprintExitHysteresisMps' || name === 'fitEveryS';
    if (!Number.isFinite(value) || value < 0 || (!mayBeZero && value === 0)) {
      throw new StadionError(
        'CONFIG_INVALID',
        `team sport option ${name} must be a ${mayBeZero ? 'non-negative' : 'positive'} number, got ${value}`,
      );
    }
  }
  if (!Number.isInteger(resolved.ringCapacity) || resolved.ringCapacity < 4 * MIN_SAMPLES_PER_SIDE) {
    throw new StadionError(
      'CONFIG_INVALID',
      `team sport option ringCapacity must be an integer >= ${4 * MIN_SAMPLES_PER_SIDE}`,
    );
  }
  return resolved;
}

export function initialTeamSportState(
  options: TeamSportOptions = DEFAULT_TEAM_SPORT_OPTIONS,
): TeamSportState {
  const varianceM2 = options.measurementNoiseM * options.measurementNoiseM;
  return {
    originMs: 0,
    observations: 0,
    lastTimeS: 0,
    outliersInRow: 0,
    kx: initialAxisFilter(0, 0, varianceM2, INITIAL_VELOCITY_SIGMA_MPS, INITIAL_ACCELERATION_SIGMA_MPS2),
    ky: initialAxisFilter(0, 0, varianceM2, INITIAL_VELOCITY_SIGMA_MPS, INITIAL_ACCELERATION_SIGMA_MPS2),
    ring: createSampleRingXY(options.ringCapacity),
    nextCentreSeq: 0,
    fitXM: 0,
    fitYM: 0,
    fitTimeS: -1,
    distanceM: 0,
    highSpeedDistanceM: 0,
    sprintCount: 0,
    inSprint: false,
    sprintCounted: false,
    aboveSprintSinceS: -1,
    hasBucket: false,
    bucketIndex: 0,
    bucketStartMs: 0,
    bucketDistanceM: 0,
    bucketHighSpeedM: 0,
    bucketSprints: 0,
  };
}

function finite(value: number): number {
  return Number.isFinite(value) ? value : 0;
}

/** Length of (a, b); Math.hypot guards against overflow we cannot have here, and costs several times more. */
function norm(a: number, b: number): number {
  return Math.sqrt(a * a + b * b);
}

function currentMinute(state: TeamSportState): MinuteWorkload {
  return {
    minuteIndex: state.bucketIndex,
    minuteStartMs: state.bucketStartMs,
    distanceM: state.bucketDistanceM,
    highSpeedDistanceM: state.bucketHighSpeedM,
    sprintCount: state.bucketSprints,
  };
}

/** Feeds one observation; see the module documentation. */
export function stepTeamSport(
  state: TeamSportState,
  observation: AthleteObservation,
  context: TeamSportContext = {},
  options: TeamSportOptions = DEFAULT_TEAM_SPORT_OPTIONS,
): TeamSportStep {
  const { eventTimeMs, xM, yM } = observation;
  if (!Number.isFinite(eventTimeMs) || !Number.isFinite(xM) || !Number.isFinite(yM)) {
    return { state, sample: null, minute: null };
  }
  const first = state.observations === 0;
  if (first) state.originMs = eventTimeMs;
  const timeS = (eventTimeMs - state.originMs) / 1000;
  const dtS = timeS - state.lastTimeS;
  if (!first && !(dtS > 0)) return { state, sample: null, minute: null };

  const { kx, ky } = state;
  const varianceM2 = options.measurementNoiseM * options.measurementNoiseM;
  if (first || dtS > options.maxGapS) {
    resetAxisFilter(kx, xM, 0, varianceM2, INITIAL_VELOCITY_SIGMA_MPS, INITIAL_ACCELERATION_SIGMA_MPS2);
    resetAxisFilter(ky, yM, 0, varianceM2, INITIAL_VELOCITY_SIGMA_MPS, INITIAL_ACCELERATION_SIGMA_MPS2);
    state.outliersInRow = 0;
  } else {
    predictAxisFilter(kx, dtS, options.jerkPsdM2PerS5);
    predictAxisFilter(ky, dtS, options.jerkPsdM2PerS5);
    state.lastTimeS = timeS;
    const gateM = options.outlierGateM;
    if (isOutlier(kx, xM, varianceM2, gateM) || isOutlier(ky, yM, varianceM2, gateM)) {
      state.outliersInRow += 1;
      // Ignored (the filter only advances in time), unless it keeps happening: then the filter lost
      // the player, and starts again where the measurements are.
      if (state.outliersInRow < OUTLIERS_BELIEVED) return { state, sample: null, minute: null };
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
    } else {
      updateAxisFilter(kx, xM, varianceM2);
      updateAxisFilter(ky, yM, varianceM2);
    }
    state.outliersInRow = 0;
  }
  state.lastTimeS = timeS;
  state.observations += 1;
  pushSampleXY(state.ring, timeS, xM, yM);
  const minute = updateWorkload(state, context, options, false);

  if (state.observations < TEAM_WARMUP_OBSERVATIONS) return { state, sample: null, minute };
  const speedMps = finite(norm(kx.velMps, ky.velMps));
  const accelerationMps2 =
    speedMps < MIN_SPEED_FOR_DIRECTION_MPS ? 0 : (kx.velMps * kx.accMps2 + ky.velMps * ky.accMps2) / speedMps;
  return {
    state,
    sample: {
      eventTimeMs,
      xM: finite(kx.posM),
      yM: finite(ky.posM),
      speedMps,
      accelerationMps2: finite(accelerationMps2),
      distanceM: state.distanceM,
      highSpeedDistanceM: state.highSpeedDistanceM,
      sprintCount: state.sprintCount,
    },
    minute,
  };
}

/**
 * Accumulates the workload of the last `fitHalfWidthS` (fitted one-sided) and returns the current,
 * incomplete bucket, for the end of a period or match; null before any fitted sample. Should
 * observations follow, the bucket is produced again, complete, when the next one starts.
 */
export function flushTeamSport(
  state: TeamSportState,
  context: TeamSportContext = {},
  options: TeamSportOptions = DEFAULT_TEAM_SPORT_OPTIONS,
): { state: TeamSportState; minute: MinuteWorkload | null } {
  if (state.observations === 0) return { state, minute: null };
  updateWorkload(state, context, options, true);
  return { state, minute: state.hasBucket ? currentMinute(state) : null };
}

const fitX: QuadraticFit = { posM: 0, velMps: 0, accMps2: 0, samples: 0 };
const fitY: QuadraticFit = { posM: 0, velMps: 0, accMps2: 0, samples: 0 };

/**
 * Evaluates the local fit at every ring sample that now has `fitHalfWidthS` of samples after it (every
 * remaining one when `force`, one-sided) and accumulates the workload. Returns the bucket completed on
 * the way, if any (buckets are a minute and the lag half a second: at most one per observation).
 */
function updateWorkload(
  state: TeamSportState,
  context: TeamSportContext,
  options: TeamSportOptions,
  force: boolean,
): MinuteWorkload | null {
  const ring = state.ring;
  const halfWidthS = options.fitHalfWidthS;
  const maturedS = force ? Number.POSITIVE_INFINITY : newestTimeS(ring, 0) - halfWidthS;
  const minPerSide = force ? 0 : MIN_SAMPLES_PER_SIDE;
  const periodStartMs = Number.isFinite(context.periodStartMs) ? (context.periodStartMs ?? 0) : 0;
  let minute: MinuteWorkload | null = null;
  let seq = Math.max(state.nextCentreSeq, oldestSeq(ring));
  for (; seq < ring.count; seq++) {
    const centreS = sampleTimeS(ring, seq);
    if (centreS > maturedS) break;
    const bucketIndex = Math.floor(
      (state.originMs + centreS * 1000 - periodStartMs) / options.bucketDurationMs,
    );
    if (!state.hasBucket || bucketIndex !== state.bucketIndex) {
      if (state.hasBucket) minute = currentMinute(state);
      state.hasBucket = true;
      state.bucketIndex = bucketIndex;
      state.bucketStartMs = periodStartMs + bucketIndex * options.bucketDurationMs;
      state.bucketDistanceM = 0;
      state.bucketHighSpeedM = 0;
      state.bucketSprints = 0;
    }
    const last = seq === ring.count - 1;
    if (state.fitTimeS >= 0 && centreS < state.fitTimeS + options.fitEveryS && !(force && last)) continue;
    if (!fitQuadraticXY(ring, centreS, halfWidthS, minPerSide, fitX, fitY)) continue;
    const speedMps = finite(norm(fitX.velMps, fitY.velMps));
    // Across a gap too long to smooth over the fit starts afresh: no distance, no sprint goes on.
    const continuous = state.fitTimeS >= 0 && centreS - state.fitTimeS <= options.maxGapS;
    if (continuous && speedMps >= options.minMovingSpeedMps) {
      const stepM = finite(norm(fitX.posM - state.fitXM, fitY.posM - state.fitYM));
      state.distanceM += stepM;
      state.bucketDistanceM += stepM;
      if (speedMps > options.highSpeedThresholdMps) {
        state.highSpeedDistanceM += stepM;
        state.bucketHighSpeedM += stepM;
      }
    }
    countSprints(state, centreS, speedMps, continuous, options);
    state.fitXM = fitX.posM;
    state.fitYM = fitY.posM;
    state.fitTimeS = centreS;
  }
  state.nextCentreSeq = seq;
  return minute;
}

function countSprints(
  state: TeamSportState,
  timeS: number,
  speedMps: number,
  continuous: boolean,
  options: TeamSportOptions,
): void {
  if (!continuous) {
    // Unobserved across a gap: a stretch above the threshold cannot be said to have lasted.
    state.aboveSprintSinceS = -1;
    state.inSprint = false;
  }
  if (speedMps > options.sprintThresholdMps) {
    if (state.aboveSprintSinceS < 0) state.aboveSprintSinceS = timeS;
    if (!state.inSprint) {
      state.inSprint = true;
      state.sprintCounted = false;
    }
    if (!state.sprintCounted && timeS - state.aboveSprintSinceS >= options.sprintMinDurationS) {
      state.sprintCounted = true;
      state.sprintCount += 1;
      state.bucketSprints += 1;
    }
    return;
  }
  state.aboveSprintSinceS = -1;
  if (speedMps < options.sprintThresholdMps - options.sprintExitHysteresisMps) state.inSprint = false;
}
