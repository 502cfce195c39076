/**
 * Every ClickHouse panel of every dashboard runs on simulated data: the pipelines run to completion on
 * the local stack, then each board's variables and panel queries are expanded as the ClickHouse plugin
 * would for a time range covering the data, run over the ClickHouse HTTP interface, and must succeed
 * with the columns the panel names and at least one row. Boards are read from dashboards/json, so a
 * new board is covered as soon as it is rendered; a new pipeline adds its simulation to SIMULATIONS and
 * its boards carry the simulation's tag.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARDS } from '../../dashboards/index.ts';
import { DASHBOARDS_JSON_DIR } from '../../dashboards/render.ts';
import { CLICKHOUSE_PLUGIN_ID } from '../../dashboards/shared/datasources.ts';
import type { TimeRange } from '../../dashboards/shared/expand.ts';
import { panelTargets } from '../../dashboards/shared/inspect.ts';
import { TELEMETRY_TOPICS } from '../../processors/telemetry/topology.ts';
import { simulateTraffic } from '../../processors/traffic/simulate/index.ts';
import { TRAFFIC_TOPICS } from '../../processors/traffic/topology.ts';
import { startEngine, waitForCompletion } from '../engine/runtime/engine-process.ts';
import {
  makeDataDir,
  removeDataDir,
  runStadion,
  startStackProcess,
  type StackProcess,
} from '../support/stack-process.ts';
import { testSeed } from '../support/random.ts';
import { incidentsDecided } from '../processors/telemetry/incidents-decided.ts';
import { runDashboard, type SelectionMode } from './panel-runner.ts';

/**
 * How each pipeline's simulated output gets into ClickHouse, run to completion, and the time range that
 * covers it. A board is run with the range of the pipeline named in its tags.
 */
interface Simulation {
  readonly tag: string;
  run(context: { dataDir: string; env: Readonly<Record<string, string>>; admin: Admin }): Promise<TimeRange>;
}

const SIMULATIONS: readonly Simulation[] = [
  {
    tag: 'tracking',
    // The 100 m final and a 70 s match through the tracking topology; returns once both are in ClickHouse.
    run: async ({ dataDir, env }) => {
      const startedMs = Date.now();
      await stadion(['demo', '--seed', String(seed), '--data-dir', dataDir], env);
      // Event times start about now and run ahead of the wall clock (produced at full speed): a minute
      // before the run to ten minutes after it covers them, as "last 15 minutes" would live.
      return { fromMs: startedMs - 60_000, toMs: Date.now() + 10 * 60_000 };
    },
  },
  {
    tag: 'telemetry',
    // Five minutes of 20 feeds to 5 broadcasters through 3 POPs with a POP, a feed and a broadcaster
    // incident and blips (a fixed simulated morning), through `stadion run telemetry telemetry-incidents`.
    run: async ({ dataDir, env, admin }) => {
      const engine = startEngine(env, ['--group-prefix', 'dashboards'], ['telemetry', 'telemetry-incidents']);
      try {
        await stadion(
          [
            'simulate',
            'telemetry',
            '--feeds',
            '20',
            '--broadcasters',
            '5',
            '--pops',
            '3',
            '--duration',
            '300',
          ],
          env,
          ['--seed', String(seed), '--data-dir', dataDir],
        );
        await waitForCompletion(admin, 'dashboards-telemetry', 120_000, engine, TELEMETRY_TOPICS.samples);
        await incidentsDecided(admin, 'dashboards', engine);
      } finally {
        await engine.kill('SIGTERM');
      }
      return spanOf('telemetry_windows_10s', 'window_start', 'window_end');
    },
  },
  {
    tag: 'traffic',
    // Three hours of a small network under both plans (a fixed simulated day), through `stadion run traffic`.
    run: async ({ dataDir, env, admin }) => {
      const engine = startEngine(env, ['--group', 'dashboards-traffic'], 'traffic');
      try {
        // The sensor-faults panel needs a fault: in a network this small, some seeds break no sensor
        // (about 6 % of sensors fail once a day), so the first seed from the test's that does is used.
        // The flags below give `stadion simulate traffic` this network (sessions and plans: its defaults).
        const network = {
          venues: 1,
          corridorsPerVenue: 2,
          segmentsPerCorridor: 4,
          hours: 3,
          sessionsPerVenue: 2,
          plans: ['baseline', 'closure'] as const,
        };
        let trafficSeed = seed;
        while (simulateTraffic({ ...network, seed: trafficSeed }).faults.length === 0) trafficSeed += 1;
        await stadion(
          [
            'simulate',
            'traffic',
            ...['--venues', String(network.venues), '--corridors', String(network.corridorsPerVenue)],
            ...['--segments', String(network.segmentsPerCorridor), '--hours', String(network.hours)],
          ],
          env,
          ['--seed', String(trafficSeed), '--data-dir', dataDir],
        );
        await waitForCompletion(admin, 'dashboards-traffic', 120_000, engine, TRAFFIC_TOPICS.readings);
      } finally {
        await engine.kill('SIGTERM');
      }
      return spanOf('traffic_segment_windows', 'window_start', 'window_end');
    },
  },
];

