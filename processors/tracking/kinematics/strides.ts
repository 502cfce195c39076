import type { Keypoint } from '../../../schemas/generated.ts';
import { KEYPOINT_INDEX } from '../keypoints.ts';

/**
 * Foot contacts (steps) from the foot keypoints of a sprinter, one frame at a time.
 *
 * A foot is on the ground while its lowest point (heel or toe, falling back to the ankle less
 * {@link StrideOptions.ankleHeightM}) is low and it is not moving forward fast. A contact starts when
 * the foot's height drops below `contactOnHeightM` while its horizontal speed (frame to frame) is under
 * a gate of `max(footSpeedGateMinMps, footSpeedGateBodyFraction × body speed)`: a swinging foot moves at
 * about twice the body's speed, a planted one at zero. It ends when the height rises above
 * `contactOffHeightM` (hysteresis, so keypoint noise does not split a contact in two). A new contact of
 * the same foot within `minSameFootIntervalS` of its previous one is the same contact bouncing on noise
 * and is merged into it. Contacts normally alternate left/right; when the same foot lands twice in a row
 * at least 1.5 step intervals apart, the other foot's contact was missed (dropped frames) and is counted
 * as inferred.
 *
 * A touchdown is placed half way between the foot's last frame in the air and its first on the ground
 * (unbiased for counting steps up to the finish).
 *
 * "Stride" in the outputs follows the broadcast usage of the domain notes: one step, from a foot contact
 * to the next contact (of the other foot). Step length is the distance between consecutive contacts'
 * mean foot x, averaged: (x_last − x_first) / (n − 1); frequency is (n − 1) / (t_last − t_first), steps
 * per second between the first and the last counted touchdown. So the state stays small: counters, the
 * first contact and a ring of the last 8.
 */
export interface StrideOptions {
  /**
   * Height (m) below which a foot may start a contact.
   * @default 0.08
   */
  contactOnHeightM: number;
  /**
   * Height (m) above which a contact ends.
   * @default 0.14
   */
  contactOffHeightM: number;
  /**
   * Height of the ankle keypoint above the sole (m), used when heel and toe are missing.
   * @default 0.08
   */
  ankleHeightM: number;
  /**
   * Keypoints below this confidence are ignored.
   * @default 0.3
   */
  minKeypointConfidence: number;
  /**
   * Lower bound of the foot-speed gate at contact onset (m/s).
   * @default 4
   */
  footSpeedGateMinMps: number;
  /**
   * Foot-speed gate at contact onset as a fraction of the body's speed.
   * @default 0.6
   */
  footSpeedGateBodyFraction: number;
  /**
   * A contact of the same foot starting sooner than this after its previous one is merged into it (s).
   * @default 0.25
   */
  minSameFootIntervalS: number;
}

export const DEFAULT_STRIDE_OPTIONS: Readonly<StrideOptions> = Object.freeze({
  contactOnHeightM: 0.08,
  contactOffHeightM: 0.14,
  ankleHeightM: 0.08,
  minKeypointConfidence: 0.3,
  footSpeedGateMinMps: 4,
  footSpeedGateBodyFraction: 0.6,
  minSameFootIntervalS: 0.25,
});

/** Step interval assumed before three contacts give a measured one (s). */
const DEFAULT_STEP_INTERVAL_S = 0.25;
/** Onsets are placed half way to the previous frame only when it is this recent (s). */
const MAX_ONSET_INTERPOLATION_S = 0.1;
/** Recent contacts kept, enough to take back the contacts that follow a finish found with a lag. */
const RECENT_CAPACITY = 8;

interface FootState {
  inContact: boolean;
  /** Sequence number of this foot's current contact in the recent ring, or -1 when it is not counted. */
  contactSeq: number;
  contactSumXM: number;
  contactSamples: number;
  /** Onset of this foot's latest contact (counted or not), seconds; -1e9 before any. */
  lastOnsetS: number;
  hasLast: boolean;
  lastXM: number;
  lastTimeS: number;
}

