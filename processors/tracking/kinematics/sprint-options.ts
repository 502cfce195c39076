import { StadionError } from '../../../engine/errors.ts';
import { DEFAULT_STRIDE_OPTIONS, type StrideOptions } from './strides.ts';

/** The race an athlete's observations belong to (from the session). */
export interface SprintContext {
  /** The gun, ms since the Unix epoch (UTC). */
  startSignalMs: number;
  /** Race distance, metres (the finish line is at x = distanceM). */
  distanceM: number;
  /**
   * Distance between split marks, metres.
   * @default 10
   */
  splitEveryM?: number;
}

/** Tuning of the sprint kinematics; see {@link DEFAULT_SPRINT_OPTIONS} and {@link resolveSprintOptions}. */
export interface SprintOptions {
  /**
   * Standard deviation of the position noise, metres.
   * @default 0.03
   */
  measurementNoiseM: number;
  /**
   * Spectral density of the white jerk driving the Kalman filter, m²/s⁵ (see kalman.ts). Tuned on
   * simulated 100 m races at 25 to 60 fps.
   * @default 5
   */
  jerkPsdM2PerS5: number;
  /**
   * A gap between observations longer than this restarts the filter instead of predicting across it (s).
   * @default 1
   */
  maxGapS: number;
  /**
   * A position further than this (or 5 standard deviations, whichever is more) from the filter's
   * prediction is an outlier (a tracking glitch, an identity swap) and is ignored; three in a row are
   * believed and restart the filter there (m).
   * @default 1
   */
  outlierGateM: number;
  /**
   * Half width of the local fit that times the mark crossings, and so the lag of the splits, seconds.
   * @default 0.2
   */
  fitHalfWidthS: number;
  /**
   * Half width of the local fit window for the top speed, seconds: wider than `fitHalfWidthS` because
   * the maximum of a noisy speed is biased upwards by its noise (about one standard deviation).
   * @default 0.5
   */
  topSpeedHalfWidthS: number;
  /**
   * The speed at the finish line comes from a fit over this long before it (s): one-sided, because
   * athletes ease off past the line and a window across it would average the two. Shortened to what
   * the ring holds (at 60 fps, 64 samples: about 1 s).
   * @default 1.5
   */
  finishSpeedWindowS: number;
  /**
   * The top-speed fit is evaluated at most this often (s): the speed barely changes near its peak, and
   * fewer fits keep the step cheap at high frame rates.
   * @default 0.04
   */
  topSpeedEveryS: number;
  /**
   * Samples the local fit needs on each side of its centre.
   * @default 3
   */
  minSamplesPerSide: number;
  /**
   * Recent raw samples kept for the local fits; keep it at least 2·topSpeedHalfWidthS·fps + 4.
   * @default 64
   */
  ringCapacity: number;
  /** Step detection. */
  strides: StrideOptions;
}

export const DEFAULT_SPRINT_OPTIONS: Readonly<SprintOptions> = Object.freeze({
  measurementNoiseM: 0.03,
  jerkPsdM2PerS5: 5,
  maxGapS: 1,
  outlierGateM: 1,
  fitHalfWidthS: 0.2,
  topSpeedHalfWidthS: 0.5,
  finishSpeedWindowS: 1.5,
  topSpeedEveryS: 0.04,
  minSamplesPerSide: 3,
  ringCapacity: 64,
  strides: DEFAULT_STRIDE_OPTIONS,
});

/** Default split spacing, metres. */
export const DEFAULT_SPLIT_EVERY_M = 10;

/** Options as given: any subset, the step detector's too. */
export type SprintOptionsInput = Partial<Omit<SprintOptions, 'strides'>> & {
  strides?: Partial<StrideOptions>;
};

/** Validated options: defaults filled in; throws CONFIG_INVALID with a readable message. */
export function resolveSprintOptions(options: SprintOptionsInput = {}): SprintOptions {
  const resolved: SprintOptions = {
    ...DEFAULT_SPRINT_OPTIONS,
    ...options,
    strides: { ...DEFAULT_STRIDE_OPTIONS, ...options.strides },
  };
  const positive: [string, number][] = [
    ['measurementNoiseM', resolved.measurementNoiseM],
    ['jerkPsdM2PerS5', resolved.jerkPsdM2PerS5],
    ['maxGapS', resolved.maxGapS],
    ['outlierGateM', resolved.outlierGateM],
    ['fitHalfWidthS', resolved.fitHalfWidthS],
    ['topSpeedHalfWidthS', resolved.topSpeedHalfWidthS],
    ['topSpeedEveryS', resolved.topSpeedEveryS],
    ['finishSpeedWindowS', resolved.finishSpeedWindowS],
  ];
  for (const [name, value] of positive) {
    if (!(Number.isFinite(value) && value > 0)) {
      throw new StadionError(
        'CONFIG_INVALID',
        `sprint option ${name} must be a positive number, got ${value}`,
      );
    }
  }
  if (!Number.isInteger(resolved.minSamplesPerSide) || resolved.minSamplesPerSide < 1) {
    throw new StadionError('CONFIG_INVALID', 'sprint option minSamplesPerSide must be an integer >= 1');
  }
  if (!Number.isInteger(resolved.ringCapacity) || resolved.ringCapacity < 4 * resolved.minSamplesPerSide) {
    throw new StadionError(
      'CONFIG_INVALID',
      'sprint option ringCapacity must be an integer >= 4 x minSamplesPerSide',
    );
  }
  const s = resolved.strides;
  for (const [name, value] of Object.entries(s) as Array<[string, number]>) {
    if (!(Number.isFinite(value) && value >= 0)) {
      throw new StadionError(
        'CONFIG_INVALID',
        `stride option ${name} must be a non-negative number, got ${value}`,
      );
    }
  }
  if (!(s.contactOffHeightM >= s.contactOnHeightM)) {
    throw new StadionError('CONFIG_INVALID', 'stride option contactOffHeightM must be >= contactOnHeightM');
  }
  return resolved;
}

/** Throws CONFIG_INVALID unless the context describes a race. */
export function validateSprintContext(context: SprintContext): void {
  const every = context.splitEveryM ?? DEFAULT_SPLIT_EVERY_M;
  if (!Number.isFinite(context.startSignalMs)) {
    throw new StadionError('CONFIG_INVALID', 'sprint context startSignalMs must be a finite number');
  }
  if (!(Number.isFinite(context.distanceM) && context.distanceM > 0)) {
    throw new StadionError('CONFIG_INVALID', 'sprint context distanceM must be a positive number');
  }
  if (!(Number.isFinite(every) && every > 0)) {
    throw new StadionError('CONFIG_INVALID', 'sprint context splitEveryM must be a positive number');
  }
}

/** True when the context describes a race (splits are only timed then). */
export function contextIsUsable(context: SprintContext): boolean {
  const every = context.splitEveryM ?? DEFAULT_SPLIT_EVERY_M;
  return (
    Number.isFinite(context.startSignalMs) &&
    Number.isFinite(context.distanceM) &&
    context.distanceM > 0 &&
    Number.isFinite(every) &&
    every > 0
  );
}
