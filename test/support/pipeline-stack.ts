/**
 * The set-up shared by the pipelines' integration tests: a `stadion up` process with the pipeline's
 * topics, a kafkajs admin and a ClickHouse client on it, and the databases the test writes into; plus
 * the crash run (an engine killed with SIGKILL mid-stream, restarted, run to the end) and the reading of
 * result tables as comparable rows.
 */
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import {
  committedCount,
  startEngine,
  waitForCompletion,
  type EngineProcess,
} from '../engine/runtime/engine-process.ts';
import { makeDataDir, removeDataDir, startStackProcess, type StackProcess } from './stack-process.ts';
import { waitFor } from './wait.ts';

/** The fractions of the input committed at which {@link crashAndFinish} kills the engine. */
export const DEFAULT_CRASH_FRACTIONS: readonly number[] = [0.3, 0.65];

/** How long each step of {@link crashAndFinish} may take. */
export const CRASH_STEP_TIMEOUT_MS = 120_000;

/** A running local stack with clients on it, as {@link startPipelineStack} returns it. */
export interface PipelineStack {
  readonly dataDir: string;
  readonly stack: StackProcess;
  readonly kafka: Kafka;
  /** Connected. */
  readonly admin: Admin;
  readonly clickhouse: ClickHouseClient;
  /** The stack's environment with `CLICKHOUSE_DATABASE` set to `database`, for `startEngine`. */
  env(database: string): Record<string, string>;
  /** Disconnects the clients, stops the stack and removes the data directory. */
  stop(): Promise<void>;
}

/**
 * Starts `stadion up` on a fresh data directory with the given topics created, connects a kafkajs
 * admin and a ClickHouse client, and creates the given databases.
 *
 * @param topics `name:partitions` for each topic, as `stadion up --topic` takes them.
 * @param databases ClickHouse databases to create (`IF NOT EXISTS`).
 */
export async function startPipelineStack(
  topics: readonly string[],
  databases: readonly string[] = [],
): Promise<PipelineStack> {
  const dataDir = await makeDataDir();
  const stack = await startStackProcess(
    dataDir,
    topics.flatMap((topic) => ['--topic', topic]),
  );
  const kafka = new Kafka({
    brokers: (stack.env['KAFKA_BROKERS'] ?? '').split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const clickhouse = createClient({ url: stack.env['CLICKHOUSE_URL'] ?? '' });
  for (const db of databases) await clickhouse.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
  return {
    dataDir,
    stack,
    kafka,
    admin,
    clickhouse,
    env: (database) => ({ ...stack.env, CLICKHOUSE_DATABASE: database }),
    stop: async () => {
      await admin.disconnect();
      await clickhouse.close();
      await stack.stop();
      await removeDataDir(dataDir);
    },
  };
}

/** What {@link crashAndFinish} runs and where. */
export interface CrashRun {
  /** The topology `stadion run` runs, whose progress on `topic` is measured. */
  readonly topology: string;
  /**
   * Also run by the same process (killed with it), under `--group-prefix <group>`: the topology's
   * group is then `<group>-<topology>`. @default none: `--group <group>`
   */
  readonly alongside?: readonly string[];
  /** The input topic whose committed offsets measure progress. */
  readonly topic: string;
  /** Records on `topic` in all. */
  readonly total: number;
  /** What the records are called, for the wait's message (`frames`, `samples`). */
  readonly what: string;
  /** Consumer group, also the ClickHouse database written into. @default 'crashed' */
  readonly group?: string;
  /** Kill points as fractions of `total` committed. @default DEFAULT_CRASH_FRACTIONS */
  readonly fractions?: readonly number[];
  /** Awaited after the last run committed all of `topic`, before it is stopped. */
  readonly finished?: (engine: EngineProcess) => Promise<void>;
}

/**
 * Runs the engine until each fraction of the input is committed and kills it with SIGKILL there, then
 * runs it once more until everything is committed and stops it with SIGTERM.
 */
export async function crashAndFinish(pipeline: PipelineStack, run: CrashRun): Promise<void> {
  const database = run.group ?? 'crashed';
  const together = run.alongside !== undefined;
  const args = together ? ['--group-prefix', database] : ['--group', database];
  const topologies = [run.topology, ...(run.alongside ?? [])];
  const group = together ? `${database}-${run.topology}` : database;
  for (const fraction of run.fractions ?? DEFAULT_CRASH_FRACTIONS) {
    const engine = startEngine(pipeline.env(database), args, topologies);
    await waitFor(
      async () =>
        (await committedCount(pipeline.admin, group, run.topic)) >= run.total * fraction ? true : undefined,
      {
        timeoutMs: CRASH_STEP_TIMEOUT_MS,
        intervalMs: 20,
        what: `${Math.round(fraction * 100)}% of the ${run.what} committed`,
      },
    );
    await engine.kill('SIGKILL');
  }
  const last = startEngine(pipeline.env(database), args, topologies);
  await waitForCompletion(pipeline.admin, group, CRASH_STEP_TIMEOUT_MS, last, run.topic);
  await run.finished?.(last);
  await last.kill('SIGTERM');
}

/**
 * Runs each query with `{db}` replaced by `database`, one after another, and returns its rows as JSON
 * arrays (`JSONCompactEachRow`), so two runs' tables compare with `toEqual`.
 */
export async function readTables<K extends string>(
  clickhouse: ClickHouseClient,
  database: string,
  queries: Readonly<Record<K, string>>,
): Promise<Record<K, string[]>> {
  const result = {} as Record<K, string[]>;
  for (const name of Object.keys(queries) as K[]) {
    const rs = await clickhouse.query({
      query: queries[name].replaceAll('{db}', database),
      format: 'JSONCompactEachRow',
    });
    result[name] = (await rs.json<unknown[]>()).map((row) => JSON.stringify(row));
  }
  return result;
}
