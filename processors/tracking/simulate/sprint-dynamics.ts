/**
 * The ground truth of a simulated sprint: each athlete's speed model integrated on a 1 ms grid (Heun's
 * method), the exact times at which the body centre crosses every 10 m mark, and the planned steps.
 */
import { StadionError } from '../../../engine/errors.ts';
import { planGait, type FootContact, type GaitPlan } from './gait.ts';
import type { SprintAthleteProfile, SprintDistanceM } from './sprint-profile.ts';
import type { FineTrajectory } from './trajectory.ts';

/** Integration step of the truth, seconds. */
export const SPRINT_GRID_STEP_S = 0.001;
/** Step frequency right after the blocks, as a fraction of the top step frequency. */
const START_STEP_FREQUENCY_RATIO = 0.88;
/** Time constant of the rise of the step frequency after the blocks, seconds. */
const STEP_FREQUENCY_TIME_CONSTANT_S = 0.8;
/** Step phase when leaving the blocks (the rear foot is already swinging). */
const STEP_PHASE_AT_BLOCK_EXIT = 0.25;
/** Ground contact time of the first step, seconds. */
const FIRST_CONTACT_TIME_S = 0.2;
/** Past the finish line the athlete eases off: speed factor falls by this per metre (floor 0.5). */
const EASE_OFF_PER_M = 0.03;

/** Everything measured on one athlete's exact trajectory. */
export interface SprintTruth {
  readonly athleteId: string;
  readonly lane: number;
  /** Gun to first movement, seconds. */
  readonly reactionTimeS: number;
  /** Seconds from the gun to the body centre crossing each 10 m mark and the finish, by mark in metres. */
  readonly splitTimesS: Readonly<Record<number, number>>;
  /** Seconds from the gun to the body centre crossing the finish line (= splitTimesS[distanceM]). */
  readonly finishTimeS: number;
  /** Highest speed before the finish line, m/s. */
  readonly topSpeedMps: number;
  /** Where it was reached, metres from the start line. */
  readonly topSpeedAtM: number;
  /** Speed on the finish line, m/s. */
  readonly speedAtFinishMps: number;
  /** Speed at (distance - 20 m) minus speed at the finish, m/s. */
  readonly decelerationLast20mMps: number;
  /** Steps (foot touchdowns after leaving the blocks) with touchdown at or before the finish time. */
  readonly strideCount: number;
  /** distanceM / strideCount, metres. */
  readonly meanStrideLengthM: number;
  /** strideCount / (finishTimeS - reactionTimeS), steps per second. */
  readonly meanStrideFrequencyHz: number;
  /** Every planned step, in time order, including those after the finish. Times since the gun. */
  readonly contacts: readonly FootContact[];
  readonly profile: SprintAthleteProfile;
}

export interface IntegratedSprint {
  readonly truth: SprintTruth;
  /** Times on the grid are seconds since the gun; sample 0 is the gun. */
  readonly trajectory: FineTrajectory;
  readonly gait: GaitPlan;
}

function speedFactor(profile: SprintAthleteProfile, distanceM: number, xM: number): number {
  const decelerationStartM = distanceM - profile.decelerationStartBeforeFinishM;
  if (xM <= decelerationStartM) return 1;
  if (xM <= distanceM) {
    return (
      1 - (profile.decelerationFraction * (xM - decelerationStartM)) / profile.decelerationStartBeforeFinishM
    );
  }
  return (1 - profile.decelerationFraction) * Math.max(0.5, 1 - EASE_OFF_PER_M * (xM - distanceM));
}

function speedAt(profile: SprintAthleteProfile, distanceM: number, tS: number, xM: number): number {
  const movingS = tS - profile.reactionTimeS;
  if (movingS <= 0) return 0;
  const accelerating = 1 - Math.exp(-movingS / profile.accelerationTimeConstantS);
  return profile.maxSpeedMps * accelerating * speedFactor(profile, distanceM, xM);
}

function stepRateAt(profile: SprintAthleteProfile, distanceM: number, tS: number, xM: number): number {
  const sinceExitS = tS - profile.reactionTimeS - profile.blockTimeS;
  if (sinceExitS < 0) return 0;
  const rising = 1 - Math.exp(-sinceExitS / STEP_FREQUENCY_TIME_CONSTANT_S);
  const ratio = START_STEP_FREQUENCY_RATIO + (1 - START_STEP_FREQUENCY_RATIO) * rising;
  return profile.topStepFrequencyHz * ratio * speedFactor(profile, distanceM, xM);
}

/** One Heun step of the position from (tS, xM). */
function advance(profile: SprintAthleteProfile, distanceM: number, tS: number, xM: number): number {
  const dt = SPRINT_GRID_STEP_S;
  const k1 = speedAt(profile, distanceM, tS, xM);
  const k2 = speedAt(profile, distanceM, tS + dt, xM + dt * k1);
  return xM + (dt * (k1 + k2)) / 2;
}

/** Seconds from the gun to the body centre reaching `distanceM` (a cheap pass without arrays). */
export function finishTimeOf(profile: SprintAthleteProfile, distanceM: SprintDistanceM): number {
  let xM = profile.startXM;
  for (let index = 0; ; index += 1) {
    const tS = index * SPRINT_GRID_STEP_S;
    const nextXM = advance(profile, distanceM, tS, xM);
    if (nextXM >= distanceM) return tS + ((distanceM - xM) / (nextXM - xM)) * SPRINT_GRID_STEP_S;
    xM = nextXM;
  }
}

