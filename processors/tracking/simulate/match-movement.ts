/**
 * Team-sport movement: each player runs a sequence of segments, each a speed band held for a few
 * seconds towards a target point near the player's place in the team shape, with limited acceleration
 * and turning. Integrated on a 10 ms grid, which is the truth the match statistics are measured on.
 */
import type { Rng } from '../../shared/random.ts';
import type { FineTrajectory } from './trajectory.ts';

/** Integration step of the match truth, seconds. */
export const MATCH_GRID_STEP_S = 0.01;
/** Pitch size, metres: x along the length (0 to 105), y across (0 to 68), origin at a corner flag. */
export const PITCH_LENGTH_M = 105;
export const PITCH_WIDTH_M = 68;
/** Above this speed a player runs at high speed, m/s. */
export const HIGH_SPEED_THRESHOLD_MPS = 5.5;
/** Above this speed, held for at least {@link SPRINT_MIN_DURATION_S}, a player sprints, m/s. */
export const SPRINT_THRESHOLD_MPS = 7;
export const SPRINT_MIN_DURATION_S = 1;

export type PlayerRole = 'goalkeeper' | 'defender' | 'midfielder' | 'forward';

export interface PlayerSpec {
  readonly athleteId: string;
  readonly name: string;
  readonly bib: string;
  readonly team: string;
  readonly role: PlayerRole;
  /** Place in the team shape, metres. */
  readonly homeXM: number;
  readonly homeYM: number;
}

interface SpeedBand {
  readonly minMps: number;
  readonly maxMps: number;
  readonly minS: number;
  readonly maxS: number;
}

/**
 * Walking, jogging, running, high speed, sprinting. Bands leave gaps around the thresholds (6.8-7.3 m/s)
 * so that a sprint is clearly one: only the sprint band goes above 7 m/s.
 */
const BANDS: readonly SpeedBand[] = [
  { minMps: 1, maxMps: 2, minS: 4, maxS: 12 },
  { minMps: 2, maxMps: 4, minS: 3, maxS: 8 },
  { minMps: 4, maxMps: 5.5, minS: 2, maxS: 5 },
  { minMps: 5.5, maxMps: 6.8, minS: 1.5, maxS: 4 },
  { minMps: 7.3, maxMps: 8.6, minS: 1.5, maxS: 3.5 },
];
const OUTFIELD_WEIGHTS = [0.55, 0.26, 0.1, 0.06, 0.03] as const;
const GOALKEEPER_WEIGHTS = [0.8, 0.17, 0.03, 0, 0] as const;
const ACCELERATION_MPS2 = 3.5;
const DECELERATION_MPS2 = 4.5;
const MAX_LATERAL_ACCELERATION_MPS2 = 5;
const MAX_TURN_RATE_RADPS = 4;
const EDGE_MARGIN_M = 0.5;

/** Draws a band index from weights summing to 1. */
function drawBand(rng: Rng, weights: readonly number[]): SpeedBand {
  let draw = rng.next();
  for (let index = 0; index < weights.length; index += 1) {
    draw -= weights[index] ?? 0;
    if (draw < 0) return BANDS[index] ?? BANDS[0] ?? { minMps: 1, maxMps: 2, minS: 4, maxS: 10 };
  }
  return BANDS[0] ?? { minMps: 1, maxMps: 2, minS: 4, maxS: 10 };
}

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));

/** The team shape drifts up and down and across the pitch with the play; the same drift for everyone. */
export interface ShapeDrift {
  readonly phaseXRad: number;
  readonly phaseYRad: number;
}

function anchorAt(spec: PlayerSpec, drift: ShapeDrift, tS: number): { xM: number; yM: number } {
  const scale = spec.role === 'goalkeeper' ? 0.15 : 1;
  return {
    xM: spec.homeXM + scale * 14 * Math.sin((2 * Math.PI * tS) / 45 + drift.phaseXRad),
    yM: spec.homeYM + scale * 6 * Math.sin((2 * Math.PI * tS) / 30 + drift.phaseYRad),
  };
}

/** Step rate while moving at `speedMps`, steps per second. */
export function cadenceHz(speedMps: number): number {
  return Math.min(4.5, 1.5 + 0.4 * speedMps);
}

