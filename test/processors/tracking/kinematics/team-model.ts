/**
 * A team-sport player with exact truth, for the kinematics tests: bouts of standing, walking, jogging,
 * running and sprinting, speed changing at up to 4 m/s², heading turning smoothly, integrated on a 1 ms
 * grid. Sprint bouts hold their speed (above 7.8 m/s) for at least 1.5 s and other bouts stay below
 * 6.3 m/s, so the sprint count is unambiguous.
 */
import type { AthleteObservation } from '../../../../processors/tracking/kinematics/types.ts';
import { Gaussian } from './sprint-model.ts';

export interface PlayerTruth {
  distanceM: number;
  highSpeedDistanceM: number;
  sprintCount: number;
  /** Distance per minute bucket (aligned on the epoch), by bucket index. */
  distanceByMinute: Map<number, number>;
}

export interface SimulatedPlayer {
  observations: AthleteObservation[];
  truth: PlayerTruth;
}

const BOUTS: ReadonlyArray<{ minMps: number; maxMps: number; minS: number; maxS: number }> = [
  { minMps: 0, maxMps: 0, minS: 2, maxS: 8 }, // standing
  { minMps: 1, maxMps: 1.8, minS: 3, maxS: 10 }, // walking
  { minMps: 2.5, maxMps: 4, minS: 3, maxS: 8 }, // jogging
  { minMps: 5, maxMps: 6.3, minS: 2, maxS: 5 }, // running
  { minMps: 7.8, maxMps: 9, minS: 1.5, maxS: 3 }, // sprinting (held that long at full speed)
];

const GRID_S = 0.001;
const MAX_ACCELERATION_MPS2 = 4;

export function simulatePlayer(
  seed: number,
  durationS: number,
  fps = 25,
  noiseM = 0.03,
  dropRate = 0.02,
): SimulatedPlayer {
  const rng = new Gaussian(seed);
  const startMs = 1_700_000_000_000 + Math.floor(rng.uniform(0, 1e9));
  let xM = rng.uniform(10, 90);
  let yM = rng.uniform(10, 55);
  let headingRad = rng.uniform(0, 2 * Math.PI);
  let speedMps = 0;
  let targetMps = 0;
  let turnRateRadPerS = 0;
  let boutEndsS = 0;
  /** Bout length counted from reaching the target speed; -1 once it is reached. */
  let holdS = 0;
  let sprintBout = false;
  const truth: PlayerTruth = {
    distanceM: 0,
    highSpeedDistanceM: 0,
    sprintCount: 0,
    distanceByMinute: new Map(),
  };
  let aboveSinceS = -1;
  let counted = false;
  const observations: AthleteObservation[] = [];
  const frameS = 1 / fps;
  let nextFrameS = 0;
  const steps = Math.round(durationS / GRID_S);
  for (let i = 0; i <= steps; i++) {
    const tS = i * GRID_S;
    if (holdS >= 0 && speedMps === targetMps) {
      boutEndsS = tS + holdS;
      holdS = -1;
    }
    if (holdS < 0 && tS >= boutEndsS) {
      // After a sprint, always walk for a while, so bouts above 7 m/s stay separate.
      const bout: (typeof BOUTS)[number] | undefined = sprintBout
        ? BOUTS[1]
        : BOUTS[Math.floor(rng.uniform(0, BOUTS.length))];
      if (bout !== undefined) {
        targetMps = rng.uniform(bout.minMps, bout.maxMps);
        holdS = rng.uniform(bout.minS, bout.maxS);
        sprintBout = bout.minMps > 7;
        turnRateRadPerS = rng.uniform(-0.6, 0.6);
      }
    }
    if (tS >= nextFrameS) {
      nextFrameS += frameS;
      if (rng.uniform() >= dropRate) {
        observations.push({
          eventTimeMs: Math.round(startMs + tS * 1000),
          xM: xM + rng.normal(noiseM),
          yM: yM + rng.normal(noiseM),
          keypoints: null,
          confidence: 0.9,
        });
      }
    }
    const change = targetMps - speedMps;
    speedMps += Math.sign(change) * Math.min(Math.abs(change), MAX_ACCELERATION_MPS2 * GRID_S);
    headingRad += turnRateRadPerS * GRID_S;
    const stepM = speedMps * GRID_S;
    xM += stepM * Math.cos(headingRad);
    yM += stepM * Math.sin(headingRad);
    truth.distanceM += stepM;
    if (speedMps > 5.5) truth.highSpeedDistanceM += stepM;
    const minute = Math.floor((startMs + tS * 1000) / 60_000);
    truth.distanceByMinute.set(minute, (truth.distanceByMinute.get(minute) ?? 0) + stepM);
    if (speedMps > 7) {
      if (aboveSinceS < 0) {
        aboveSinceS = tS;
        counted = false;
      }
      if (!counted && tS - aboveSinceS >= 1) {
        counted = true;
        truth.sprintCount += 1;
      }
    } else {
      aboveSinceS = -1;
    }
  }
  return { observations, truth };
}
