/**
 * A simulated team-sport session (football): 22 players in two 4-4-2 teams and the ball on a
 * 105 x 68 m pitch, per-frame detections with noise, the imperfect arrival order of a real feed, and
 * the exact per-player truth (distances, high-speed running, sprints).
 *
 * Conventions: x along the length (0 to 105 m), y across (0 to 68 m), origin at a corner flag, z up;
 * the home team defends x = 0. Times in the truth are seconds since kick-off (the first frame).
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
import { footPoseAt, planGait, type GaitPlan } from './gait.ts';
import { applyArrivalImperfections, type ArrivalReport } from './imperfections.ts';
import { simulateBall } from './match-ball.ts';
import {
  cadenceHz,
  integratePlayer,
  measureMovement,
  PITCH_LENGTH_M,
  type MovementTruth,
  type PlayerRole,
  type PlayerSpec,
} from './match-movement.ts';
import { createRng, deriveSeed } from '../../shared/random.ts';
import { buildSkeleton } from './skeleton.ts';
import { gridPosition, interpolate, type FineTrajectory } from './trajectory.ts';

export interface MatchSimulationOptions extends FeedOptions {
  /** Seed of every random draw: the same options give the same output. */
  readonly seed: number;
  /**
   * Session id of the session and every frame.
   * @default `sim-match-${seed}`
   */
  readonly sessionId?: string;
  /**
   * Length of the simulated play, seconds.
   * @default 120
   */
  readonly durationS?: number;
  /**
   * Camera frames per second.
   * @default 25
   */
  readonly fps?: number;
  /**
   * Kick-off (the first frame), event time in ms since the Unix epoch.
   * @default 1722801300000 (2024-08-04T19:55:00Z)
   */
  readonly kickoffMs?: number;
  /**
   * Whether player detections carry the 21 keypoints (the ball never does).
   * @default false
   */
  readonly withKeypoints?: boolean;
  /**
   * Team names, home first; athlete ids are `${team}-${shirt number}`.
   * @default ['home', 'away']
   */
  readonly teams?: readonly [string, string];
}

export const MATCH_DEFAULTS = {
  durationS: 120,
  fps: 25,
  kickoffMs: Date.UTC(2024, 7, 4, 19, 55, 0),
  withKeypoints: false,
  teams: ['home', 'away'],
  ...FEED_DEFAULTS,
} as const;

/** Athlete id of the ball in frames. */
export const BALL_ID = 'ball';

export interface MatchPlayerTruth extends MovementTruth {
  readonly athleteId: string;
  readonly team: string;
  readonly role: PlayerRole;
}

export interface MatchSimulation {
  /** The 22 players (the ball is in the frames but not in the session). */
  readonly session: TrackingSession;
  /** Frames in arrival order: some dropped, some duplicated, some late (see `arrival`). */
  readonly frames: TrackingFrame[];
  /** Every frame once, in frame order (same objects as in `frames`; do not mutate). */
  readonly framesInOrder: TrackingFrame[];
  /** One per player, session order. */
  readonly truth: MatchPlayerTruth[];
  readonly arrival: ArrivalReport;
  /** The clean position of a player or the ball at an event time (undefined for an unknown id). */
  readonly positionAt: (athleteId: string, eventTimeMs: number) => TruePosition | undefined;
}

/** A 4-4-2 for the team defending x = 0, shirt numbers 1 to 11. */
const FORMATION: ReadonlyArray<{ role: PlayerRole; xM: number; yM: number }> = [
  { role: 'goalkeeper', xM: 5, yM: 34 },
  { role: 'defender', xM: 20, yM: 58 },
  { role: 'defender', xM: 18, yM: 42 },
  { role: 'defender', xM: 18, yM: 26 },
  { role: 'defender', xM: 20, yM: 10 },
  { role: 'midfielder', xM: 40, yM: 58 },
  { role: 'midfielder', xM: 37, yM: 42 },
  { role: 'midfielder', xM: 37, yM: 26 },
  { role: 'midfielder', xM: 40, yM: 10 },
  { role: 'forward', xM: 50, yM: 42 },
  { role: 'forward', xM: 50, yM: 26 },
];

function playerSpecs(teams: readonly [string, string]): PlayerSpec[] {
  return teams.flatMap((team, teamIndex) =>
    FORMATION.map((place, index) => ({
      athleteId: `${team}-${index + 1}`,
      name: `${team} ${index + 1}`,
      bib: String(index + 1),
      team,
      role: place.role,
      homeXM: teamIndex === 0 ? place.xM : PITCH_LENGTH_M - place.xM,
      homeYM: teamIndex === 0 ? place.yM : 68 - place.yM,
    })),
  );
}

function playerGait(trajectory: FineTrajectory, firstFootLeft: boolean): GaitPlan {
  const speedAt = (index: number): number => trajectory.speedMps[index] ?? 0;
  const x0 = trajectory.xM[0] ?? 0;
  const y0 = trajectory.yM[0] ?? 0;
  const heading0 = trajectory.headingRad[0] ?? 0;
  const side = { xM: -0.1 * Math.sin(heading0), yM: 0.1 * Math.cos(heading0) };
  return planGait(trajectory, {
    firstFoot: firstFootLeft ? 'left' : 'right',
    // Walking has double support (contact longer than a step); sprinting about 0.4 of a step.
    contactTimeS: (index) =>
      Math.min(1.2, Math.max(0.4, 1.25 - 0.12 * speedAt(index))) / cadenceHz(speedAt(index)),
    swingHeightM: (index) => 0.1 + 0.045 * speedAt(index),
    stanceHalfWidthM: 0.1,
    // Already in the air at kick-off: the first steps swing from a stance just before it.
    initial: {
      left: { xM: x0 + side.xM, yM: y0 + side.yM, liftOffS: -0.3 },
      right: { xM: x0 - side.xM, yM: y0 - side.yM, liftOffS: -0.3 },
    },
  });
}

