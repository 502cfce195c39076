/**
 * Deterministic, seeded simulators of per-frame athlete tracking (pure functions, no I/O): a straight
 * sprint with exact split/stride truth, and a stretch of a football match with distance/sprint truth.
 */
export { simulateSprint, laneCentreYM, LANE_WIDTH_M, SPRINT_DEFAULTS } from './sprint.ts';
export type { SprintSimulation, SprintSimulationOptions } from './sprint.ts';
export { BOLT_BERLIN_2009, SPRINT_MAX_SPEED_RANGE_MPS, randomSprintProfile } from './sprint-profile.ts';
export type { SprintAthleteProfile, SprintDistanceM } from './sprint-profile.ts';
export { SPRINT_GRID_STEP_S, finishTimeOf, integrateSprint } from './sprint-dynamics.ts';
export type { IntegratedSprint, SprintTruth } from './sprint-dynamics.ts';
export { simulateMatch, BALL_ID, MATCH_DEFAULTS } from './match.ts';
export type { MatchPlayerTruth, MatchSimulation, MatchSimulationOptions } from './match.ts';
export {
  HIGH_SPEED_THRESHOLD_MPS,
  MATCH_GRID_STEP_S,
  PITCH_LENGTH_M,
  PITCH_WIDTH_M,
  SPRINT_MIN_DURATION_S,
  SPRINT_THRESHOLD_MPS,
  measureMovement,
} from './match-movement.ts';
export type { MovementTruth, PlayerRole, SprintEpisode } from './match-movement.ts';
export { BALL_RADIUS_M } from './match-ball.ts';
export { FEED_DEFAULTS } from './feed-options.ts';
export type { FeedOptions, TruePosition } from './feed-options.ts';
export { FOOT_GROUND_HEIGHTS_M, footPoseAt, planGait } from './gait.ts';
export type { Foot, FootContact, FootPose, GaitPlan } from './gait.ts';
export { applyArrivalImperfections, latenessOfDeliveries } from './imperfections.ts';
export type { ArrivalImperfectionOptions, ArrivalReport } from './imperfections.ts';
export { createRng, deriveSeed } from '../../shared/random.ts';
export type { Rng } from '../../shared/random.ts';
