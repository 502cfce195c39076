/** Producing tracking sessions and frames (sessions keyed by id; frames keyed by session, in arrival order). */
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Producer } from 'kafkajs';
import {
  trackingFrameSchema,
  trackingSessionSchema,
  type TrackingFrame,
  type TrackingSession,
} from '../../schemas/generated.ts';
import { produceRecords, type ProduceRate } from '../shared/produce.ts';
import { TRACKING_TOPICS } from './topology.ts';

export type { ProduceRate } from '../shared/produce.ts';

export async function produceSessions(
  producer: Producer,
  registry: SchemaRegistry,
  sessions: readonly TrackingSession[],
): Promise<void> {
  await produceRecords(producer, registry, sessions, {
    topic: TRACKING_TOPICS.sessions,
    schema: trackingSessionSchema,
    keyOf: (s) => s.sessionId,
  });
}

/** Sends frames in the order given; `realtime` waits until each frame's event time (shifted to now). */
export async function produceFrames(
  producer: Producer,
  registry: SchemaRegistry,
  frames: readonly TrackingFrame[],
  rate: ProduceRate,
  onProgress?: (sent: number) => void,
): Promise<void> {
  await produceRecords(producer, registry, frames, {
    topic: TRACKING_TOPICS.frames,
    schema: trackingFrameSchema,
    keyOf: (f) => f.sessionId,
    timestampOf: (f) => f.eventTimeMs,
    rate,
    ...(onProgress === undefined ? {} : { onProgress }),
  });
}