/** Simulates a stretch of a football match. Pure: no I/O, deterministic in `options`. */
export function simulateMatch(options: MatchSimulationOptions): MatchSimulation {
  const seed = requireInRange('seed', options.seed, -(2 ** 53), 2 ** 53);
  const durationS = requireInRange('durationS', options.durationS ?? MATCH_DEFAULTS.durationS, 1, 3 * 3600);
  const fps = requireInRange('fps', options.fps ?? MATCH_DEFAULTS.fps, 1, 1000, true);
  const kickoffMs = requireInRange(
    'kickoffMs',
    options.kickoffMs ?? MATCH_DEFAULTS.kickoffMs,
    0,
    2 ** 52,
    true,
  );
  const withKeypoints = options.withKeypoints ?? MATCH_DEFAULTS.withKeypoints;
  const teams = options.teams ?? MATCH_DEFAULTS.teams;
  if (teams[0] === teams[1] || teams.includes(BALL_ID))
    throw invalid(`team names must differ and not be '${BALL_ID}'`);
  const feed = resolveFeedOptions(options);
  const sessionId = options.sessionId ?? `sim-match-${seed}`;

  const specs = playerSpecs(teams);
  const movementRng = createRng(deriveSeed(seed, 'movement'));
  const drift = {
    phaseXRad: movementRng.uniform(0, 2 * Math.PI),
    phaseYRad: movementRng.uniform(0, 2 * Math.PI),
  };
  // A second past the end, so every swing in the recording has its landing planned.
  const untilS = durationS + 1;
  const trajectories = specs.map((spec) => integratePlayer(spec, drift, untilS, movementRng));
  const gaits = withKeypoints ? trajectories.map((t) => playerGait(t, movementRng.chance(0.5))) : [];
  const ball = simulateBall(
    trajectories,
    specs.map((s) => s.team),
    untilS,
    createRng(deriveSeed(seed, 'ball')),
  );
  const indexById = new Map(specs.map((spec, index) => [spec.athleteId, index]));

  const truePosition = (
    index: number,
    tS: number,
  ): TruePosition & { stepPhase: number; headingRad: number } => {
    const trajectory = index < 0 ? ball.trajectory : trajectories[index];
    if (trajectory === undefined) throw invalid(`no player ${index}`);
    const position = gridPosition(trajectory, tS);
    const stepPhase = interpolate(trajectory.stepPhase, position);
    return {
      xM: interpolate(trajectory.xM, position),
      yM: interpolate(trajectory.yM, position),
      zM: index < 0 ? interpolate(ball.zM, position) : 1 - 0.02 * Math.cos(2 * Math.PI * stepPhase),
      speedMps: interpolate(trajectory.speedMps, position),
      stepPhase,
      headingRad: interpolate(trajectory.headingRad, position),
    };
  };

  const noiseRng = createRng(deriveSeed(seed, 'noise'));
  const keypointRng = createRng(deriveSeed(seed, 'keypoints'));
  const detect = (athleteId: string, body: TruePosition, minConfidence: number): AthleteDetection => ({
    athleteId,
    xM: body.xM + noiseRng.normal(0, feed.noiseM),
    yM: body.yM + noiseRng.normal(0, feed.noiseM),
    zM: body.zM + noiseRng.normal(0, feed.noiseM),
    confidence: Math.fround(noiseRng.uniform(minConfidence, 1)),
    keypoints: null,
  });
  const framesInOrder: TrackingFrame[] = [];
  for (let k = 0; ; k += 1) {
    const relativeMs = Math.round((k * 1000) / fps);
    const tS = relativeMs / 1000;
    if (tS >= durationS) break;
    const athletes = specs.map((spec, index) => {
      const body = truePosition(index, tS);
      const detection = detect(spec.athleteId, body, 0.8);
      const gait = gaits[index];
      if (gait !== undefined) {
        detection.keypoints = buildSkeleton(
          { ...body, leanRad: 0.05 + 0.03 * body.speedMps },
          footPoseAt(gait.stances.left, tS),
          footPoseAt(gait.stances.right, tS),
          { keypointNoiseM: feed.keypointNoiseM, minConfidence: 0.75 },
          keypointRng,
        );
      }
      return detection;
    });
    athletes.push(detect(BALL_ID, truePosition(-1, tS), 0.6));
    framesInOrder.push({
      sessionId,
      frameNumber: feed.firstFrameNumber + k,
      eventTimeMs: kickoffMs + relativeMs,
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
    discipline: 'football',
    venue: feed.venue,
    startSignalMs: null,
    distanceM: null,
    athletes: specs.map((s) => ({
      athleteId: s.athleteId,
      name: s.name,
      bib: s.bib,
      lane: null,
      team: s.team,
    })),
  };
  return {
    session,
    frames,
    framesInOrder,
    truth: specs.map((spec, index) => ({
      athleteId: spec.athleteId,
      team: spec.team,
      role: spec.role,
      ...measureMovement(trajectories[index] ?? ball.trajectory, durationS),
    })),
    arrival: report,
    positionAt: (athleteId, eventTimeMs) => {
      const index = athleteId === BALL_ID ? -1 : indexById.get(athleteId);
      if (index === undefined) return undefined;
      const { xM, yM, zM, speedMps } = truePosition(index, (eventTimeMs - kickoffMs) / 1000);
      return { xM, yM, zM, speedMps };
    },
  };
}
