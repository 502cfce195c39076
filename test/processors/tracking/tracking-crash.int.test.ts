/**
 * The tracking topology killed with SIGKILL twice mid-race and restarted ends with exactly the
 * ClickHouse rows of an uninterrupted run: positions with their kinematics, splits and summaries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRACKING_TOPICS } from '../../../processors/tracking/topology.ts';
import { startEngine, waitForCompletion } from '../../engine/runtime/engine-process.ts';
import {
  crashAndFinish,
  readTables,
  startPipelineStack,
  type PipelineStack,
} from '../../support/pipeline-stack.ts';
import { runStadion } from '../../support/stack-process.ts';

let pipeline: PipelineStack;
let frames = 0;

const QUERIES = {
  positions: 'SELECT * FROM {db}.tracking_positions ORDER BY session_id, athlete_id, event_time',
  splits: 'SELECT * FROM {db}.tracking_splits ORDER BY session_id, athlete_id, mark_m',
  summary: 'SELECT * FROM {db}.tracking_athlete_summary ORDER BY session_id, athlete_id',
} as const;

const rows = (database: string): Promise<{ positions: string[]; splits: string[]; summary: string[] }> =>
  readTables(pipeline.clickhouse, database, QUERIES);

beforeAll(async () => {
  pipeline = await startPipelineStack(
    [`${TRACKING_TOPICS.frames}:4`, `${TRACKING_TOPICS.sessions}:1`],
    ['uninterrupted', 'crashed'],
  );
  const produced = await runStadion([
    'simulate',
    'tracking',
    '--races',
    '4',
    '--seed',
    '21',
    '--data-dir',
    pipeline.dataDir,
  ]);
  expect(produced.code).toBe(0);
  frames = (await pipeline.admin.fetchTopicOffsets(TRACKING_TOPICS.frames)).reduce(
    (n, p) => n + Number(p.high),
    0,
  );
});

afterAll(async () => {
  await pipeline.stop();
});

describe('the tracking topology after SIGKILL mid-race', () => {
  it('writes exactly the rows of an uninterrupted run', async () => {
    const reference = startEngine(pipeline.env('uninterrupted'), ['--group', 'uninterrupted'], 'tracking');
    await waitForCompletion(pipeline.admin, 'uninterrupted', 120_000, reference, TRACKING_TOPICS.frames);
    expect(await reference.kill('SIGTERM')).toBe(0);
    const expected = await rows('uninterrupted');
    expect(expected.splits.length).toBe(4 * 8 * 10);

    await crashAndFinish(pipeline, {
      topology: 'tracking',
      topic: TRACKING_TOPICS.frames,
      total: frames,
      what: 'frames',
    });
    expect(await rows('crashed')).toEqual(expected);
  });
});
