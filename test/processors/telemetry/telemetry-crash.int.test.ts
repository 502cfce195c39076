/**
 * The telemetry and telemetry-incidents topologies (one process, samples in 4 partitions) killed with
 * SIGKILL twice mid-stream and restarted end with exactly the ClickHouse rows of an uninterrupted run:
 * windows, alerts, incidents, and the rollup behind the views.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TELEMETRY_TOPICS } from '../../../processors/telemetry/topology.ts';
import { startEngine, waitForCompletion } from '../../engine/runtime/engine-process.ts';
import {
  crashAndFinish,
  readTables,
  startPipelineStack,
  type PipelineStack,
} from '../../support/pipeline-stack.ts';
import { runStadion } from '../../support/stack-process.ts';
import { incidentsDecided } from './incidents-decided.ts';

let pipeline: PipelineStack;
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

const rows = (database: string): Promise<Record<string, string[]>> =>
  readTables(pipeline.clickhouse, database, QUERIES);

beforeAll(async () => {
  pipeline = await startPipelineStack(
    [`${TELEMETRY_TOPICS.samples}:4`, `${TELEMETRY_TOPICS.feeds}:1`, `${TELEMETRY_TOPICS.alerts}:1`],
    ['uninterrupted', 'crashed'],
  );
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
    pipeline.dataDir,
  ]);
  expect(produced.code, produced.stderr).toBe(0);
  samples = (await pipeline.admin.fetchTopicOffsets(TELEMETRY_TOPICS.samples)).reduce(
    (n, p) => n + Number(p.high),
    0,
  );
});

afterAll(async () => {
  await pipeline.stop();
});

describe('the telemetry topology after SIGKILL mid-stream', () => {
  it('writes exactly the rows of an uninterrupted run', async () => {
    const reference = startEngine(
      pipeline.env('uninterrupted'),
      ['--group-prefix', 'uninterrupted'],
      ['telemetry', 'telemetry-incidents'],
    );
    await waitForCompletion(
      pipeline.admin,
      'uninterrupted-telemetry',
      120_000,
      reference,
      TELEMETRY_TOPICS.samples,
    );
    await incidentsDecided(pipeline.admin, 'uninterrupted', reference);
    expect(await reference.kill('SIGTERM')).toBe(0);
    const expected = await rows('uninterrupted');
    expect(expected['alerts']?.length).toBeGreaterThan(100);
    expect(expected['incidents']?.length).toBe(3);

    await crashAndFinish(pipeline, {
      topology: 'telemetry',
      alongside: ['telemetry-incidents'],
      topic: TELEMETRY_TOPICS.samples,
      total: samples,
      what: 'samples',
      finished: (engine) => incidentsDecided(pipeline.admin, 'crashed', engine),
    });
    const actual = await rows('crashed');
    for (const name of Object.keys(QUERIES)) expect(actual[name], name).toEqual(expected[name]);
  });
});
