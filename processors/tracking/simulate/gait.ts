/**
 * Foot contacts planned from a body trajectory, and foot keypoints at any time. Feet alternate; step k
 * touches down when the trajectory's step phase reaches k. During a contact the foot is still on the
 * ground; between two contacts of the same foot it swings forward and lifts.
 */
import { sampleAt, type FineTrajectory } from './trajectory.ts';

export type Foot = 'left' | 'right';

/** One foot contact (a step): the foot is still on the ground from touchdown to takeoff. */
export interface FootContact {
  readonly foot: Foot;
  /** Step number, 1 for the first step. */
  readonly step: number;
  /** Touchdown time, seconds on the simulation's clock (since the gun for sprints). */
  readonly touchdownS: number;
  /** Takeoff time, seconds on the simulation's clock. */
  readonly takeoffS: number;
  /** Ankle position on the ground, metres. */
  readonly xM: number;
  readonly yM: number;
  readonly headingRad: number;
  /** Highest lift of the swing that ends with this contact, metres above the stance height. */
  readonly swingHeightM: number;
}

/** Heights above the ground of the foot keypoints while the foot is on the ground, metres. */
export const FOOT_GROUND_HEIGHTS_M = { ankle: 0.1, heel: 0.05, toe: 0.02 } as const;
/** Heel behind and toe ahead of the ankle along the foot, metres. */
const HEEL_BACK_M = 0.06;
const TOE_FORWARD_M = 0.14;

/** Where a foot stands before its first step and when it lifts off. */
export interface InitialStance {
  readonly xM: number;
  readonly yM: number;
  readonly liftOffS: number;
}

export interface GaitPlanOptions {
  /** Foot of step 1. */
  readonly firstFoot: Foot;
  /** Contact time of a step touching down at grid index `index`, seconds. */
  readonly contactTimeS: (index: number) => number;
  /** Swing height of a step touching down at grid index `index`, metres. */
  readonly swingHeightM: (index: number) => number;
  /** Half the distance between the feet across the direction of travel, metres. */
  readonly stanceHalfWidthM: number;
  readonly initial: Readonly<Record<Foot, InitialStance>>;
}

export interface GaitPlan {
  /** Every step, in time order. */
  readonly contacts: FootContact[];
  /** Per foot: its initial stance (step 0, touchdown -Infinity) then its contacts. */
  readonly stances: Readonly<Record<Foot, FootContact[]>>;
}

const otherFoot = (foot: Foot): Foot => (foot === 'left' ? 'right' : 'left');

/** Plans every contact whose touchdown lies on the trajectory's grid. */
export function planGait(trajectory: FineTrajectory, options: GaitPlanOptions): GaitPlan {
  const { stepPhase, dtS, t0S } = trajectory;
  const contacts: FootContact[] = [];
  for (let index = 0; index + 1 < stepPhase.length; index += 1) {
    const from = stepPhase[index] ?? 0;
    const to = stepPhase[index + 1] ?? 0;
    for (let step = Math.floor(from) + 1; step <= to; step += 1) {
      if (step < 1) continue;
      const touchdownS = t0S + (index + (step - from) / (to - from)) * dtS;
      const contactS = options.contactTimeS(index);
      const midS = touchdownS + contactS / 2;
      const headingRad = sampleAt(trajectory, trajectory.headingRad, midS);
      const foot = step % 2 === 1 ? options.firstFoot : otherFoot(options.firstFoot);
      const side = foot === 'left' ? 1 : -1;
      contacts.push({
        foot,
        step,
        touchdownS,
        takeoffS: touchdownS + contactS,
        xM:
          sampleAt(trajectory, trajectory.xM, midS) - side * options.stanceHalfWidthM * Math.sin(headingRad),
        yM:
          sampleAt(trajectory, trajectory.yM, midS) + side * options.stanceHalfWidthM * Math.cos(headingRad),
        headingRad,
        swingHeightM: options.swingHeightM(index),
      });
    }
  }
  const stances: Record<Foot, FootContact[]> = { left: [], right: [] };
  for (const foot of ['left', 'right'] as const) {
    const initial = options.initial[foot];
    stances[foot].push({
      foot,
      step: 0,
      touchdownS: Number.NEGATIVE_INFINITY,
      takeoffS: initial.liftOffS,
      xM: initial.xM,
      yM: initial.yM,
      headingRad: sampleAt(trajectory, trajectory.headingRad, t0S),
      swingHeightM: 0,
    });
  }
  for (const contact of contacts) stances[contact.foot].push(contact);
  // A foot must leave the ground before it touches down again: keep a swing of at least 40 ms.
  for (const foot of ['left', 'right'] as const) {
    const list = stances[foot];
    for (let i = 0; i + 1 < list.length; i += 1) {
      const current = list[i];
      const next = list[i + 1];
      if (current === undefined || next === undefined) continue;
      const latestTakeoffS = next.touchdownS - 0.04;
      if (current.takeoffS > latestTakeoffS) list[i] = { ...current, takeoffS: latestTakeoffS };
    }
  }
  const byStep = new Map<number, FootContact>();
  for (const list of [stances.left, stances.right])
    for (const c of list) if (c.step > 0) byStep.set(c.step, c);
  return { contacts: contacts.map((c) => byStep.get(c.step) ?? c), stances };
}