/** Time and speed where `series` (increasing) first reaches `level`, interpolated inside the grid step. */
function crossing(trajectory: FineTrajectory, level: number): { tS: number; speedMps: number } {
  const { xM, speedMps, dtS } = trajectory;
  let low = 0;
  let high = xM.length - 1;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if ((xM[middle] ?? 0) < level) low = middle;
    else high = middle;
  }
  const x0 = xM[low] ?? 0;
  const x1 = xM[high] ?? 0;
  const fraction = x1 > x0 ? (level - x0) / (x1 - x0) : 0;
  const v0 = speedMps[low] ?? 0;
  const v1 = speedMps[high] ?? 0;
  return { tS: (low + fraction) * dtS, speedMps: v0 + (v1 - v0) * fraction };
}

/**
 * Integrates one athlete from the gun to `untilS` seconds after it (which must be past the athlete's
 * finish), plans the steps and measures the truth.
 */
export function integrateSprint(
  profile: SprintAthleteProfile,
  distanceM: SprintDistanceM,
  laneCentreYM: number,
  untilS: number,
): IntegratedSprint {
  const dt = SPRINT_GRID_STEP_S;
  const length = Math.ceil(untilS / dt) + 1;
  const xM = new Float64Array(length);
  const speedMps = new Float64Array(length);
  const stepPhase = new Float64Array(length);
  const blockExitS = profile.reactionTimeS + profile.blockTimeS;
  let x = profile.startXM;
  let phase = 0;
  for (let index = 0; index < length; index += 1) {
    const tS = index * dt;
    xM[index] = x;
    speedMps[index] = speedAt(profile, distanceM, tS, x);
    stepPhase[index] = phase;
    const nextX = advance(profile, distanceM, tS, x);
    if (tS + dt >= blockExitS && phase === 0) phase = STEP_PHASE_AT_BLOCK_EXIT;
    else
      phase +=
        (dt * (stepRateAt(profile, distanceM, tS, x) + stepRateAt(profile, distanceM, tS + dt, nextX))) / 2;
    x = nextX;
  }
  if ((xM[length - 1] ?? 0) < distanceM) {
    throw new StadionError(
      'INTERNAL',
      `sprint integrated to ${untilS} s ends before the finish of ${profile.athleteId}`,
    );
  }
  const trajectory: FineTrajectory = {
    t0S: 0,
    dtS: dt,
    xM,
    yM: new Float64Array(length).fill(laneCentreYM),
    speedMps,
    headingRad: new Float64Array(length),
    stepPhase,
  };
  const relativeSpeed = (index: number): number => (speedMps[index] ?? 0) / profile.maxSpeedMps;
  const rearIsLeft = profile.rearFoot === 'left';
  const gait = planGait(trajectory, {
    firstFoot: profile.rearFoot,
    contactTimeS: (index) =>
      profile.topContactTimeS + (FIRST_CONTACT_TIME_S - profile.topContactTimeS) * (1 - relativeSpeed(index)),
    swingHeightM: (index) => 0.3 + 0.2 * relativeSpeed(index),
    stanceHalfWidthM: 0.1,
    initial: {
      left: {
        xM: profile.startXM + (rearIsLeft ? -0.75 : -0.45),
        yM: laneCentreYM + 0.12,
        liftOffS: profile.reactionTimeS + (rearIsLeft ? 0.5 * profile.blockTimeS : profile.blockTimeS),
      },
      right: {
        xM: profile.startXM + (rearIsLeft ? -0.45 : -0.75),
        yM: laneCentreYM - 0.12,
        liftOffS: profile.reactionTimeS + (rearIsLeft ? profile.blockTimeS : 0.5 * profile.blockTimeS),
      },
    },
  });

  const splitTimesS: Record<number, number> = {};
  for (let markM = 10; markM <= distanceM; markM += 10) splitTimesS[markM] = crossing(trajectory, markM).tS;
  const finish = crossing(trajectory, distanceM);
  let topSpeedMps = 0;
  let topSpeedAtM = 0;
  for (let index = 0; index * dt <= finish.tS; index += 1) {
    const speed = speedMps[index] ?? 0;
    if (speed > topSpeedMps) {
      topSpeedMps = speed;
      topSpeedAtM = xM[index] ?? 0;
    }
  }
  const strideCount = gait.contacts.filter((c) => c.touchdownS <= finish.tS).length;
  const truth: SprintTruth = {
    athleteId: profile.athleteId,
    lane: profile.lane,
    reactionTimeS: profile.reactionTimeS,
    splitTimesS,
    finishTimeS: finish.tS,
    topSpeedMps,
    topSpeedAtM,
    speedAtFinishMps: finish.speedMps,
    decelerationLast20mMps: crossing(trajectory, distanceM - 20).speedMps - finish.speedMps,
    strideCount,
    meanStrideLengthM: distanceM / strideCount,
    meanStrideFrequencyHz: strideCount / (finish.tS - profile.reactionTimeS),
    contacts: gait.contacts,
    profile,
  };
  return { truth, trajectory, gait };
}
