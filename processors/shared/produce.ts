/**
 * Producing a feed's records to Kafka in the Confluent Avro wire format, the way a gateway would:
 * the schema registered under `<topic>-value`, records keyed, in the order given, either as fast as
 * possible (in chunks) or paced to their event times (real time, shifted to now).
 */
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import avsc from 'avsc';
import type { Producer } from 'kafkajs';
import { encodeConfluent } from '../../engine/serde/wire-format.ts';
import type { AvroSchemaDefinition } from '../../engine/topology/codecs.ts';

export type ProduceRate = 'max' | 'realtime';

/** Records per send when producing as fast as possible. */
export const PRODUCE_CHUNK_RECORDS = 500;

/** Registers `schema` under `<topic>-value` and returns an encoder to the Confluent wire format. */
export async function avroEncoder(
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

export interface ProduceOptions<T> {
  readonly topic: string;
  readonly schema: AvroSchemaDefinition;
  readonly keyOf: (record: T) => string;
  /** Event time in ms: the Kafka timestamp, and the pace in `realtime`. */
  readonly timestampOf?: (record: T) => number;
  /** @default 'max' */
  readonly rate?: ProduceRate;
  readonly onProgress?: (sent: number) => void;
}

/** Sends records in the order given; `realtime` waits until each record's event time (shifted to now). */
export async function produceRecords<T>(
  producer: Producer,
  registry: SchemaRegistry,
  records: readonly T[],
  options: ProduceOptions<T>,
): Promise<void> {
  const { topic, keyOf, timestampOf } = options;
  const rate = options.rate ?? 'max';
  if (rate === 'realtime' && timestampOf === undefined)
    throw new Error(`produceRecords: realtime pacing on ${topic} needs timestampOf`);
  const encode = await avroEncoder(registry, topic, options.schema);
  const startWallMs = Date.now();
  const first = records[0];
  const firstEventMs = first === undefined || timestampOf === undefined ? 0 : timestampOf(first);
  const dueMs = (record: T): number =>
    timestampOf === undefined ? 0 : startWallMs + (timestampOf(record) - firstEventMs);
  for (let i = 0; i < records.length;) {
    let end = Math.min(records.length, i + PRODUCE_CHUNK_RECORDS);
    if (rate === 'realtime') {
      // Wait for the next record's time, then send everything due by now in one request, so the
      // pace holds however many feeds run at once.
      const head = records[i];
      const waitMs = head === undefined ? 0 : dueMs(head) - Date.now();
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      const now = Date.now();
      end = i + 1;
      while (end < records.length && end - i < PRODUCE_CHUNK_RECORDS) {
        const next = records[end];
        if (next === undefined || dueMs(next) > now) break;
        end += 1;
      }
    }
    const batch = records.slice(i, end);
    await producer.send({
      topic,
      acks: -1,
      messages: batch.map((record) => ({
        key: keyOf(record),
        value: encode(record),
        ...(timestampOf === undefined ? {} : { timestamp: String(timestampOf(record)) }),
      })),
    });
    i = end;
    options.onProgress?.(i);
  }
}
