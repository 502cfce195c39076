/**
 * Analytic sprint trajectories with exact truth, for the kinematics tests (independent of the simulator
 * in processors/tracking/simulate, on purpose).
 *
 * Body centre, t' = t − reaction (seconds since the first movement):
 *   v(t') = vmax·(1 − e^(−t'/τ)) − c·t'                          (smooth profile, peak where v' = 0)
 *   x(t') = x0 + vmax·(t' − τ·(1 − e^(−t'/τ))) − c·t'²/2 + oscillation
 * with an optional intra-step oscillation of the speed, A·g(t')²·sin(2π f t'), g = 1 − e^(−t'/τ),
 * integrated numerically into x. Crossing times are found by bisection on x to 1e-9 s.
 *
 * Gait: steps alternate feet; step k touches down at T_k with T_{k+1} = T_k + 1/f(v(T_k)),
 * f(v) = 3.6 + 0.07·v steps/s, contact C(v) = max(0.085, 0.2 − 0.0095·v) s, the foot planted 0.25 m
 * ahead of the body centre. Between two contacts of a foot it swings forward and lifts.
 */
import type { Keypoint } from '../../../../schemas/generated.ts';
import type { AthleteObservation } from '../../../../processors/tracking/kinematics/types.ts';
import { KEYPOINT_COUNT, KEYPOINT_INDEX } from '../../../../processors/tracking/keypoints.ts';
import { seededRandom } from '../../../support/random.ts';

export interface SprintProfile {
  reactionS: number;
  vmaxMps: number;
  tauS: number;
  fatigueMps2: number;
  startXM: number;
  oscillationMps: number;
  oscillationHz: number;
}

export interface Contact {
  touchdownS: number;
  takeoffS: number;
  xM: number;
  foot: 0 | 1;
}

export interface SprintTruth {
  /** Crossing time since the gun of every mark, by mark. */
  crossingS: Map<number, number>;
  finishS: number;
  topSpeedMps: number;
  topSpeedAtM: number;
  speedAtMps: (markM: number) => number;
  /** Contacts after the gun with touchdown at or before the finish. */
  stepCount: number;
  contacts: Contact[];
}

export class Gaussian {
  readonly #uniform: () => number;
  #spare: number | null = null;
  constructor(seed: number) {
    this.#uniform = seededRandom(seed);
  }
  uniform(min = 0, max = 1): number {
    return min + (max - min) * this.#uniform();
  }
  normal(sigma = 1): number {
    if (this.#spare !== null) {
      const value = this.#spare;
      this.#spare = null;
      return value * sigma;
    }
    const u = Math.max(this.#uniform(), 1e-300);
    const v = this.#uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v) * sigma;
  }
}

export function randomProfile(rng: Gaussian, withOscillation: boolean): SprintProfile {
  return {
    reactionS: rng.uniform(0.12, 0.2),
    vmaxMps: rng.uniform(9.5, 12.6),
    tauS: rng.uniform(1.0, 1.6),
    fatigueMps2: rng.uniform(0, 0.12),
    startXM: rng.uniform(-0.4, 0),
    oscillationMps: withOscillation ? rng.uniform(0.1, 0.35) : 0,
    oscillationHz: rng.uniform(4, 4.8),
  };
}

/** Smooth speed at t seconds after the gun (no oscillation). */
export function smoothSpeed(p: SprintProfile, tS: number): number {
  const m = tS - p.reactionS;
  if (m <= 0) return 0;
  return p.vmaxMps * (1 - Math.exp(-m / p.tauS)) - p.fatigueMps2 * m;
}

function oscillationSpeed(p: SprintProfile, m: number): number {
  if (p.oscillationMps === 0 || m <= 0) return 0;
  const g = 1 - Math.exp(-m / p.tauS);
  return p.oscillationMps * g * g * Math.sin(2 * Math.PI * p.oscillationHz * m);
}

/** Position of the body centre, t seconds after the gun. */
export class SprintTrajectory {
  readonly profile: SprintProfile;
  /** Oscillation displacement tabulated every 0.5 ms (Simpson-free trapezoid on a fine grid). */
  readonly #oscillationM: Float64Array;
  static readonly GRID_S = 0.0005;

  constructor(profile: SprintProfile, horizonS: number) {
    this.profile = profile;
    const n = Math.ceil(horizonS / SprintTrajectory.GRID_S) + 2;
    this.#oscillationM = new Float64Array(n);
    let sum = 0;
    for (let i = 1; i < n; i++) {
      const a = oscillationSpeed(profile, (i - 1) * SprintTrajectory.GRID_S);
      const b = oscillationSpeed(profile, i * SprintTrajectory.GRID_S);
      sum += ((a + b) / 2) * SprintTrajectory.GRID_S;
      this.#oscillationM[i] = sum;
    }
  }

