/**
 * Who runs a simulated sprint: the parameters of each athlete's velocity and gait model, drawn from a
 * level in [0, 1] or given explicitly (e.g. the Berlin 2009 preset).
 */
import type { Foot } from './gait.ts';
import type { Rng } from '../../shared/random.ts';

export type SprintDistanceM = 100 | 200;

/**
 * Speed model: v(t) = maxSpeedMps * (1 - exp(-(t - reactionTimeS) / accelerationTimeConstantS)) * g(x),
 * where g = 1 until `decelerationStartBeforeFinishM` before the finish and then falls linearly to
 * 1 - decelerationFraction at the finish line (after it the athlete eases off further).
 */
export interface SprintAthleteProfile {
  readonly athleteId: string;
  readonly name: string;
  readonly bib: string;
  /** Lane, 1 = innermost. */
  readonly lane: number;
  /** Body centre x in the set position, metres (behind the line: -0.3 to 0). */
  readonly startXM: number;
  /** Gun to first movement, seconds. */
  readonly reactionTimeS: number;
  /** Asymptotic speed of the acceleration model, m/s (the reached top speed is about 1% lower). */
  readonly maxSpeedMps: number;
  /** Time constant of the acceleration, seconds. */
  readonly accelerationTimeConstantS: number;
  /** First movement to leaving the blocks (front foot lift-off), seconds. */
  readonly blockTimeS: number;
  /** Step frequency at top speed, steps per second (it rises from 80% of this after the blocks). */
  readonly topStepFrequencyHz: number;
  /** Ground contact time at top speed, seconds (0.2 s at the first step, falling with speed). */
  readonly topContactTimeS: number;
  readonly decelerationStartBeforeFinishM: number;
  /** Fraction of speed lost between the start of the deceleration and the finish line. */
  readonly decelerationFraction: number;
  /** The foot on the rear block, which makes the first step. */
  readonly rearFoot: Foot;
}

/** Slowest and fastest model speeds: level 0 and level 1. */
export const SPRINT_MAX_SPEED_RANGE_MPS = [9.5, 12.3] as const;

/**
 * A model of Usain Bolt's 9.58 s in Berlin (2009): reaction 0.146 s, 20 m in 2.89 s, top speed
 * 12.35 m/s, 40.92 steps (IAAF biomechanics report). The model gives 9.58 s, 2.89 s at 20 m (every
 * 10 m split within 0.04 s of the report's), a top speed of 12.35 m/s at 70 m and 41 steps.
 */
export const BOLT_BERLIN_2009: Omit<SprintAthleteProfile, 'lane'> = {
  athleteId: 'bolt-2009',
  name: 'Berlin 2009 model',
  bib: '3547',
  startXM: -0.2,
  reactionTimeS: 0.146,
  maxSpeedMps: 12.4,
  accelerationTimeConstantS: 1.26,
  blockTimeS: 0.24,
  topStepFrequencyHz: 4.55,
  topContactTimeS: 0.086,
  decelerationStartBeforeFinishM: 30,
  decelerationFraction: 0.075,
  rearFoot: 'right',
};

/** Draws the profile of the athlete in `lane` at a level in [0, 1]. */
export function randomSprintProfile(
  rng: Rng,
  lane: number,
  level: number,
  distanceM: SprintDistanceM,
): SprintAthleteProfile {
  const [slowest, fastest] = SPRINT_MAX_SPEED_RANGE_MPS;
  const levelSpeedMps = Math.min(
    fastest,
    Math.max(slowest, slowest + (fastest - slowest) * level + rng.normal(0, 0.08)),
  );
  // Nobody holds a 100 m top speed over 200 m: 3% lower, and a longer, larger deceleration.
  const maxSpeedMps = distanceM === 100 ? levelSpeedMps : 0.97 * levelSpeedMps;
  // Initial acceleration maxSpeed / tau of 8.8-10.2 m/s^2, tau kept within 1.0-1.3 s.
  const accelerationTimeConstantS = Math.min(1.3, Math.max(1.0, maxSpeedMps / rng.uniform(8.8, 10.2)));
  return {
    athleteId: `lane-${lane}`,
    name: `Athlete ${lane}`,
    bib: String(100 + lane),
    lane,
    startXM: rng.uniform(-0.3, 0),
    reactionTimeS: rng.uniform(0.12, 0.2),
    maxSpeedMps,
    accelerationTimeConstantS,
    blockTimeS: rng.uniform(0.2, 0.28),
    // Top-speed step length 2.3-2.65 m (Bolt's 2.7 m is the exception), frequency kept within 4.2-4.8 Hz.
    topStepFrequencyHz: Math.min(4.8, Math.max(4.2, levelSpeedMps / rng.uniform(2.3, 2.65))),
    topContactTimeS: 0.086 + 0.03 * (1 - level) + rng.uniform(0, 0.01),
    // A straight 200 m: the deceleration starts earlier and costs more than in a 100 m.
    decelerationStartBeforeFinishM: distanceM === 100 ? rng.uniform(20, 40) : rng.uniform(90, 120),
    decelerationFraction: distanceM === 100 ? rng.uniform(0.03, 0.07) : rng.uniform(0.08, 0.14),
    rearFoot: rng.chance(0.5) ? 'left' : 'right',
  };
}