/** Plain JSON state of the step detector. */
export interface StrideState {
  /** True once any frame carried keypoints. */
  seenKeypoints: boolean;
  left: FootState;
  right: FootState;
  /** Counted contacts (onset at or after the gun, before counting closed), inferred ones included. */
  count: number;
  firstOnsetS: number;
  firstXM: number;
  /** Last counted contact's foot: 0 left, 1 right, -1 none. */
  lastFoot: number;
  /** Ring of the most recent counted contacts: onset time, mean foot x, inferred flag (0/1). */
  recentOnsetS: number[];
  recentXM: number[];
  /** Number of contacts ever pushed into the recent ring. */
  recentCount: number;
}

/** Step metrics over the counted contacts up to a time. */
export interface StrideSummary {
  /** Steps (foot contacts) from the gun up to the time. */
  count: number;
  /** Mean distance between consecutive contacts, metres; 0 with fewer than two contacts. */
  meanLengthM: number;
  /** Steps per second between the first and last contact; 0 with fewer than two contacts. */
  meanFrequencyHz: number;
}

function initialFoot(): FootState {
  return {
    inContact: false,
    contactSeq: -1,
    contactSumXM: 0,
    contactSamples: 0,
    lastOnsetS: -1e9,
    hasLast: false,
    lastXM: 0,
    lastTimeS: 0,
  };
}

export function initialStrideState(): StrideState {
  return {
    seenKeypoints: false,
    left: initialFoot(),
    right: initialFoot(),
    count: 0,
    firstOnsetS: 0,
    firstXM: 0,
    lastFoot: -1,
    recentOnsetS: new Array<number>(RECENT_CAPACITY).fill(0),
    recentXM: new Array<number>(RECENT_CAPACITY).fill(0),
    recentCount: 0,
  };
}

const LEFT = { ankle: KEYPOINT_INDEX.leftAnkle, heel: KEYPOINT_INDEX.leftHeel, toe: KEYPOINT_INDEX.leftToe };
const RIGHT = {
  ankle: KEYPOINT_INDEX.rightAnkle,
  heel: KEYPOINT_INDEX.rightHeel,
  toe: KEYPOINT_INDEX.rightToe,
};

function usable(point: Keypoint | undefined, minConfidence: number): point is Keypoint {
  return (
    point !== undefined &&
    point.confidence >= minConfidence &&
    Number.isFinite(point.xM) &&
    Number.isFinite(point.zM)
  );
}

function meanStepIntervalS(state: StrideState): number {
  if (state.count < 3 || state.recentCount === 0) return DEFAULT_STEP_INTERVAL_S;
  const lastOnsetS = state.recentOnsetS[(state.recentCount - 1) % RECENT_CAPACITY] ?? 0;
  const interval = (lastOnsetS - state.firstOnsetS) / (state.count - 1);
  return interval > 0 ? interval : DEFAULT_STEP_INTERVAL_S;
}

function pushContact(state: StrideState, onsetS: number, xM: number): number {
  const seq = state.recentCount;
  state.recentOnsetS[seq % RECENT_CAPACITY] = onsetS;
  state.recentXM[seq % RECENT_CAPACITY] = xM;
  state.recentCount += 1;
  if (state.count === 0) {
    state.firstOnsetS = onsetS;
    state.firstXM = xM;
  }
  state.count += 1;
  return seq;
}