  xAt(tS: number): number {
    const p = this.profile;
    const m = tS - p.reactionS;
    if (m <= 0) return p.startXM;
    const smooth = p.vmaxMps * (m - p.tauS * (1 - Math.exp(-m / p.tauS))) - (p.fatigueMps2 * m * m) / 2;
    return p.startXM + smooth + this.#oscillationAt(m);
  }

  speedAt(tS: number): number {
    const m = tS - this.profile.reactionS;
    return smoothSpeed(this.profile, tS) + oscillationSpeed(this.profile, m);
  }

  #oscillationAt(m: number): number {
    const position = m / SprintTrajectory.GRID_S;
    const i = Math.floor(position);
    const a = this.#oscillationM[i] ?? 0;
    const b = this.#oscillationM[i + 1] ?? a;
    return a + (b - a) * (position - i);
  }

  /** First time after the gun the body centre reaches markM (bisection). */
  crossingS(markM: number): number {
    let low = 0;
    let high = 0.5;
    while (this.xAt(high) < markM) {
      low = high;
      high += 0.5;
    }
    for (let k = 0; k < 60; k++) {
      const middle = (low + high) / 2;
      if (this.xAt(middle) < markM) low = middle;
      else high = middle;
    }
    return (low + high) / 2;
  }
}

function stepFrequencyHz(speedMps: number): number {
  return 3.6 + 0.07 * speedMps;
}

function contactTimeS(speedMps: number): number {
  return Math.max(0.085, 0.2 - 0.0095 * speedMps);
}

/** Plans the contacts: block stance (touchdown −∞) then alternating steps until `untilS`. */
export function planContacts(trajectory: SprintTrajectory, untilS: number): Contact[][] {
  const p = trajectory.profile;
  const perFoot: Contact[][] = [
    [{ touchdownS: Number.NEGATIVE_INFINITY, takeoffS: p.reactionS, xM: p.startXM - 0.65, foot: 0 }],
    [{ touchdownS: Number.NEGATIVE_INFINITY, takeoffS: p.reactionS + 0.18, xM: p.startXM - 0.35, foot: 1 }],
  ];
  let tS = p.reactionS + 0.3;
  let foot: 0 | 1 = 0;
  while (tS < untilS) {
    const speed = Math.max(1, trajectory.speedAt(tS));
    perFoot[foot]?.push({
      touchdownS: tS,
      takeoffS: tS + contactTimeS(speed),
      xM: trajectory.xAt(tS) + 0.25,
      foot,
    });
    tS += 1 / stepFrequencyHz(speed);
    foot = foot === 0 ? 1 : 0;
  }
  return perFoot;
}

interface FootPose {
  xM: number;
  liftM: number;
}

function footAt(stances: Contact[], tS: number): FootPose {
  let index = 0;
  while (index + 1 < stances.length && (stances[index + 1]?.touchdownS ?? Infinity) <= tS) index++;
  const current = stances[index];
  const next = stances[index + 1];
  if (current === undefined) return { xM: 0, liftM: 0 };
  if (next === undefined || tS <= current.takeoffS) return { xM: current.xM, liftM: 0 };
  const s = (tS - current.takeoffS) / (next.touchdownS - current.takeoffS);
  const eased = s * s * (3 - 2 * s);
  return { xM: current.xM + (next.xM - current.xM) * eased, liftM: 0.45 * Math.sqrt(Math.sin(Math.PI * s)) };
}

/** The 21 keypoints: feet as planned (heel 5 cm, toe 2 cm, ankle 10 cm above the sole), the rest rough. */
export function keypointsAt(
  trajectory: SprintTrajectory,
  perFoot: Contact[][],
  tS: number,
  noiseM: number,
  rng: Gaussian,
): Keypoint[] {
  const bodyXM = trajectory.xAt(tS);
  const points = new Array<Keypoint>(KEYPOINT_COUNT);
  for (let i = 0; i < KEYPOINT_COUNT; i++) {
    points[i] = {
      xM: bodyXM + rng.normal(noiseM),
      yM: rng.normal(noiseM),
      zM: 1 + rng.normal(noiseM),
      confidence: 0.9,
    };
  }
  const feet = [
    {
      pose: footAt(perFoot[0] ?? [], tS),
      ankle: KEYPOINT_INDEX.leftAnkle,
      heel: KEYPOINT_INDEX.leftHeel,
      toe: KEYPOINT_INDEX.leftToe,
    },
    {
      pose: footAt(perFoot[1] ?? [], tS),
      ankle: KEYPOINT_INDEX.rightAnkle,
      heel: KEYPOINT_INDEX.rightHeel,
      toe: KEYPOINT_INDEX.rightToe,
    },
  ];
  for (const { pose, ankle, heel, toe } of feet) {
    const put = (index: number, dxM: number, zM: number): void => {
      points[index] = {
        xM: pose.xM + dxM + rng.normal(noiseM),
        yM: rng.normal(noiseM),
        zM: zM + rng.normal(noiseM),
        confidence: rng.uniform(0.5, 1),
      };
    };
    put(ankle, 0, 0.1 + pose.liftM);
    put(heel, -0.06, 0.05 + 1.15 * pose.liftM);
    put(toe, 0.14, 0.02 + 0.85 * pose.liftM);
  }
  return points;
}