export interface Point3 {
  xM: number;
  yM: number;
  zM: number;
}

export interface FootPose {
  readonly ankle: Point3;
  readonly heel: Point3;
  readonly toe: Point3;
  readonly onGround: boolean;
}

/** Index of the last stance with touchdown at or before `tS` (0: the initial stance). */
function stanceIndexAt(stances: readonly FootContact[], tS: number): number {
  let low = 0;
  let high = stances.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((stances[middle]?.touchdownS ?? Number.POSITIVE_INFINITY) <= tS) low = middle;
    else high = middle - 1;
  }
  return low;
}

function footAt(xM: number, yM: number, headingRad: number, liftM: number): FootPose {
  const cos = Math.cos(headingRad);
  const sin = Math.sin(headingRad);
  return {
    ankle: { xM, yM, zM: FOOT_GROUND_HEIGHTS_M.ankle + liftM },
    heel: {
      xM: xM - HEEL_BACK_M * cos,
      yM: yM - HEEL_BACK_M * sin,
      zM: FOOT_GROUND_HEIGHTS_M.heel + 1.15 * liftM,
    },
    toe: {
      xM: xM + TOE_FORWARD_M * cos,
      yM: yM + TOE_FORWARD_M * sin,
      zM: FOOT_GROUND_HEIGHTS_M.toe + 0.85 * liftM,
    },
    onGround: liftM === 0,
  };
}

/**
 * The foot at time `tS`: on the ground during a stance; otherwise swinging from the previous stance to
 * the next one (smooth horizontal travel, lift `swingHeightM * sqrt(sin(pi * s))` over swing fraction s,
 * so the foot leaves the ground quickly). After its last planned contact a foot stays on the ground.
 */
export function footPoseAt(stances: readonly FootContact[], tS: number): FootPose {
  const index = stanceIndexAt(stances, tS);
  const current = stances[index];
  if (current === undefined) return footAt(0, 0, 0, 0);
  const next = stances[index + 1];
  if (tS <= current.takeoffS || next === undefined) {
    return footAt(current.xM, current.yM, current.headingRad, 0);
  }
  const s = (tS - current.takeoffS) / (next.touchdownS - current.takeoffS);
  const eased = s * s * (3 - 2 * s);
  const lift = next.swingHeightM * Math.sqrt(Math.sin(Math.PI * s));
  return footAt(
    current.xM + (next.xM - current.xM) * eased,
    current.yM + (next.yM - current.yM) * eased,
    current.headingRad + (next.headingRad - current.headingRad) * eased,
    lift,
  );
}