function stepFoot(
  state: StrideState,
  foot: FootState,
  footIndex: number,
  points: typeof LEFT,
  keypoints: readonly Keypoint[],
  timeS: number,
  bodySpeedMps: number,
  counting: boolean,
  options: StrideOptions,
): void {
  const heel = keypoints[points.heel];
  const toe = keypoints[points.toe];
  const ankle = keypoints[points.ankle];
  const minConfidence = options.minKeypointConfidence;
  let heightM = Number.POSITIVE_INFINITY;
  let sumX = 0;
  let xs = 0;
  if (usable(heel, minConfidence)) {
    heightM = heel.zM;
    sumX += heel.xM;
    xs++;
  }
  if (usable(toe, minConfidence)) {
    heightM = Math.min(heightM, toe.zM);
    sumX += toe.xM;
    xs++;
  }
  if (xs === 0 && usable(ankle, minConfidence)) {
    heightM = ankle.zM - options.ankleHeightM;
    sumX = ankle.xM;
    xs = 1;
  }
  if (xs === 0) return;
  const footXM = sumX / xs;

  if (!foot.inContact) {
    const dtS = timeS - foot.lastTimeS;
    const footSpeedMps = foot.hasLast && dtS > 0 ? Math.abs(footXM - foot.lastXM) / dtS : 0;
    const gateMps = Math.max(options.footSpeedGateMinMps, options.footSpeedGateBodyFraction * bodySpeedMps);
    if (heightM < options.contactOnHeightM && footSpeedMps < gateMps) {
      foot.inContact = true;
      // The touchdown happened between the previous frame and this one: take the middle (unbiased).
      const onsetS = foot.hasLast && dtS > 0 && dtS < MAX_ONSET_INTERPOLATION_S ? timeS - dtS / 2 : timeS;
      const bounce = onsetS - foot.lastOnsetS < options.minSameFootIntervalS;
      if (!bounce) {
        foot.contactSumXM = 0;
        foot.contactSamples = 0;
        foot.contactSeq = -1;
        foot.lastOnsetS = onsetS;
        if (counting) {
          if (state.lastFoot === footIndex && state.recentCount > 0) {
            const previousSlot = (state.recentCount - 1) % RECENT_CAPACITY;
            const previousOnsetS = state.recentOnsetS[previousSlot] ?? onsetS;
            if (onsetS - previousOnsetS >= 1.5 * meanStepIntervalS(state)) {
              // The other foot's contact in between was missed: count it, half way.
              const previousXM = state.recentXM[previousSlot] ?? footXM;
              pushContact(state, 0.5 * (previousOnsetS + onsetS), 0.5 * (previousXM + footXM));
            }
          }
          foot.contactSeq = pushContact(state, onsetS, footXM);
          state.lastFoot = footIndex;
        }
      }
    }
  } else if (heightM > options.contactOffHeightM) {
    foot.inContact = false;
  }

  if (foot.inContact) {
    foot.contactSumXM += footXM;
    foot.contactSamples += 1;
    if (foot.contactSeq >= 0 && foot.contactSeq >= state.recentCount - RECENT_CAPACITY) {
      const meanXM = foot.contactSumXM / foot.contactSamples;
      state.recentXM[foot.contactSeq % RECENT_CAPACITY] = meanXM;
      if (foot.contactSeq === 0) state.firstXM = meanXM;
    }
  }
  foot.hasLast = true;
  foot.lastXM = footXM;
  foot.lastTimeS = timeS;
}

/**
 * Feeds one frame's keypoints (null: nothing to learn) to the detector, updating `state` in place.
 * Contacts starting while `counting` is false (before the gun, after the finish) are tracked but not
 * counted. `timeS` must increase from call to call.
 */
export function stepStrides(
  state: StrideState,
  keypoints: readonly Keypoint[] | null,
  timeS: number,
  bodySpeedMps: number,
  counting: boolean,
  options: StrideOptions,
): void {
  if (keypoints === null) return;
  state.seenKeypoints = true;
  stepFoot(state, state.left, 0, LEFT, keypoints, timeS, bodySpeedMps, counting, options);
  stepFoot(state, state.right, 1, RIGHT, keypoints, timeS, bodySpeedMps, counting, options);
}

/**
 * Step metrics over the counted contacts with onset at or before `untilS` (the finish, found with a lag
 * after a few more contacts may have been counted; up to the last 8 can be taken back).
 */
export function summariseStrides(state: StrideState, untilS: number): StrideSummary {
  let count = state.count;
  let seq = state.recentCount - 1;
  const oldest = Math.max(0, state.recentCount - RECENT_CAPACITY);
  while (seq >= oldest && (state.recentOnsetS[seq % RECENT_CAPACITY] ?? 0) > untilS) {
    seq--;
    count--;
  }
  if (count < 2 || seq < oldest) return { count: Math.max(0, count), meanLengthM: 0, meanFrequencyHz: 0 };
  const lastOnsetS = state.recentOnsetS[seq % RECENT_CAPACITY] ?? 0;
  const lastXM = state.recentXM[seq % RECENT_CAPACITY] ?? 0;
  const durationS = lastOnsetS - state.firstOnsetS;
  const steps = count - 1;
  return {
    count,
    meanLengthM: Math.max(0, (lastXM - state.firstXM) / steps),
    meanFrequencyHz: durationS > 0 ? steps / durationS : 0,
  };
}
