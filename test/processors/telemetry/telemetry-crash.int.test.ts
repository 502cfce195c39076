/**
 * The telemetry topology killed with SIGKILL twice mid-stream and restarted ends with exactly the
 * ClickHouse rows of an uninterrupted run: windows, alerts, incidents, and the rollup behind the views.
 */
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TELEMETRY_TOPICS } from '../../../processors/telemetry/topology.ts';
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
let samples = 0;

const QUERIES: Readonly<Record<string, string>> = {
  windows10s: 'SELECT * FROM {db}.telemetry_windows_10s ORDER BY feed_id, broadcaster_id, window_start',
  windows1m: 'SELECT * FROM {db}.telemetry_windows_1m ORDER BY feed_id, broadcaster_id, window_start',
  alerts: 'SELECT * FROM {db}.telemetry_alerts ORDER BY alert_id, kind',
  incidents: 'SELECT * FROM {db}.telemetry_incidents ORDER BY incident_id',
  members: 'SELECT * FROM {db}.telemetry_incident_members ORDER BY incident_id, alert_id',
  samples: 'SELECT count(), sum(packets_lost), round(sum(rtt_ms), 3) FROM {db}.telemetry_samples',
  rollup: `SELECT feed_id, broadcaster_id, hour, sum(windows), sum(windows_in_alert), sum(samples), minMerge(bitrate_min_kbps),
      maxMerge(rtt_max_ms) FROM {db}.telemetry_rollup_1h GROUP BY feed_id, broadcaster_id, hour ORDER BY feed_id, broadcaster_id, hour`,
};

async function rows(database: string): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const [name, query] of Object.entries(QUERIES)) {
    const rs = await clickhouse.query({
      query: query.replaceAll('{db}', database),
      format: 'JSONCompactEachRow',
    });
    result[name] = (await rs.json<unknown[]>()).map((r) => JSON.stringify(r));
  }
  return result;
}

beforeAll(async () => {
  dataDir = await makeDataDir();
  stack = await startStackProcess(dataDir, [
    '--topic',
    `${TELEMETRY_TOPICS.samples}:1`,
    '--topic',
    `${TELEMETRY_TOPICS.feeds}:1`,
    '--topic',
    `${TELEMETRY_TOPICS.alerts}:1`,
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
    'telemetry',
    '--feeds',
    '40',
    '--broadcasters',
    '8',
    '--pops',
    '3',
    '--duration',
    '480',
    '--seed',
    '23',
    '--data-dir',
    dataDir,
  ]);
  expect(produced.code, produced.stderr).toBe(0);
  samples = (await admin.fetchTopicOffsets(TELEMETRY_TOPICS.samples)).reduce((n, p) => n + Number(p.high), 0);
});

afterAll(async () => {
  await admin.disconnect();
  await clickhouse.close();
  await stack.stop();
  await removeDataDir(dataDir);
});

describe('the telemetry topology after SIGKILL mid-stream', () => {
  it('writes exactly the rows of an uninterrupted run', async () => {
    const env = (database: string) => ({ ...stack.env, CLICKHOUSE_DATABASE: database });
    const reference = startEngine(env('uninterrupted'), ['--group', 'uninterrupted'], 'telemetry');
    await waitForCompletion(admin, 'uninterrupted', 120_000, reference, TELEMETRY_TOPICS.samples);
    expect(await reference.kill('SIGTERM')).toBe(0);
    const expected = await rows('uninterrupted');
    expect(expected['alerts']?.length).toBeGreaterThan(100);
    expect(expected['incidents']?.length).toBe(3);

    for (const fraction of [0.3, 0.65]) {
      const engine = startEngine(env('crashed'), ['--group', 'crashed'], 'telemetry');
      await waitFor(
        async () =>
          (await committedCount(admin, 'crashed', TELEMETRY_TOPICS.samples)) >= samples * fraction
            ? true
            : undefined,
        {
          timeoutMs: 120_000,
          intervalMs: 20,
          what: `${Math.round(fraction * 100)}% of the samples committed`,
        },
      );
      await engine.kill('SIGKILL');
    }
    const last = startEngine(env('crashed'), ['--group', 'crashed'], 'telemetry');
    await waitForCompletion(admin, 'crashed', 120_000, last, TELEMETRY_TOPICS.samples);
    await last.kill('SIGTERM');
    const actual = await rows('crashed');
    for (const name of Object.keys(QUERIES)) expect(actual[name], name).toEqual(expected[name]);
  });
});
