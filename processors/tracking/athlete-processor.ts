/**
 * The per-athlete processor of the tracking topology, keyed by `sessionId/athleteId`: a small reorder
 * buffer (frames arrive up to a few frames late, and twice), then the sprint or team-sport kinematics,
 * one observation at a time. Pure: (state, record) -> (state, outputs), state plain JSON.
 */
import type { ProcessorSpec } from '../../engine/topology/graph.ts';
import type { AthleteDetection, TrackingSession } from '../../schemas/generated.ts';
import {
  flushSprint,
  initialSprintState,
  stepSprint,
  type SprintContext,
  type SprintState,
  type Split,
  type SprintSummary,
} from './kinematics/sprint.ts';
import {
  flushTeamSport,
  initialTeamSportState,
  stepTeamSport,
  type MinuteWorkload,
  type TeamSportState,
} from './kinematics/team-sport.ts';
import type { AthleteObservation, KinematicSample } from './kinematics/types.ts';

/** Frames may arrive this much (event time) after later ones and still be used in order. @default 100 ms */
export const REORDER_WINDOW_MS = 100;
/** Live stats per athlete at most every this often (10 Hz). */
export const LIVE_INTERVAL_MS = 100;
/** An athlete unseen for this long (by the watermark) is flushed and forgotten. */
export const ATHLETE_IDLE_MS = 5_000;

/** One athlete of one frame, with the session it belongs to. */
export interface AthleteFrame {
  readonly session: TrackingSession;
  readonly frameNumber: number;
  readonly eventTimeMs: number;
  readonly detection: AthleteDetection;
}

interface Ids {
  readonly sessionId: string;
  readonly athleteId: string;
}

export type AthleteOutput =
  | (Ids & {
      kind: 'position';
      frameNumber: number;
      sample: KinematicSample;
      highSpeedDistanceM: number | null;
    })
  | (Ids & { kind: 'split'; split: Split })
  | (Ids & { kind: 'summary'; summary: SprintSummary })
  | (Ids & { kind: 'minute'; minute: MinuteWorkload })
  | (Ids & {
      kind: 'live';
      eventTimeMs: number;
      elapsedS: number | null;
      speedMps: number;
      accelerationMps2: number;
      topSpeedMps: number;
      distanceM: number;
      race: boolean;
    });

interface Pending {
  frameNumber: number;
  observation: AthleteObservation;
}

export interface AthleteState {
  pending: Pending[];
  maxSeenMs: number;
  lastReleasedMs: number;
  lastLiveMs: number;
  topSpeedMps: number;
  sprint: SprintState | null;
  team: TeamSportState | null;
  session: {
    sessionId: string;
    athleteId: string;
    startSignalMs: number | null;
    distanceM: number | null;
    kickoffMs: number;
  };
}

function sprintContext(state: AthleteState): SprintContext | null {
  const { startSignalMs, distanceM } = state.session;
  return startSignalMs === null || distanceM === null ? null : { startSignalMs, distanceM };
}

