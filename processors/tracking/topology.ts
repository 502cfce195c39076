/**
 * The athlete tracking topology: frames joined with their session, split per athlete, smoothed and
 * differentiated (processors/tracking/kinematics), then out to ClickHouse (positions with derived
 * kinematics, splits, race summaries, team-sport minutes) and to the stats topics broadcasters read
 * (live athlete stats with place and gap, split events).
 */
import { defineTopology } from '../../engine/topology/builder.ts';
import { avro } from '../../engine/topology/codecs.ts';
import { clickhouseSink, kafkaSink } from '../../engine/topology/sinks.ts';
import {
  liveAthleteStatsSchema,
  splitEventSchema,
  trackingFrameSchema,
  trackingSessionSchema,
  type LiveAthleteStats,
  type SplitEvent,
  type TrackingFrame,
  type TrackingSession,
} from '../../schemas/generated.ts';
import { athleteProcessor, type AthleteFrame, type AthleteOutput } from './athlete-processor.ts';
import { standingsProcessor, type LiveUpdate } from './standings.ts';

export const TRACKING_TOPICS = {
  sessions: 'tracking.sessions',
  frames: 'tracking.frames',
  liveStats: 'tracking.live-stats',
  splits: 'tracking.splits',
} as const;

/** Frames may be this late (event time) within a partition. */
export const FRAME_OUT_OF_ORDERNESS_MS = 200;

type Of<K extends AthleteOutput['kind']> = Extract<AthleteOutput, { kind: K }>;

/** Frames whose positions are all finite numbers (others are dead-lettered). */
export const validFrame = (frame: TrackingFrame) =>
  frame.athletes.every((a) => Number.isFinite(a.xM) && Number.isFinite(a.yM) && Number.isFinite(a.zM))
    ? ({ ok: true } as const)
    : ({ ok: false, reason: 'a position is not a finite number' } as const);

export const trackingTopology = defineTopology('tracking', (t) => {
  const sessions = t.table<TrackingSession>('sessions', {
    topic: TRACKING_TOPICS.sessions,
    codec: avro<TrackingSession>(trackingSessionSchema),
  });
  const perAthlete = t
    .stream('frames', {
      topic: TRACKING_TOPICS.frames,
      codec: avro<TrackingFrame>(trackingFrameSchema, validFrame),
      timestampOf: (frame) => frame.eventTimeMs,
      maxOutOfOrdernessMs: FRAME_OUT_OF_ORDERNESS_MS,
    })
    .join(sessions, (frame, session) => ({ frame, session }), {
      keyOf: (frame) => frame.sessionId,
      inner: true,
    })
    .flatMap(({ frame, session }) =>
      session === undefined
        ? []
        : frame.athletes
            .filter((detection) => detection.athleteId !== 'ball')
            .map((detection): AthleteFrame => ({
              session,
              frameNumber: frame.frameNumber,
              eventTimeMs: frame.eventTimeMs,
              detection,
            })),
    )
    .selectKey((a) => `${a.session.sessionId}/${a.detection.athleteId}`)
    .process('athlete-kinematics', athleteProcessor);

  const outputs = perAthlete.branch({
    position: (o) => o.kind === 'position',
    split: (o) => o.kind === 'split',
    summary: (o) => o.kind === 'summary',
    minute: (o) => o.kind === 'minute',
    live: (o) => o.kind === 'live',
  });

  outputs.position.to(
    clickhouseSink({
      table: 'tracking_positions',
      toRow: (value) => {
        const o = value as Of<'position'>;
        return {
          session_id: o.sessionId,
          athlete_id: o.athleteId,
          frame_number: o.frameNumber,
          event_time: o.sample.eventTimeMs,
          x_m: o.sample.xM,
          y_m: o.sample.yM,
          speed_mps: o.sample.speedMps,
          acceleration_mps2: o.sample.accelerationMps2,
          distance_m: o.sample.distanceM,
          top_speed_mps: o.sample.topSpeedMps,
        };
      },
    }),
  );

  const splits = outputs.split.map((value): SplitEvent => {
    const o = value as Of<'split'>;
    return { sessionId: o.sessionId, athleteId: o.athleteId, ...o.split, markM: Math.round(o.split.markM) };
  });
  splits.to(
    clickhouseSink({
      table: 'tracking_splits',
      toRow: (s) => ({
        session_id: s.sessionId,
        athlete_id: s.athleteId,
        mark_m: s.markM,
        time_s: s.timeS,
        segment_time_s: s.segmentTimeS,
        segment_speed_mps: s.segmentSpeedMps,
        crossing_time: s.crossingTimeMs,
        is_finish: s.isFinish ? 1 : 0,
      }),
    }),
  );
  // The stats topics are live feeds: sent as soon as a batch is processed, not with the flush.
  splits.to(
    kafkaSink<SplitEvent>({
      topic: TRACKING_TOPICS.splits,
      codec: avro(splitEventSchema),
      delivery: 'eager',
    }),
  );

  outputs.summary.to(
    clickhouseSink({
      table: 'tracking_athlete_summary',
      toRow: (value) => {
        const o = value as Of<'summary'>;
        return {
          session_id: o.sessionId,
          athlete_id: o.athleteId,
          finish_time_s: o.summary.finishTimeS,
          top_speed_mps: o.summary.topSpeedMps,
          top_speed_at_m: o.summary.topSpeedAtM,
          finish_speed_mps: o.summary.finishSpeedMps,
          deceleration_last_20m_mps: o.summary.decelerationLast20mMps,
          stride_count: o.summary.strideCount,
          mean_stride_length_m: o.summary.meanStrideLengthM,
          mean_stride_frequency_hz: o.summary.meanStrideFrequencyHz,
        };
      },
    }),
  );

  outputs.minute.to(
    clickhouseSink({
      table: 'tracking_workload_minutes',
      toRow: (value) => {
        const o = value as Of<'minute'>;
        return {
          session_id: o.sessionId,
          athlete_id: o.athleteId,
          minute_index: o.minute.minuteIndex,
          minute_start: o.minute.minuteStartMs,
          distance_m: o.minute.distanceM,
          high_speed_distance_m: o.minute.highSpeedDistanceM,
          sprint_count: o.minute.sprintCount,
        };
      },
    }),
  );

  outputs.live
    .map((value) => value as LiveUpdate)
    .selectKey((o) => o.sessionId)
    .process('race-standings', standingsProcessor)
    .to(
      kafkaSink<LiveAthleteStats>({
        topic: TRACKING_TOPICS.liveStats,
        codec: avro(liveAthleteStatsSchema),
        delivery: 'eager',
      }),
    );
});
