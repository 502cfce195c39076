/**
 * Produces tracking sessions and frames to Kafka in the Confluent Avro wire format, the way a camera
 * system's gateway would: sessions first (keyed by session id), then frames in arrival order, either as
 * fast as possible or paced to their event times (real time).
 */
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import avsc from 'avsc';
import type { Producer } from 'kafkajs';
import { encodeConfluent } from '../../engine/serde/wire-format.ts';
import type { AvroSchemaDefinition } from '../../engine/topology/codecs.ts';
import {
  trackingFrameSchema,
  trackingSessionSchema,
  type TrackingFrame,
  type TrackingSession,
} from '../../schemas/generated.ts';
import { TRACKING_TOPICS } from './topology.ts';

export type ProduceRate = 'max' | 'realtime';

async function encoderFor(
  registry: SchemaRegistry,
  topic: string,
  schema: AvroSchemaDefinition,
): Promise<(value: unknown) => Buffer> {
  const { id } = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
    { subject: `${topic}-value` },
  );
  const type = avsc.Type.forSchema(schema);
  return (value) => encodeConfluent(id, type, value);
}

export async function produceSessions(
  producer: Producer,
  registry: SchemaRegistry,
  sessions: readonly TrackingSession[],
): Promise<void> {
  const encode = await encoderFor(registry, TRACKING_TOPICS.sessions, trackingSessionSchema);
  await producer.send({
    topic: TRACKING_TOPICS.sessions,
    acks: -1,
    messages: sessions.map((s) => ({ key: s.sessionId, value: encode(s) })),
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
  const encode = await encoderFor(registry, TRACKING_TOPICS.frames, trackingFrameSchema);
  const chunk = rate === 'max' ? 500 : 1;
  const startWallMs = Date.now();
  const firstEventMs = frames[0]?.eventTimeMs ?? 0;
  for (let i = 0; i < frames.length; i += chunk) {
    const batch = frames.slice(i, i + chunk);
    if (rate === 'realtime') {
      const dueMs = startWallMs + ((batch[0]?.eventTimeMs ?? firstEventMs) - firstEventMs);
      const waitMs = dueMs - Date.now();
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
    await producer.send({
      topic: TRACKING_TOPICS.frames,
      acks: -1,
      messages: batch.map((f) => ({ key: f.sessionId, value: encode(f), timestamp: String(f.eventTimeMs) })),
    });
    onProgress?.(Math.min(frames.length, i + chunk));
  }
}
