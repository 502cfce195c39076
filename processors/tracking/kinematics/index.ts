/**
 * Per-athlete kinematics for the tracking pipeline: pure `(state, observation) -> { state, outputs }`
 * steps over plain JSON state, for keyed stateful processors. Sprints (splits, finish, top speed,
 * steps) in sprint.ts, team-sport workload in team-sport.ts; the smoothers behind them in kalman.ts and
 * local-fit.ts, the step detector in strides.ts.
 */
export type { AthleteObservation, KinematicSample } from './types.ts';
export {
  DEFAULT_SPLIT_EVERY_M,
  DEFAULT_SPRINT_OPTIONS,
  WARMUP_OBSERVATIONS,
  flushSprint,
  initialSprintState,
  resolveSprintOptions,
  stepSprint,
  validateSprintContext,
} from './sprint.ts';
export type {
  Split,
  SprintContext,
  SprintOptions,
  SprintState,
  SprintStep,
  SprintSummary,
} from './sprint.ts';
export {
  DEFAULT_TEAM_SPORT_OPTIONS,
  TEAM_WARMUP_OBSERVATIONS,
  flushTeamSport,
  initialTeamSportState,
  resolveTeamSportOptions,
  stepTeamSport,
} from './team-sport.ts';
export type {
  MinuteWorkload,
  TeamSportContext,
  TeamSportOptions,
  TeamSportSample,
  TeamSportState,
  TeamSportStep,
} from './team-sport.ts';
export { DEFAULT_STRIDE_OPTIONS } from './strides.ts';
export type { StrideOptions } from './strides.ts';