/** Integrates one player from 0 to `untilS` seconds. */
export function integratePlayer(
  spec: PlayerSpec,
  drift: ShapeDrift,
  untilS: number,
  rng: Rng,
): FineTrajectory {
  const dt = MATCH_GRID_STEP_S;
  const length = Math.ceil(untilS / dt) + 1;
  const xM = new Float64Array(length);
  const yM = new Float64Array(length);
  const speedMps = new Float64Array(length);
  const headingRad = new Float64Array(length);
  const stepPhase = new Float64Array(length);
  const weights = spec.role === 'goalkeeper' ? GOALKEEPER_WEIGHTS : OUTFIELD_WEIGHTS;
  let x = clamp(spec.homeXM + rng.normal(0, 3), EDGE_MARGIN_M, PITCH_LENGTH_M - EDGE_MARGIN_M);
  let y = clamp(spec.homeYM + rng.normal(0, 3), EDGE_MARGIN_M, PITCH_WIDTH_M - EDGE_MARGIN_M);
  let heading = rng.uniform(-Math.PI, Math.PI);
  let speed = rng.uniform(1, 3);
  let phase = rng.next();
  let targetSpeed = speed;
  let targetX = x;
  let targetY = y;
  let segmentEndS = 0;
  for (let index = 0; index < length; index += 1) {
    const tS = index * dt;
    if (tS >= segmentEndS || Math.hypot(targetX - x, targetY - y) < 1) {
      const band = drawBand(rng, weights);
      const durationS = rng.uniform(band.minS, band.maxS);
      targetSpeed = rng.uniform(band.minMps, band.maxMps);
      segmentEndS = tS + durationS;
      let direction: number;
      if (rng.chance(0.65)) {
        const anchor = anchorAt(spec, drift, tS + durationS);
        direction = Math.atan2(anchor.yM + rng.normal(0, 8) - y, anchor.xM + rng.normal(0, 8) - x);
      } else {
        direction = rng.uniform(-Math.PI, Math.PI);
      }
      const reachM = clamp(targetSpeed * durationS, 3, 60);
      targetX = clamp(
        x + reachM * Math.cos(direction),
        EDGE_MARGIN_M + 1,
        PITCH_LENGTH_M - EDGE_MARGIN_M - 1,
      );
      targetY = clamp(y + reachM * Math.sin(direction), EDGE_MARGIN_M + 1, PITCH_WIDTH_M - EDGE_MARGIN_M - 1);
    }
    // Sample `index` holds the position at tS and the speed and heading of the step that follows it.
    const wanted = Math.atan2(targetY - y, targetX - x);
    const turn = Math.atan2(Math.sin(wanted - heading), Math.cos(wanted - heading));
    const maxTurn = Math.min(MAX_TURN_RATE_RADPS, MAX_LATERAL_ACCELERATION_MPS2 / Math.max(speed, 0.5)) * dt;
    heading += clamp(turn, -maxTurn, maxTurn);
    speed =
      targetSpeed > speed
        ? Math.min(targetSpeed, speed + ACCELERATION_MPS2 * dt)
        : Math.max(targetSpeed, speed - DECELERATION_MPS2 * dt);
    const nextX = clamp(x + speed * Math.cos(heading) * dt, EDGE_MARGIN_M, PITCH_LENGTH_M - EDGE_MARGIN_M);
    const nextY = clamp(y + speed * Math.sin(heading) * dt, EDGE_MARGIN_M, PITCH_WIDTH_M - EDGE_MARGIN_M);
    const coveredM = Math.hypot(nextX - x, nextY - y);
    // At the edge of the pitch the step is cut short: the speed is what was actually covered.
    if (coveredM < speed * dt - 1e-12) {
      speed = coveredM / dt;
      segmentEndS = tS;
    }
    xM[index] = x;
    yM[index] = y;
    speedMps[index] = speed;
    headingRad[index] = heading;
    stepPhase[index] = phase;
    phase += cadenceHz(speed) * dt;
    x = nextX;
    y = nextY;
  }
  return { t0S: 0, dtS: dt, xM, yM, speedMps, headingRad, stepPhase };
}

/** One sprint: a maximal run of speed above 7 m/s lasting at least 1 s. */
export interface SprintEpisode {
  /** Seconds since kick-off. */
  readonly startS: number;
  readonly endS: number;
  readonly peakSpeedMps: number;
}

export interface MovementTruth {
  readonly totalDistanceM: number;
  readonly highSpeedDistanceM: number;
  readonly sprintCount: number;
  readonly sprints: SprintEpisode[];
  /** Distance in each minute since kick-off ([0, 60) s, [60, 120) s, ...), the last one possibly partial. */
  readonly perMinuteDistanceM: number[];
  readonly topSpeedMps: number;
}

/**
 * Statistics of a trajectory over [0, durationS]. Distances are the length of the 10 ms polyline; a
 * 10 ms step counts as high speed when its speed exceeds 5.5 m/s. A sprint is a maximal run of 10 ms
 * steps faster than 7 m/s lasting at least 1 s in total within the window (a run cut by the end of the
 * window counts if its part inside does).
 */
export function measureMovement(trajectory: FineTrajectory, durationS: number): MovementTruth {
  const { xM, yM, speedMps, dtS } = trajectory;
  const lastIndex = Math.min(xM.length - 1, Math.round(durationS / dtS));
  const perMinuteDistanceM = new Array<number>(Math.ceil(durationS / 60)).fill(0);
  let totalDistanceM = 0;
  let highSpeedDistanceM = 0;
  let topSpeedMps = 0;
  const sprints: SprintEpisode[] = [];
  let runStart = -1;
  let runPeak = 0;
  const closeRun = (endIndex: number): void => {
    if (runStart >= 0 && (endIndex - runStart) * dtS >= SPRINT_MIN_DURATION_S - 1e-9) {
      sprints.push({ startS: runStart * dtS, endS: endIndex * dtS, peakSpeedMps: runPeak });
    }
    runStart = -1;
    runPeak = 0;
  };
  // Step `index` goes from sample index to index + 1 at speedMps[index].
  for (let index = 0; index < lastIndex; index += 1) {
    const speed = speedMps[index] ?? 0;
    topSpeedMps = Math.max(topSpeedMps, speed);
    if (speed > SPRINT_THRESHOLD_MPS) {
      if (runStart < 0) runStart = index;
      runPeak = Math.max(runPeak, speed);
    } else {
      closeRun(index);
    }
    const stepM = Math.hypot(
      (xM[index + 1] ?? 0) - (xM[index] ?? 0),
      (yM[index + 1] ?? 0) - (yM[index] ?? 0),
    );
    totalDistanceM += stepM;
    if (speed > HIGH_SPEED_THRESHOLD_MPS) highSpeedDistanceM += stepM;
    const minute = Math.min(perMinuteDistanceM.length - 1, Math.floor((index * dtS) / 60 + 1e-9));
    perMinuteDistanceM[minute] = (perMinuteDistanceM[minute] ?? 0) + stepM;
  }
  closeRun(lastIndex);
  return {
    totalDistanceM,
    highSpeedDistanceM,
    sprintCount: sprints.length,
    sprints,
    perMinuteDistanceM,
    topSpeedMps,
  };
}