function release(state: AthleteState, observation: Pending, emit: (value: AthleteOutput) => void): void {
  const ids = { sessionId: state.session.sessionId, athleteId: state.session.athleteId };
  const context = sprintContext(state);
  state.lastReleasedMs = observation.observation.eventTimeMs;
  let sample: KinematicSample | null = null;
  let highSpeedDistanceM: number | null = null;
  if (context !== null) {
    state.sprint ??= initialSprintState();
    const step = stepSprint(state.sprint, observation.observation, context);
    sample = step.sample;
    for (const split of step.splits) emit({ ...ids, kind: 'split', split: { ...split } });
    if (step.finished !== null) emit({ ...ids, kind: 'summary', summary: { ...step.finished } });
  } else {
    state.team ??= initialTeamSportState();
    const step = stepTeamSport(state.team, observation.observation, {
      periodStartMs: state.session.kickoffMs,
    });
    if (step.minute !== null) emit({ ...ids, kind: 'minute', minute: { ...step.minute } });
    if (step.sample !== null) {
      highSpeedDistanceM = step.sample.highSpeedDistanceM;
      sample = {
        eventTimeMs: step.sample.eventTimeMs,
        xM: step.sample.xM,
        yM: step.sample.yM,
        speedMps: step.sample.speedMps,
        accelerationMps2: step.sample.accelerationMps2,
        distanceM: step.sample.distanceM,
        topSpeedMps: 0,
        topSpeedAtM: 0,
      };
    }
  }
  if (sample === null) return;
  state.topSpeedMps = Math.max(state.topSpeedMps, context !== null ? sample.topSpeedMps : sample.speedMps);
  emit({
    ...ids,
    kind: 'position',
    frameNumber: observation.frameNumber,
    sample: { ...sample, topSpeedMps: state.topSpeedMps },
    highSpeedDistanceM,
  });
  if (sample.eventTimeMs - state.lastLiveMs >= LIVE_INTERVAL_MS) {
    state.lastLiveMs = sample.eventTimeMs;
    emit({
      ...ids,
      kind: 'live',
      eventTimeMs: sample.eventTimeMs,
      elapsedS: context === null ? null : (sample.eventTimeMs - context.startSignalMs) / 1000,
      speedMps: sample.speedMps,
      accelerationMps2: sample.accelerationMps2,
      topSpeedMps: state.topSpeedMps,
      distanceM: sample.distanceM,
      race: context !== null,
    });
  }
}

export const athleteProcessor: ProcessorSpec<AthleteState | null, AthleteFrame, AthleteOutput> = {
  init: () => null,
  process: (current, record, emit) => {
    const { session, detection, eventTimeMs, frameNumber } = record.value;
    const state: AthleteState = current ?? {
      pending: [],
      maxSeenMs: 0,
      lastReleasedMs: 0,
      lastLiveMs: 0,
      topSpeedMps: 0,
      sprint: null,
      team: null,
      session: {
        sessionId: session.sessionId,
        athleteId: detection.athleteId,
        startSignalMs: session.startSignalMs,
        distanceM: session.distanceM,
        kickoffMs: session.startSignalMs ?? eventTimeMs,
      },
    };
    // Too late to use in order, or a duplicate of a frame already seen: ignored.
    if (
      eventTimeMs <= state.lastReleasedMs ||
      state.pending.some((p) => p.observation.eventTimeMs === eventTimeMs)
    ) {
      return state;
    }
    const observation: AthleteObservation = {
      eventTimeMs,
      xM: detection.xM,
      yM: detection.yM,
      keypoints: detection.keypoints,
      confidence: detection.confidence,
    };
    let at = state.pending.length;
    while (at > 0 && (state.pending[at - 1]?.observation.eventTimeMs ?? 0) > eventTimeMs) at -= 1;
    state.pending.splice(at, 0, { frameNumber, observation });
    state.maxSeenMs = Math.max(state.maxSeenMs, eventTimeMs);
    while (
      state.pending.length > 0 &&
      (state.pending[0]?.observation.eventTimeMs ?? 0) <= state.maxSeenMs - REORDER_WINDOW_MS
    ) {
      const next = state.pending.shift();
      if (next !== undefined) release(state, next, emit);
    }
    return state;
  },
  onWatermark: (state, _key, watermarkMs, emit) => {
    if (state === null || watermarkMs < state.maxSeenMs + ATHLETE_IDLE_MS) return state;
    // Not seen for a while: use what is buffered, time what is still pending, and forget the athlete.
    for (const next of state.pending.splice(0)) release(state, next, emit);
    const ids = { sessionId: state.session.sessionId, athleteId: state.session.athleteId };
    const context = sprintContext(state);
    if (context !== null && state.sprint !== null) {
      const flushed = flushSprint(state.sprint, context);
      for (const split of flushed.splits) emit({ ...ids, kind: 'split', split: { ...split } });
      if (flushed.finished !== null) emit({ ...ids, kind: 'summary', summary: { ...flushed.finished } });
    }
    if (state.team !== null) {
      const flushed = flushTeamSport(state.team, { periodStartMs: state.session.kickoffMs });
      if (flushed.minute !== null) emit({ ...ids, kind: 'minute', minute: { ...flushed.minute } });
    }
    return undefined;
  },
};
