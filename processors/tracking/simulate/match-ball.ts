/**
 * The ball of a simulated match: held at a player's feet for a moment, then passed (along the ground or
 * lofted) to where the receiver will be when it arrives. Players do not react to the ball.
 */
import { MATCH_GRID_STEP_S } from './match-movement.ts';
import type { Rng } from '../../shared/random.ts';
import { sampleAt, type FineTrajectory } from './trajectory.ts';

/** Ball radius: the height of its centre on the ground, metres. */
export const BALL_RADIUS_M = 0.11;
const GRAVITY_MPS2 = 9.81;

export interface BallTrajectory {
  readonly trajectory: FineTrajectory;
  /** Height of the ball centre per grid sample, metres. */
  readonly zM: Float64Array;
}

/**
 * Integrates the ball over the players' grid. `teamOf[i]` is player i's team; passes go to a teammate
 * 80% of the time.
 */
export function simulateBall(
  players: readonly FineTrajectory[],
  teamOf: readonly string[],
  untilS: number,
  rng: Rng,
): BallTrajectory {
  const dt = MATCH_GRID_STEP_S;
  const length = Math.ceil(untilS / dt) + 1;
  const xM = new Float64Array(length);
  const yM = new Float64Array(length);
  const zM = new Float64Array(length).fill(BALL_RADIUS_M);
  const positionOf = (player: number, tS: number): { xM: number; yM: number } => {
    const trajectory = players[player];
    if (trajectory === undefined) return { xM: 0, yM: 0 };
    const heading = sampleAt(trajectory, trajectory.headingRad, tS);
    return {
      xM: sampleAt(trajectory, trajectory.xM, tS) + 0.4 * Math.cos(heading),
      yM: sampleAt(trajectory, trajectory.yM, tS) + 0.4 * Math.sin(heading),
    };
  };
  let holder = rng.integer(1, players.length - 1);
  let index = 0;
  while (index < length) {
    const holdEnd = Math.min(length, index + Math.round(rng.uniform(0.8, 4) / dt));
    for (; index < holdEnd; index += 1) {
      const at = positionOf(holder, index * dt);
      xM[index] = at.xM;
      yM[index] = at.yM;
    }
    if (index >= length) break;
    const sameTeam = rng.chance(0.8);
    const candidates = players
      .map((_, player) => player)
      .filter((player) => player !== holder && (teamOf[player] === teamOf[holder]) === sameTeam);
    const receiver = candidates[rng.integer(0, candidates.length - 1)] ?? holder;
    const lofted = rng.chance(0.25);
    const speedMps = lofted ? rng.uniform(15, 25) : rng.uniform(8, 18);
    const passS = index * dt;
    const from = positionOf(holder, passS);
    // Aim where the receiver will be: a few fixed-point iterations on the flight time.
    let flightS = 0.2;
    for (let iteration = 0; iteration < 4; iteration += 1) {
      const to = positionOf(receiver, passS + flightS);
      flightS = Math.max(0.2, Math.hypot(to.xM - from.xM, to.yM - from.yM) / speedMps);
    }
    const to = positionOf(receiver, passS + flightS);
    const peakM = lofted ? (GRAVITY_MPS2 * flightS * flightS) / 8 : 0;
    const flightEnd = Math.min(length, index + Math.round(flightS / dt));
    const flightStart = index;
    for (; index < flightEnd; index += 1) {
      const s = (index - flightStart) / (flightEnd - flightStart);
      xM[index] = from.xM + (to.xM - from.xM) * s;
      yM[index] = from.yM + (to.yM - from.yM) * s;
      zM[index] = BALL_RADIUS_M + 4 * peakM * s * (1 - s);
    }
    holder = receiver;
  }
  const speedMps = new Float64Array(length);
  for (let i = 0; i + 1 < length; i += 1) {
    speedMps[i] = Math.hypot((xM[i + 1] ?? 0) - (xM[i] ?? 0), (yM[i + 1] ?? 0) - (yM[i] ?? 0)) / dt;
  }
  return {
    trajectory: {
      t0S: 0,
      dtS: dt,
      xM,
      yM,
      speedMps,
      headingRad: new Float64Array(length),
      stepPhase: new Float64Array(length),
    },
    zM,
  };
}
