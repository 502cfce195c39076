/**
 * The round trip `npm start` runs until the pipelines exist: register an Avro schema, produce records
 * in the Confluent wire format, consume them in a consumer group, write them to ClickHouse with a
 * deduplication token, and read them back. Every hop goes through the same clients the engine uses.
 */
import { randomUUID } from 'node:crypto';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import type { StadionConfig } from '../engine/config/config.ts';
import { createClickHouse } from '../engine/clients/clickhouse.ts';
import { createKafka } from '../engine/clients/kafka.ts';
import { createSchemaRegistry } from '../engine/clients/registry.ts';
import { ensureTopics } from '../engine/clients/topics.ts';
import { StadionError } from '../engine/errors.ts';
import type { Logger } from '../engine/log.ts';

export const ROUNDTRIP_TOPIC = 'stadion.roundtrip';
export const ROUNDTRIP_TABLE = 'stadion_roundtrip';

const ROUNDTRIP_SCHEMA = {
  type: 'record',
  name: 'RoundTripReading',
  namespace: 'io.stadion.demo',
  doc: 'A synthetic reading that travels Kafka -> consumer -> ClickHouse to prove the stack works.',
  fields: [
    { name: 'runId', type: 'string', doc: 'The round trip this reading belongs to.' },
    { name: 'sequence', type: 'int', doc: 'Position of the reading within its run, from 0.' },
    { name: 'sensorId', type: 'string', doc: 'Which synthetic sensor produced it.' },
    { name: 'eventTimeMs', type: 'long', doc: 'Event time, milliseconds since the Unix epoch.' },
    { name: 'speedMps', type: 'double', doc: 'A speed in metres per second.' },
  ],
} as const;

interface RoundTripReading {
  runId: string;
  sequence: number;
  sensorId: string;
  eventTimeMs: number;
  speedMps: number;
}

export interface RoundTripResult {
  runId: string;
  schemaId: number;
  produced: number;
  consumed: number;
  inserted: number;
  rowsInClickHouse: number;
  meanSpeedMps: number;
  timingsMs: { produce: number; consume: number; insert: number; query: number };
}

export interface RoundTripOptions {
  /** @default 1000 */
  records?: number;
  /** How long consuming may take. @default 60 s */
  consumeTimeoutMs?: number;
  logger: Logger;
}

export async function runRoundTrip(
  config: StadionConfig,
  options: RoundTripOptions,
): Promise<RoundTripResult> {
  const count = options.records ?? 1000;
  const runId = randomUUID();
  const logger = options.logger.child({ component: 'roundtrip', runId });
  const kafka = createKafka(config.kafka, { logger });
  const registry = createSchemaRegistry(config.schemaRegistry);
  const clickhouse = createClickHouse(config.clickhouse);
  const timings = { produce: 0, consume: 0, insert: 0, query: 0 };
  try {
    await ensureTopics(kafka, config.kafka, [{ name: ROUNDTRIP_TOPIC, partitions: 3 }]);
    const { id: schemaId } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(ROUNDTRIP_SCHEMA) },
      { subject: `${ROUNDTRIP_TOPIC}-value` },
    );

    let started = performance.now();
    const producer = kafka.producer();
    await producer.connect();
    try {
      const messages = [];
      for (let sequence = 0; sequence < count; sequence += 1) {
        const reading: RoundTripReading = {
          runId,
          sequence,
          sensorId: `sensor-${sequence % 7}`,
          eventTimeMs: Date.now(),
          speedMps: 5 + (sequence % 50) / 10,
        };
        messages.push({ key: reading.sensorId, value: await registry.encode(schemaId, reading) });
      }
      await producer.send({ topic: ROUNDTRIP_TOPIC, acks: -1, messages });
    } finally {
      await producer.disconnect();
    }
    timings.produce = performance.now() - started;

    started = performance.now();
    const received = new Map<number, RoundTripReading>();
    const consumer = kafka.consumer({ groupId: `stadion-roundtrip-${runId}`, sessionTimeout: 10_000 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: ROUNDTRIP_TOPIC, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const deadline = setTimeout(() => {
          reject(
            new StadionError(
              'SERVICE_UNREACHABLE',
              `consumed ${received.size} of ${count} records within ${options.consumeTimeoutMs ?? 60_000} ms`,
            ),
          );
        }, options.consumeTimeoutMs ?? 60_000);
        consumer
          .run({
            eachMessage: async ({ message }) => {
              if (message.value === null) return;
              const reading = (await registry.decode(message.value)) as RoundTripReading;
              if (reading.runId !== runId) return; // an earlier run's records
              received.set(reading.sequence, reading);
              if (received.size === count) {
                clearTimeout(deadline);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    timings.consume = performance.now() - started;

    started = performance.now();
    await clickhouse.command({
      query: `CREATE TABLE IF NOT EXISTS ${ROUNDTRIP_TABLE} (
        run_id String, sequence UInt32, sensor_id LowCardinality(String),
        event_time DateTime64(3), speed_mps Float64
      ) ENGINE = MergeTree ORDER BY (run_id, sequence)
      SETTINGS non_replicated_deduplication_window = 1000`,
    });
    const rows = [...received.values()].map((r) => ({
      run_id: r.runId,
      sequence: r.sequence,
      sensor_id: r.sensorId,
      event_time: r.eventTimeMs,
      speed_mps: r.speedMps,
    }));
    // Inserted twice with the same token, as a replay after a crash would: ClickHouse keeps one copy.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await clickhouse.insert({
        table: ROUNDTRIP_TABLE,
        values: rows,
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: `roundtrip-${runId}` },
      });
    }
    timings.insert = performance.now() - started;

    started = performance.now();
    const result = await clickhouse.query({
      query: `SELECT count() AS rows, avg(speed_mps) AS mean FROM ${ROUNDTRIP_TABLE} WHERE run_id = {runId:String}`,
      query_params: { runId },
      format: 'JSONEachRow',
    });
    const [summary] = await result.json<{ rows: string | number; mean: number }>();
    timings.query = performance.now() - started;

    return {
      runId,
      schemaId,
      produced: count,
      consumed: received.size,
      inserted: rows.length,
      rowsInClickHouse: Number(summary?.rows ?? 0),
      meanSpeedMps: summary?.mean ?? Number.NaN,
      timingsMs: {
        produce: Math.round(timings.produce),
        consume: Math.round(timings.consume),
        insert: Math.round(timings.insert),
        query: Math.round(timings.query),
      },
    };
  } finally {
    await clickhouse.close();
  }
}
