/**
 * The raw path (a bulk load: ClickHouse parses the Avro frames) on the real local stack: every
 * detection of every valid frame lands exactly once, also after a SIGKILL mid-stream; a garbage
 * message, an unknown schema id and a frame with a non-finite position are dead-lettered with their
 * codes while the rest of their batch still lands.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchemaRegistry } from '../../../engine/clients/registry.ts';
import { DEAD_LETTER_HEADERS } from '../../../engine/serde/dead-letter.ts';
import { avroEncoder } from '../../../processors/shared/produce.ts';
import { produceFrames, produceSessions } from '../../../processors/tracking/produce.ts';
import { simulateSprint } from '../../../processors/tracking/simulate/index.ts';
import { TRACKING_TOPICS } from '../../../processors/tracking/topology.ts';
import { trackingFrameSchema } from '../../../schemas/generated.ts';
import { committedCount, startEngine, waitForCompletion } from '../../engine/runtime/engine-process.ts';
import { startPipelineStack, type PipelineStack } from '../../support/pipeline-stack.ts';
import { waitFor } from '../../support/wait.ts';

let pipeline: PipelineStack;
let detections = 0;
let frames = 0;

beforeAll(async () => {
  pipeline = await startPipelineStack([`${TRACKING_TOPICS.frames}:4`, `${TRACKING_TOPICS.sessions}:1`]);
  const registry = createSchemaRegistry({ url: pipeline.stack.env['SCHEMA_REGISTRY_URL'] ?? '' });
  const producer = pipeline.kafka.producer();
  await producer.connect();
  const sims = [3, 4, 5].map((seed) =>
    simulateSprint({ seed, sessionId: `raw-${seed}`, startSignalMs: Date.UTC(2026, 7, 1, 19, seed) }),
  );
  await produceSessions(
    producer,
    registry,
    sims.map((s) => s.session),
  );
  const all = sims.flatMap((s) => s.frames);
  const half = Math.floor(all.length / 2);
  await produceFrames(producer, registry, all.slice(0, half), 'max');
  // Three bad records in the middle of partition 0, between good ones.
  const encode = await avroEncoder(registry, TRACKING_TOPICS.frames, trackingFrameSchema);
  const good = all[0];
  if (good === undefined) throw new Error('no frames simulated');
  const nanFrame = encode({
    ...good,
    frameNumber: 999_999,
    athletes: good.athletes.map((a, i) => (i === 0 ? { ...a, xM: Number.NaN } : a)),
  });
  const unknownId = Buffer.from(nanFrame);
  unknownId.writeInt32BE(987_654, 1);
  await producer.send({
    topic: TRACKING_TOPICS.frames,
    acks: -1,
    messages: [
      { key: 'bad', value: Buffer.from('not avro at all'), partition: 0 },
      { key: 'bad', value: unknownId, partition: 0 },
      { key: 'bad', value: nanFrame, partition: 0 },
    ],
  });
  await produceFrames(producer, registry, all.slice(half), 'max');
  await producer.disconnect();
  frames = all.length;
  detections = all.reduce((n, f) => n + f.athletes.length, 0);
  // A plain MergeTree (the engine's DDL is IF NOT EXISTS): duplicated frames stay, so count() shows
  // any row written twice.
  await pipeline.clickhouse.command({ query: 'CREATE DATABASE IF NOT EXISTS raw' });
  await pipeline.clickhouse.command({
    query: `CREATE TABLE raw.tracking_raw_positions (session_id String, athlete_id String, frame_number UInt64,
      event_time DateTime64(3), x_m Float64, y_m Float64, z_m Float64, confidence Float32)
      ENGINE = MergeTree ORDER BY (session_id, athlete_id, frame_number)
      SETTINGS non_replicated_deduplication_window = 10000`,
  });
});

afterAll(async () => {
  await pipeline.stop();
});

describe('tracking-raw: frames to tracking_raw_positions in bulk', () => {
  it('lands every detection once through a SIGKILL, and dead-letters the bad records', async () => {
    const env = pipeline.env('raw');
    const args = ['--group', 'raw', '--flush-max-records', '500'];
    const first = startEngine(env, args, 'tracking-raw');
    await waitFor(
      async () =>
        (await committedCount(pipeline.admin, 'raw', TRACKING_TOPICS.frames)) >= frames * 0.4
          ? true
          : undefined,
      { timeoutMs: 120_000, intervalMs: 20, what: '40% of the frames committed' },
    );
    await first.kill('SIGKILL');
    const second = startEngine(env, args, 'tracking-raw');
    await waitForCompletion(pipeline.admin, 'raw', 120_000, second, TRACKING_TOPICS.frames);
    expect(await second.kill('SIGTERM')).toBe(0);

    const [counts] = await (
      await pipeline.clickhouse.query({
        query: `SELECT count() AS rows, countIf(NOT isFinite(x_m)) AS nonFinite, uniqExact(session_id) AS sessions
          FROM raw.tracking_raw_positions`,
        format: 'JSONEachRow',
      })
    ).json<{ rows: string; nonFinite: string; sessions: string }>();
    expect(Number(counts?.rows)).toBe(detections);
    expect(Number(counts?.nonFinite)).toBe(0);
    expect(Number(counts?.sessions)).toBe(3);

    // Dead letters are at least once: a replay after the SIGKILL may send one again.
    const codes = new Set<string>();
    const consumer = pipeline.kafka.consumer({ groupId: 'raw-dead-letters' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'tracking-raw.dead-letters', fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        codes.add(message.headers?.[DEAD_LETTER_HEADERS.code]?.toString() ?? '?');
        return Promise.resolve();
      },
    });
    await waitFor(() => (codes.size >= 3 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'three dead-letter codes',
    });
    await consumer.disconnect();
    expect([...codes].sort()).toEqual(['UNDECODABLE', 'UNKNOWN_SCHEMA_ID', 'VALIDATION_FAILED']);
  });
});
