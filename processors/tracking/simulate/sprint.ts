/**
 * A simulated straight sprint (100 m or 200 m): per-frame detections with noise and keypoints, the
 * imperfect arrival order of a real feed, and the exact truth to check a pipeline against.
 *
 * Conventions: x runs from the start line (x = 0) to the finish along the straight (a 200 m is modelled
 * as a straight 200 m, no bend); y is across the lanes, lane n centred at (n - 0.5) * 1.22 m; z is up.
 * Every time in the truth is seconds since the gun. Frame n is captured at eventTimeMs, an integer
 * millisecond, and its detections are measurements of the body exactly at that millisecond.
 */
import type { AthleteDetection, TrackingFrame, TrackingSession } from '../../../schemas/generated.ts';
import {
  FEED_DEFAULTS,
  invalid,
  requireInRange,
  resolveFeedOptions,
  type FeedOptions,
  type TruePosition,
} from './feed-options.ts';
import { footPoseAt } from './gait.ts';
import { applyArrivalImperfections, type ArrivalReport } from './imperfections.ts';
import { createRng, deriveSeed, type Rng } from '../../shared/random.ts';
import { buildSkeleton } from './skeleton.ts';
import { finishTimeOf, integrateSprint, type IntegratedSprint, type SprintTruth } from './sprint-dynamics.ts';
import { randomSprintProfile, type SprintAthleteProfile, type SprintDistanceM } from './sprint-profile.ts';
import { gridPosition, interpolate } from './trajectory.ts';

export interface SprintSimulationOptions extends FeedOptions {
  /** Seed of every random draw: the same options give the same output. */
  readonly seed: number;
  /**
   * Session id of the session and every frame.
   * @default `sim-${distanceM}m-${seed}`
   */
  readonly sessionId?: string;
  /**
   * Race distance, metres, run on a straight along x.
   * @default 100
   */
  readonly distanceM?: SprintDistanceM;
  /**
   * Number of lanes, one athlete per lane.
   * @default 8
   */
  readonly lanes?: number;
  /**
   * Camera frames per second (3DAT uses 50 or 60).
   * @default 50
   */
  readonly fps?: number;
  /**
   * The gun, event time in ms since the Unix epoch.
   * @default 1722801300000 (2024-08-04T19:55:00Z)
   */
  readonly startSignalMs?: number;
  /**
   * Seconds of frames before the gun (athletes still in the set position).
   * @default 0.5
   */
  readonly preRollS?: number;
  /**
   * Seconds of frames after the last athlete's finish.
   * @default 1
   */
  readonly postRollS?: number;
  /**
   * Whether detections carry the 21 keypoints.
   * @default true
   */
  readonly withKeypoints?: boolean;
  /**
   * Range of the athletes' levels, each drawn uniformly in it: level 0 runs at 9.5 m/s, level 1 at 12.3 m/s.
   * @default [0.45, 0.9]
   */
  readonly levelRange?: readonly [number, number];
  /**
   * Explicit athletes, lane 1 first: each given field overrides the random profile of that lane
   * (e.g. `[{ ...BOLT_BERLIN_2009 }]`). Lanes beyond the list are random.
   * @default []
   */
  readonly athletes?: ReadonlyArray<Partial<Omit<SprintAthleteProfile, 'lane'>>>;
}

export const SPRINT_DEFAULTS = {
  distanceM: 100,
  lanes: 8,
  fps: 50,
  startSignalMs: Date.UTC(2024, 7, 4, 19, 55, 0),
  preRollS: 0.5,
  postRollS: 1,
  withKeypoints: true,
  levelRange: [0.45, 0.9],
  ...FEED_DEFAULTS,
} as const;

/** Lane width, metres (World Athletics: 1.22 m). */
export const LANE_WIDTH_M = 1.22;
/** Detection confidences are uniform in [this, 1). */
const MIN_DETECTION_CONFIDENCE = 0.8;
const MIN_KEYPOINT_CONFIDENCE = 0.75;

