/**
 * The tracking pipeline on the local stack, as a broadcaster sees it: `stadion simulate tracking`
 * produces a 100 m final, `stadion run tracking` processes it, and a plain kafkajs consumer with the
 * registry's deserializer receives live stats and every split event, in order per athlete; analysts
 * find the result in ClickHouse.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { createClient } from '@clickhouse/client';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveAthleteStats, SplitEvent } from '../../../schemas/generated.ts';
import { TRACKING_TOPICS } from '../../../processors/tracking/topology.ts';
import { simulateSprint } from '../../../processors/tracking/simulate/index.ts';
import { startEngine, type EngineProcess } from '../../engine/runtime/engine-process.ts';
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
let engine: EngineProcess;

beforeAll(async () => {
  dataDir = await makeDataDir();
  stack = await startStackProcess(dataDir, [
    '--topic',
    `${TRACKING_TOPICS.frames}:4`,
    '--topic',
    `${TRACKING_TOPICS.sessions}:1`,
  ]);
  engine = startEngine({ ...stack.env }, ['--group', 'tracking-test'], 'tracking');
  await waitFor(() => (engine.output().includes('metrics at') ? true : undefined), {
    timeoutMs: 60_000,
    what: 'the engine to start',
  });
});

afterAll(async () => {
  await engine.kill('SIGTERM');
  await stack.stop();
  await removeDataDir(dataDir);
});

describe('the tracking pipeline for a broadcaster', () => {
  it('delivers live stats and every split, in order per athlete, and the result to ClickHouse', async () => {
    const kafka = new Kafka({
      brokers: (stack.env['KAFKA_BROKERS'] ?? '').split(','),
      logLevel: logLevel.NOTHING,
    });
    const registry = new SchemaRegistry({ host: stack.env['SCHEMA_REGISTRY_URL'] ?? '' });
    const consumer = kafka.consumer({ groupId: 'broadcaster', sessionTimeout: 6_000, maxWaitTimeInMs: 200 });
    const splits: SplitEvent[] = [];
    const live: LiveAthleteStats[] = [];
    await consumer.connect();
    await consumer.subscribe({
      topics: [TRACKING_TOPICS.splits, TRACKING_TOPICS.liveStats],
      fromBeginning: true,
    });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (message.value === null) return;
        const value: unknown = await registry.decode(message.value);
        if (topic === TRACKING_TOPICS.splits) splits.push(value as SplitEvent);
        else live.push(value as LiveAthleteStats);
      },
    });

    const simulated = await runStadion([
      'simulate',
      'tracking',
      '--races',
      '1',
      '--seed',
      '5',
      '--data-dir',
      dataDir,
    ]);
    expect(simulated.code).toBe(0);
    // Both topics, each complete: Kafka orders records within a partition, not across topics, so the
    // last split can come before the last live stats (a fetch from the other broker may still wait).
    const liveCounts = (): number[] =>
      [...new Set(splits.map((s) => s.athleteId))].map((a) => live.filter((s) => s.athleteId === a).length);
    await waitFor(() => (splits.length >= 80 && liveCounts().every((n) => n > 50) ? true : undefined), {
      timeoutMs: 90_000,
      what: `80 split events and over 50 live stats per athlete; engine said: ${engine.output().slice(-2000)}`,
    });
    await consumer.disconnect();

    const athletes = [...new Set(splits.map((s) => s.athleteId))];
    expect(athletes).toHaveLength(8);
    for (const athlete of athletes) {
      expect(splits.filter((s) => s.athleteId === athlete).map((s) => s.markM)).toEqual([
        10, 20, 30, 40, 50, 60, 70, 80, 90, 100,
      ]);
      const times = live.filter((s) => s.athleteId === athlete).map((s) => s.eventTimeMs);
      expect(times.length).toBeGreaterThan(50);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    }
    expect(splits.filter((s) => s.isFinish)).toHaveLength(8);

    const clickhouse = createClient({ url: stack.env['CLICKHOUSE_URL'] ?? '' });
    const board = await waitFor(
      async () => {
        const rows = await (
          await clickhouse.query({
            query: 'SELECT place, athlete_id, finish_time_s FROM tracking_leaderboard ORDER BY place',
            format: 'JSONEachRow',
          })
        ).json<{ place: string; athlete_id: string; finish_time_s: number }>();
        return rows.length === 8 ? rows : undefined;
      },
      { timeoutMs: 30_000, what: 'the leaderboard' },
    );
    await clickhouse.close();
    expect(board.map((r) => Number(r.place))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const row of board) expect(row.finish_time_s).toBeGreaterThan(9);
  });

  it('ingests recorded JSON lines, reporting and dead-lettering the invalid ones by line number', async () => {
    const race = simulateSprint({ seed: 9, sessionId: 'recorded-heat', withKeypoints: false });
    const frames = race.framesInOrder.slice(0, 40).map((f) => JSON.stringify(f));
    frames.splice(2, 0, '{"sessionId": "recorded-heat", "frameNumber": ');
    frames.splice(5, 0, JSON.stringify({ sessionId: 'recorded-heat', frameNumber: 3, athletes: [] }));
    const framesFile = join(dataDir, 'frames.jsonl');
    const sessionsFile = join(dataDir, 'sessions.jsonl');
    await writeFile(framesFile, `${frames.join('\n')}\n`);
    await writeFile(sessionsFile, `${JSON.stringify(race.session)}\n`);
    const kafka = new Kafka({
      brokers: (stack.env['KAFKA_BROKERS'] ?? '').split(','),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    const count = async (topic: string): Promise<number> =>
      (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    const before = await count(TRACKING_TOPICS.frames);

    const result = await runStadion([
      'ingest',
      'tracking',
      '--file',
      framesFile,
      '--sessions',
      sessionsFile,
      '--data-dir',
      dataDir,
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`${framesFile}:3: not JSON`);
    expect(result.stderr).toContain(`${framesFile}:6: does not match the schema: eventTimeMs = missing`);
    expect(result.stdout).toContain(`ingested 1 records from ${sessionsFile} to tracking.sessions`);
    expect(result.stdout).toContain(`40 records from ${framesFile} to tracking.frames; 2 invalid lines`);
    expect((await count(TRACKING_TOPICS.frames)) - before).toBe(40);
    expect(await count('tracking.ingest.dead-letters')).toBe(2);
    await admin.disconnect();
  });
});