export interface FeedOptions {
  fps: number;
  noiseM: number;
  keypointNoiseM: number;
  withKeypoints: boolean;
  dropRate: number;
  duplicateRate: number;
  /** Probability that a frame is swapped with the next one (arrives one frame late). */
  swapRate: number;
  /** Seconds of frames before the gun. */
  leadInS: number;
  /** Seconds of frames after the finish. */
  tailS: number;
}

export const DEFAULT_FEED: FeedOptions = {
  fps: 50,
  noiseM: 0.03,
  keypointNoiseM: 0.02,
  withKeypoints: true,
  dropRate: 0.02,
  duplicateRate: 0.01,
  swapRate: 0.01,
  leadInS: 1,
  tailS: 1.5,
};

export interface SimulatedRace {
  gunMs: number;
  distanceM: number;
  observations: AthleteObservation[];
  truth: SprintTruth;
  trajectory: SprintTrajectory;
}

/** One seeded race: profile, feed and truth. */
export function simulateRace(
  seed: number,
  distanceM: number,
  feed: Partial<FeedOptions> = {},
  withOscillation = false,
): SimulatedRace {
  const options = { ...DEFAULT_FEED, ...feed };
  const rng = new Gaussian(seed);
  const profile = randomProfile(rng, withOscillation);
  // Make sure the athlete keeps moving forward over the race (fatigue cannot stop them).
  const trajectory = new SprintTrajectory(profile, distanceM / 5 + 5);
  const finishS = trajectory.crossingS(distanceM);
  const endS = finishS + options.tailS;
  const perFoot = planContacts(trajectory, endS + 1);
  const gunMs = 1_700_000_000_000 + Math.floor(rng.uniform(0, 1e9));
  const observations: AthleteObservation[] = [];
  const frameS = 1 / options.fps;
  const firstS = -options.leadInS + rng.uniform(0, frameS);
  for (let tS = firstS; tS <= endS; tS += frameS) {
    if (rng.uniform() < options.dropRate) continue;
    const eventTimeMs = Math.round(gunMs + tS * 1000);
    const exactS = (eventTimeMs - gunMs) / 1000;
    const observation: AthleteObservation = {
      eventTimeMs,
      xM: trajectory.xAt(exactS) + rng.normal(options.noiseM),
      yM: 3.6 + rng.normal(options.noiseM),
      keypoints: options.withKeypoints
        ? keypointsAt(trajectory, perFoot, exactS, options.keypointNoiseM, rng)
        : null,
      confidence: 0.9,
    };
    observations.push(observation);
    if (rng.uniform() < options.duplicateRate) observations.push({ ...observation });
  }
  for (let i = 0; i + 1 < observations.length; i++) {
    if (rng.uniform() < options.swapRate) {
      const a = observations[i];
      const b = observations[i + 1];
      if (a !== undefined && b !== undefined) {
        observations[i] = b;
        observations[i + 1] = a;
        i++;
      }
    }
  }

  const crossingS = new Map<number, number>();
  for (let markM = 10; markM < distanceM; markM += 10) crossingS.set(markM, trajectory.crossingS(markM));
  crossingS.set(distanceM, finishS);
  if (distanceM > 20) crossingS.set(distanceM - 20, trajectory.crossingS(distanceM - 20));
  // Top speed of the smooth profile between the movement and the finish: v' = 0 at the peak, or the finish.
  let topS = finishS;
  if (profile.fatigueMps2 > 0) {
    const peakS =
      profile.reactionS + profile.tauS * Math.log(profile.vmaxMps / (profile.tauS * profile.fatigueMps2));
    if (peakS > profile.reactionS && peakS < finishS) topS = peakS;
  }
  const contacts = [...(perFoot[0] ?? []), ...(perFoot[1] ?? [])]
    .filter((c) => Number.isFinite(c.touchdownS))
    .sort((a, b) => a.touchdownS - b.touchdownS);
  const truth: SprintTruth = {
    crossingS,
    finishS,
    topSpeedMps: smoothSpeed(profile, topS),
    topSpeedAtM: trajectory.xAt(topS),
    speedAtMps: (markM) => smoothSpeed(profile, trajectory.crossingS(markM)),
    stepCount: contacts.filter((c) => c.touchdownS >= 0 && c.touchdownS <= finishS).length,
    contacts,
  };
  return { gunMs, distanceM, observations, truth, trajectory };
}