export interface SprintSimulation {
  readonly session: TrackingSession;
  /** Frames in arrival order: some dropped, some duplicated, some late (see `arrival`). */
  readonly frames: TrackingFrame[];
  /** Every frame once, in frame order (same objects as in `frames`; do not mutate). */
  readonly framesInOrder: TrackingFrame[];
  /** One per athlete, lane order. */
  readonly truth: SprintTruth[];
  readonly arrival: ArrivalReport;
  /** The clean body centre of an athlete at an event time (undefined for an unknown athlete). */
  readonly positionAt: (athleteId: string, eventTimeMs: number) => TruePosition | undefined;
}

/** Centre of lane `lane` (1 = innermost), metres. */
export function laneCentreYM(lane: number): number {
  return (lane - 0.5) * LANE_WIDTH_M;
}

function resolveProfiles(
  options: SprintSimulationOptions,
  distanceM: SprintDistanceM,
  rng: Rng,
): SprintAthleteProfile[] {
  const lanes = requireInRange('lanes', options.lanes ?? SPRINT_DEFAULTS.lanes, 1, 10, true);
  const [minLevel, maxLevel] = options.levelRange ?? SPRINT_DEFAULTS.levelRange;
  requireInRange('levelRange[0]', minLevel, 0, 1);
  requireInRange('levelRange[1]', maxLevel, minLevel, 1);
  const given = options.athletes ?? [];
  if (given.length > lanes) throw invalid(`${given.length} athletes given for ${lanes} lanes`);
  const profiles: SprintAthleteProfile[] = [];
  for (let lane = 1; lane <= lanes; lane += 1) {
    // Always draw, so that overriding one lane leaves the others unchanged.
    const drawn = randomSprintProfile(rng, lane, rng.uniform(minLevel, maxLevel), distanceM);
    const profile: SprintAthleteProfile = { ...drawn, ...given[lane - 1], lane };
    requireInRange(`lane ${lane} reactionTimeS`, profile.reactionTimeS, 0, 1);
    requireInRange(`lane ${lane} maxSpeedMps`, profile.maxSpeedMps, 1, 15);
    requireInRange(`lane ${lane} startXM`, profile.startXM, -1, 0);
    profiles.push(profile);
  }
  if (new Set(profiles.map((p) => p.athleteId)).size !== profiles.length)
    throw invalid('athlete ids must be unique');
  return profiles;
}

/** Pelvis height: 0.62 m in the set position, rising to 1.0 m over 1.2 s, bouncing 2.5 cm per step. */
function bodyHeightM(profile: SprintAthleteProfile, tS: number, stepPhase: number): number {
  const rise = Math.min(1, Math.max(0, (tS - profile.reactionTimeS) / 1.2));
  const sinceExitS = tS - profile.reactionTimeS - profile.blockTimeS;
  const bounce =
    sinceExitS > 0 ? -0.025 * Math.cos(2 * Math.PI * stepPhase) * Math.min(1, sinceExitS / 0.5) : 0;
  return 0.62 + 0.38 * rise * rise * (3 - 2 * rise) + bounce;
}

function resolveDistance(distanceM: number): SprintDistanceM {
  if (distanceM === 100 || distanceM === 200) return distanceM;
  throw invalid(`distanceM must be 100 or 200, got ${distanceM}`);
}