/** From the first start to a minute after the last end of a pipeline's rows (simulated days are fixed). */
async function spanOf(table: string, startColumn: string, endColumn: string): Promise<TimeRange> {
  const [span] = await (
    await clickhouse.query({
      query: `SELECT toUnixTimestamp64Milli(min(${startColumn})) AS fromMs, toUnixTimestamp64Milli(max(${endColumn})) AS toMs
              FROM ${table}`,
      format: 'JSONEachRow',
    })
  ).json<{ fromMs: string; toMs: string }>();
  return { fromMs: Number(span?.fromMs), toMs: Number(span?.toMs) + 60_000 };
}

async function stadion(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  extra: readonly string[] = [],
): Promise<void> {
  const result = await runStadion([...args, ...extra], env);
  if (result.code !== 0)
    throw new Error(`stadion ${args.join(' ')} (seed ${seed}) exited ${result.code}: ${result.stderr}`);
}

/** Every rendered board with at least one ClickHouse panel (the engine board is Prometheus only). */
const boards = DASHBOARDS.map(({ file }) => ({
  file,
  json: JSON.parse(readFileSync(join(DASHBOARDS_JSON_DIR, file), 'utf8')) as unknown,
})).filter(({ json }) => panelTargets(json).some((t) => t.datasourceType === CLICKHOUSE_PLUGIN_ID));

let dataDir: string;
let stack: StackProcess;
let clickhouse: ClickHouseClient;
const ranges = new Map<string, TimeRange>();
const seed = testSeed('dashboard panels');

beforeAll(async () => {
  dataDir = await makeDataDir();
  stack = await startStackProcess(dataDir);
  clickhouse = createClient({ url: stack.env['CLICKHOUSE_URL'] ?? '' });
  const admin = new Kafka({
    brokers: (stack.env['KAFKA_BROKERS'] ?? '').split(','),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    for (const simulation of SIMULATIONS)
      ranges.set(simulation.tag, await simulation.run({ dataDir, env: stack.env, admin }));
  } finally {
    await admin.disconnect();
  }
});

afterAll(async () => {
  await clickhouse.close();
  await stack.stop();
  await removeDataDir(dataDir);
});

/** The range of the simulation whose tag the board carries. */
function rangeOf(json: unknown): TimeRange {
  const tags = (json as { tags?: unknown }).tags;
  const tag = SIMULATIONS.find((s) => Array.isArray(tags) && tags.includes(s.tag))?.tag;
  const range = tag === undefined ? undefined : ranges.get(tag);
  if (range === undefined)
    throw new Error(
      `no simulation covers this board: tag it with one of ${SIMULATIONS.map((s) => s.tag).join(', ')}`,
    );
  return range;
}

describe.each(boards)('dashboard $file', ({ file, json }) => {
  it.each<SelectionMode>(['all', 'some'])(
    'runs every ClickHouse panel with rows and the expected columns (multi-value variables: %s)',
    async (mode) => {
      const run = await runDashboard(clickhouse, json, rangeOf(json), mode);
      const failures = [
        ...run.variableProblems,
        ...run.panels.flatMap(({ target, sql, result, error }) => {
          const where = `${file} / ${target.panelTitle} / ${target.refId}`;
          if (error !== undefined) return [`${where}: ${error}\n${sql}`];
          if (result === undefined) return [`${where}: no result`];
          const names = result.columns.map((c) => c.name);
          const problems: string[] = [];
          if (names.join(',') !== target.expectedColumns.join(','))
            problems.push(`columns ${names.join(',')}, expected ${target.expectedColumns.join(',')}`);
          if (result.rows === 0) problems.push('no rows');
          const time = result.columns.find((c) => c.name === 'time');
          if (target.queryType === 'timeseries' && !(time?.type.startsWith('DateTime') ?? false))
            problems.push(`time column of type ${time?.type ?? 'none'}`);
          return problems.length === 0 ? [] : [`${where}: ${problems.join('; ')}\n${sql}`];
        }),
      ];
      expect(failures, `seed ${seed}, selections ${JSON.stringify(run.variables)}`).toEqual([]);
    },
  );
});
