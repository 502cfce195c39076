/**
 * The tracking topology killed with SIGKILL twice mid-race and restarted ends with exactly the
 * ClickHouse rows of an uninterrupted run: positions with their kinematics, splits and summaries.
 */
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRACKING_TOPICS } from '../../../processors/tracking/topology.ts';
import { committedCount, startEngine, waitForCompletion } from '../../engine/runtime/engine-process.ts';
import {
  makeDataDir,
  removeDataDir,
  runStadion,
  startStackProcess,
  type StackProcess,
} from '../../support/stack-process.ts';
import { waitFor } from '../../support/wait.ts';

let dataDir: string;
let stack: StackProcess;
let admin: Admin;
let clickhouse: ClickHouseClient;
let frames = 0;

async function rows(database: string): Promise<{ positions: string[]; splits: string[]; summary: string[] }> {
  const read = async (query: string): Promise<string[]> =>
    (await (await clickhouse.query({ query, format: 'JSONCompactEachRow' })).json<unknown[]>()).map((r) =>
      JSON.stringify(r),
    );
  return {
    positions: await read(
      `SELECT * FROM ${database}.tracking_positions ORDER BY session_id, athlete_id, event_time`,
    ),
    splits: await read(`SELECT * FROM ${database}.tracking_splits ORDER BY session_id, athlete_id, mark_m`),
    summary: await read(`SELECT * FROM ${database}.tracking_athlete_summary ORDER BY session_id, athlete_id`),
  };
}

beforeAll(async () => {
  dataDir = await makeDataDir();
  stack = await startStackProcess(dataDir, [
    '--topic',
    `${TRACKING_TOPICS.frames}:4`,
    '--topic',
    `${TRACKING_TOPICS.sessions}:1`,
  ]);
  const kafka = new Kafka({
    brokers: (stack.env['KAFKA_BROKERS'] ?? '').split(','),
    logLevel: logLevel.NOTHING,
  });
  admin = kafka.admin();
  await admin.connect();
  clickhouse = createClient({ url: stack.env['CLICKHOUSE_URL'] ?? '' });
  for (const db of ['uninterrupted', 'crashed'])
    await clickhouse.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
  const produced = await runStadion([
    'simulate',
    'tracking',
    '--races',
    '4',
    '--seed',
    '21',
    '--data-dir',
    dataDir,
  ]);
  expect(produced.code).toBe(0);
  frames = (await admin.fetchTopicOffsets(TRACKING_TOPICS.frames)).reduce((n, p) => n + Number(p.high), 0);
});

afterAll(async () => {
  await admin.disconnect();
  await clickhouse.close();
  await stack.stop();
  await removeDataDir(dataDir);
});

describe('the tracking topology after SIGKILL mid-race', () => {
  it('writes exactly the rows of an uninterrupted run', async () => {
    const env = (database: string) => ({ ...stack.env, CLICKHOUSE_DATABASE: database });
    const reference = startEngine(env('uninterrupted'), ['--group', 'uninterrupted'], 'tracking');
    await waitForCompletion(admin, 'uninterrupted', 120_000, reference, TRACKING_TOPICS.frames);
    expect(await reference.kill('SIGTERM')).toBe(0);
    const expected = await rows('uninterrupted');
    expect(expected.splits.length).toBe(4 * 8 * 10);

    for (const fraction of [0.3, 0.65]) {
      const engine = startEngine(env('crashed'), ['--group', 'crashed'], 'tracking');
      await waitFor(
        async () =>
          (await committedCount(admin, 'crashed', TRACKING_TOPICS.frames)) >= frames * fraction
            ? true
            : undefined,
        {
          timeoutMs: 120_000,
          intervalMs: 20,
          what: `${Math.round(fraction * 100)}% of the frames committed`,
        },
      );
      await engine.kill('SIGKILL');
    }
    const last = startEngine(env('crashed'), ['--group', 'crashed'], 'tracking');
    await waitForCompletion(admin, 'crashed', 120_000, last, TRACKING_TOPICS.frames);
    await last.kill('SIGTERM');
    expect(await rows('crashed')).toEqual(expected);
  });
});