/** Simulates a straight sprint. Pure: no I/O, deterministic in `options`. */
export function simulateSprint(options: SprintSimulationOptions): SprintSimulation {
  const seed = requireInRange('seed', options.seed, -(2 ** 53), 2 ** 53);
  const distanceM = resolveDistance(options.distanceM ?? SPRINT_DEFAULTS.distanceM);
  const fps = requireInRange('fps', options.fps ?? SPRINT_DEFAULTS.fps, 1, 1000, true);
  const startSignalMs = requireInRange(
    'startSignalMs',
    options.startSignalMs ?? SPRINT_DEFAULTS.startSignalMs,
    0,
    2 ** 52,
    true,
  );
  const preRollS = requireInRange('preRollS', options.preRollS ?? SPRINT_DEFAULTS.preRollS, 0, 60);
  const postRollS = requireInRange('postRollS', options.postRollS ?? SPRINT_DEFAULTS.postRollS, 0, 60);
  const withKeypoints = options.withKeypoints ?? SPRINT_DEFAULTS.withKeypoints;
  const feed = resolveFeedOptions(options);
  const sessionId = options.sessionId ?? `sim-${distanceM}m-${seed}`;

  const profiles = resolveProfiles(options, distanceM, createRng(deriveSeed(seed, 'athletes')));
  const lastFinishS = Math.max(...profiles.map((p) => finishTimeOf(p, distanceM)));
  const endS = lastFinishS + postRollS;
  // Integrate a second past the last frame, so every swing in the recording has its landing planned.
  const races: IntegratedSprint[] = profiles.map((p) =>
    integrateSprint(p, distanceM, laneCentreYM(p.lane), endS + 1),
  );
  const byId = new Map(races.map((race) => [race.truth.athleteId, race]));

  const truePosition = (race: IntegratedSprint, tS: number): TruePosition & { stepPhase: number } => {
    const { trajectory, truth } = race;
    const position = gridPosition(trajectory, tS);
    const stepPhase = interpolate(trajectory.stepPhase, position);
    return {
      xM: interpolate(trajectory.xM, position),
      yM: laneCentreYM(truth.lane),
      zM: bodyHeightM(truth.profile, tS, stepPhase),
      speedMps: interpolate(trajectory.speedMps, position),
      stepPhase,
    };
  };

  const noiseRng = createRng(deriveSeed(seed, 'noise'));
  const keypointRng = createRng(deriveSeed(seed, 'keypoints'));
  const cameraPhase = createRng(deriveSeed(seed, 'camera')).next();
  const framesInOrder: TrackingFrame[] = [];
  for (let k = 0; ; k += 1) {
    const relativeMs = Math.round((-preRollS + (k + cameraPhase) / fps) * 1000);
    const tS = relativeMs / 1000;
    if (tS > endS) break;
    const athletes: AthleteDetection[] = races.map((race) => {
      const body = truePosition(race, tS);
      const detection: AthleteDetection = {
        athleteId: race.truth.athleteId,
        xM: body.xM + noiseRng.normal(0, feed.noiseM),
        yM: body.yM + noiseRng.normal(0, feed.noiseM),
        zM: body.zM + noiseRng.normal(0, feed.noiseM),
        confidence: Math.fround(noiseRng.uniform(MIN_DETECTION_CONFIDENCE, 1)),
        keypoints: null,
      };
      if (withKeypoints) {
        const relativeSpeed = body.speedMps / race.truth.profile.maxSpeedMps;
        const leanRad = tS < race.truth.reactionTimeS ? 1 : 0.14 + 0.86 * (1 - relativeSpeed);
        detection.keypoints = buildSkeleton(
          { ...body, headingRad: 0, leanRad },
          footPoseAt(race.gait.stances.left, tS),
          footPoseAt(race.gait.stances.right, tS),
          { keypointNoiseM: feed.keypointNoiseM, minConfidence: MIN_KEYPOINT_CONFIDENCE },
          keypointRng,
        );
      }
      return detection;
    });
    framesInOrder.push({
      sessionId,
      frameNumber: feed.firstFrameNumber + k,
      eventTimeMs: startSignalMs + relativeMs,
      athletes,
    });
  }

  const { frames, report } = applyArrivalImperfections(
    framesInOrder,
    feed,
    createRng(deriveSeed(seed, 'arrival')),
  );
  const session: TrackingSession = {
    sessionId,
    discipline: `${distanceM}m`,
    venue: feed.venue,
    startSignalMs,
    distanceM,
    athletes: profiles.map((p) => ({
      athleteId: p.athleteId,
      name: p.name,
      bib: p.bib,
      lane: p.lane,
      team: null,
    })),
  };
  return {
    session,
    frames,
    framesInOrder,
    truth: races.map((race) => race.truth),
    arrival: report,
    positionAt: (athleteId, eventTimeMs) => {
      const race = byId.get(athleteId);
      if (race === undefined) return undefined;
      const { xM, yM, zM, speedMps } = truePosition(race, (eventTimeMs - startSignalMs) / 1000);
      return { xM, yM, zM, speedMps };
    },
  };
}
