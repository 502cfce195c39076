/**
 * The raw path of athlete tracking: every detection of every frame, as sent, into
 * `tracking_raw_positions`, with no decoding in the engine (a bulk load: ClickHouse parses the Avro
 * frames and flattens them with ARRAY JOIN). It runs as its own topology and consumer group, so the
 * analysts' raw table keeps up at ClickHouse's own speed whatever the kinematics cost. Frames with a
 * non-finite position make ClickHouse refuse the batch; the engine then finds them with the same
 * validation as the tracking topology and dead-letters them.
 */
import { defineTopology } from '../../engine/topology/builder.ts';
import { avro } from '../../engine/topology/codecs.ts';
import { trackingFrameSchema, type TrackingFrame } from '../../schemas/generated.ts';
import { TRACKING_TOPICS, validFrame } from './topology.ts';

export const trackingRawTopology = defineTopology('tracking-raw', (t) => {
  t.bulkLoad('frames', {
    topic: TRACKING_TOPICS.frames,
    codec: avro<TrackingFrame>(trackingFrameSchema, validFrame),
    table: 'tracking_raw_positions',
    select: `SELECT sessionId, a.athleteId, frameNumber, fromUnixTimestamp64Milli(eventTimeMs), a.xM, a.yM, a.zM, a.confidence
      FROM {input} ARRAY JOIN athletes AS a
      WHERE throwIf(NOT (isFinite(a.xM) AND isFinite(a.yM) AND isFinite(a.zM)), 'a position is not a finite number') = 0`,
  });
});
