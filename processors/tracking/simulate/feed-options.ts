/** Options shared by the simulators: measurement noise and the imperfections of the arrival order. */
import { StadionError } from '../../../engine/errors.ts';
import type { ArrivalImperfectionOptions } from './imperfections.ts';

export interface FeedOptions {
  /**
   * Standard deviation of the gaussian noise added to each detection coordinate (xM, yM, zM), metres.
   * @default 0.03
   */
  readonly noiseM?: number;
  /**
   * Standard deviation of the gaussian noise added to each keypoint coordinate, metres.
   * @default 0.02
   */
  readonly keypointNoiseM?: number;
  /**
   * Fraction of frames dropped from the arrival order.
   * @default 0.01
   */
  readonly dropRate?: number;
  /**
   * Fraction of delivered frames delivered twice.
   * @default 0.005
   */
  readonly duplicateRate?: number;
  /**
   * Fraction of deliveries that arrive late (after 1..maxReorderFrames later-numbered frames).
   * @default 0.02
   */
  readonly reorderRate?: number;
  /**
   * Most later-numbered frames a late delivery can arrive after; 0 keeps the order.
   * @default 3
   */
  readonly maxReorderFrames?: number;
  /**
   * Frame number of the first frame.
   * @default 0
   */
  readonly firstFrameNumber?: number;
  /**
   * Venue id of the session.
   * @default 'sim-stadium'
   */
  readonly venue?: string;
}

export const FEED_DEFAULTS = {
  noiseM: 0.03,
  keypointNoiseM: 0.02,
  dropRate: 0.01,
  duplicateRate: 0.005,
  reorderRate: 0.02,
  maxReorderFrames: 3,
  firstFrameNumber: 0,
  venue: 'sim-stadium',
} as const;

export interface ResolvedFeedOptions extends ArrivalImperfectionOptions {
  readonly noiseM: number;
  readonly keypointNoiseM: number;
  readonly firstFrameNumber: number;
  readonly venue: string;
}

export function invalid(message: string): StadionError {
  return new StadionError('CONFIG_INVALID', `simulator: ${message}`);
}

export function requireInRange(
  name: string,
  value: number,
  min: number,
  max: number,
  integer = false,
): number {
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw invalid(`${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${value}`);
  }
  return value;
}

export function resolveFeedOptions(options: FeedOptions): ResolvedFeedOptions {
  return {
    noiseM: requireInRange('noiseM', options.noiseM ?? FEED_DEFAULTS.noiseM, 0, 10),
    keypointNoiseM: requireInRange(
      'keypointNoiseM',
      options.keypointNoiseM ?? FEED_DEFAULTS.keypointNoiseM,
      0,
      10,
    ),
    dropRate: requireInRange('dropRate', options.dropRate ?? FEED_DEFAULTS.dropRate, 0, 0.99),
    duplicateRate: requireInRange(
      'duplicateRate',
      options.duplicateRate ?? FEED_DEFAULTS.duplicateRate,
      0,
      1,
    ),
    reorderRate: requireInRange('reorderRate', options.reorderRate ?? FEED_DEFAULTS.reorderRate, 0, 1),
    maxReorderFrames: requireInRange(
      'maxReorderFrames',
      options.maxReorderFrames ?? FEED_DEFAULTS.maxReorderFrames,
      0,
      1000,
      true,
    ),
    firstFrameNumber: requireInRange(
      'firstFrameNumber',
      options.firstFrameNumber ?? FEED_DEFAULTS.firstFrameNumber,
      0,
      Number.MAX_SAFE_INTEGER,
      true,
    ),
    venue: options.venue ?? FEED_DEFAULTS.venue,
  };
}

/** A clean position of a simulated body centre, the value a detection is a noisy measurement of. */
export interface TruePosition {
  readonly xM: number;
  readonly yM: number;
  readonly zM: number;
  readonly speedMps: number;
}
