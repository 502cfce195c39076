/**
 * The telemetry pipeline on the local stack: `stadion simulate telemetry` produces a small competition
 * morning with injected incidents, `stadion run telemetry` processes it, and the alerts in ClickHouse and
 * on the telemetry.alerts topic (read with a plain kafkajs consumer and the registry's deserializer, as a
 * broadcaster would) match the simulator's ground truth; the incidents name the right root scopes; the
 * pipeline's percentiles agree with exact ones computed by ClickHouse over the raw samples; the views answer.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateTelemetry } from '../../../processors/telemetry/simulate/index.ts';
import { TELEMETRY_TOPICS } from '../../../processors/telemetry/topology.ts';
import { PERCENTILE_RELATIVE_ACCURACY } from '../../../processors/telemetry/window-aggregate.ts';
import type { SlaAlert } from '../../../schemas/generated.ts';
import { startEngine, waitForCompletion, type EngineProcess } from '../../engine/runtime/engine-process.ts';
import { startPipelineStack, type PipelineStack } from '../../support/pipeline-stack.ts';
import { runStadion } from '../../support/stack-process.ts';
import { waitFor } from '../../support/wait.ts';
import { incidentsDecided } from './incidents-decided.ts';
import { truthProblems, type AlertLike } from './truth.ts';

export const SIM_ARGS = ['--feeds', '40', '--broadcasters', '8', '--pops', '3', '--duration', '480'] as const;
const SIM_OPTIONS = { feeds: 40, broadcasters: 8, pops: 3, durationS: 480 } as const;
const SEED = 5;

let pipeline: PipelineStack;
let engine: EngineProcess;

async function select<T>(query: string): Promise<T[]> {
  return (await pipeline.clickhouse.query({ query, format: 'JSONEachRow' })).json<T>();
}

beforeAll(async () => {
  // Samples in 4 partitions: the alerts of every partition meet in telemetry-incidents.
  pipeline = await startPipelineStack([
    `${TELEMETRY_TOPICS.samples}:4`,
    `${TELEMETRY_TOPICS.feeds}:1`,
    `${TELEMETRY_TOPICS.alerts}:1`,
  ]);
  engine = startEngine(
    { ...pipeline.stack.env },
    ['--group-prefix', 'test'],
    ['telemetry', 'telemetry-incidents'],
  );
});

afterAll(async () => {
  await engine.kill('SIGTERM');
  await pipeline.stop();
});

describe('the telemetry pipeline on the local stack', () => {
  it('alerts, correlates and measures as the ground truth says', async () => {
    const registry = new SchemaRegistry({ host: pipeline.stack.env['SCHEMA_REGISTRY_URL'] ?? '' });
    const consumer = pipeline.kafka.consumer({ groupId: 'broadcaster-noc', sessionTimeout: 6_000 });
    const fromTopic = new Map<string, SlaAlert>();
    await consumer.connect();
    await consumer.subscribe({ topics: [TELEMETRY_TOPICS.alerts], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.value === null) return;
        const alert = (await registry.decode(message.value)) as SlaAlert;
        expect(message.key?.toString()).toBe(`${alert.feedId}/${alert.broadcasterId}`);
        fromTopic.set(`${alert.alertId}/${alert.kind}`, alert); // at least once: keep one per alert and kind
      },
    });

    const simulated = await runStadion([
      'simulate',
      'telemetry',
      ...SIM_ARGS,
      '--seed',
      String(SEED),
      '--data-dir',
      pipeline.dataDir,
    ]);
    expect(simulated.code, simulated.stderr).toBe(0);
    await waitForCompletion(pipeline.admin, 'test-telemetry', 120_000, engine, TELEMETRY_TOPICS.samples);
    await incidentsDecided(pipeline.admin, 'test', engine);

    const sim = simulateTelemetry({ seed: SEED, ...SIM_OPTIONS });
    expect(new Set(sim.incidents.map((i) => (i.blip ? 'blip' : i.kind))).size).toBe(4);
    // Every sample landed once in the raw table (a bulk load beside the stream), as sent.
    const produced = [...sim.samples()].flat();
    const raw = await select<{ n: string; lost: string }>(
      'SELECT count() AS n, sum(packets_lost) AS lost FROM telemetry_samples',
    );
    expect(Number(raw[0]?.n)).toBe(produced.length);
    expect(Number(raw[0]?.lost)).toBe(produced.reduce((n, s) => n + s.packetsLost, 0));
    const truthAlerts = sim.incidents.filter((i) => !i.blip).reduce((n, i) => n + 2 * i.pairs.length, 0);
    const alerts = await waitFor(
      async () => {
        const rows = await select<{
          alert_id: string;
          kind: string;
          feed_id: string;
          broadcaster_id: string;
          breach_start: string;
          window_end: string;
        }>(
          `SELECT alert_id, kind, feed_id, broadcaster_id, toUnixTimestamp64Milli(breach_start) AS breach_start,
             toUnixTimestamp64Milli(window_end) AS window_end FROM telemetry_alerts ORDER BY alert_id, kind`,
        );
        return rows.length >= truthAlerts && fromTopic.size >= truthAlerts ? rows : undefined;
      },
      { timeoutMs: 60_000, what: `${truthAlerts} alert records in ClickHouse and on the topic` },
    );
    await consumer.disconnect();
    const asAlert = (r: (typeof alerts)[number]): AlertLike => ({
      alertId: r.alert_id,
      kind: r.kind === 'opened' ? 'OPENED' : 'CLEARED',
      feedId: r.feed_id,
      broadcasterId: r.broadcaster_id,
      breachStartMs: Number(r.breach_start),
      windowEndMs: Number(r.window_end),
    });
    const members = await select<{
      incident_id: string;
      scope: string;
      scope_id: string;
      started_at: string;
      pair: string;
    }>(
      `SELECT i.incident_id AS incident_id, i.scope AS scope, i.scope_id AS scope_id,
         toUnixTimestamp64Milli(i.started_at) AS started_at, concat(m.feed_id, '/', m.broadcaster_id) AS pair
       FROM telemetry_incidents AS i INNER JOIN telemetry_incident_members AS m ON m.incident_id = i.incident_id`,
    );
    const incidents = [...new Set(members.map((m) => m.incident_id))].map((id) => {
      const rows = members.filter((m) => m.incident_id === id);
      const first = rows[0];
      return {
        scope: (first?.scope ?? 'pair') as 'pop' | 'feed' | 'broadcaster' | 'pair',
        scopeId: first?.scope_id ?? '',
        startedMs: Number(first?.started_at),
        pairs: rows.map((r) => r.pair),
      };
    });
    expect(truthProblems(sim.incidents, alerts.map(asAlert), incidents)).toEqual([]);
    expect([...fromTopic.values()].map((a) => `${a.alertId}/${a.kind}`).sort()).toEqual(
      alerts.map((a) => `${a.alert_id}/${a.kind === 'opened' ? 'OPENED' : 'CLEARED'}`).sort(),
    );

    // Percentiles: every 10 s window's p50/p95/p99 against the exact value ClickHouse computes over the raw
    // samples at the same (lower nearest-rank) definition, floor(q * (n - 1)).
    const rank = (q: number, column: string) =>
      `arrayElement(arraySort(groupArray(${column})), toUInt64(floor(${q} * (count() - 1))) + 1)`;
    const worst = await select<{
      windows: string;
      worst: number;
      exact_median: number;
      clickhouse_median: number;
    }>(
      `SELECT count() AS windows,
         max(greatest(abs(w.rtt_ms_p50 - e.rtt50) / e.rtt50, abs(w.rtt_ms_p95 - e.rtt95) / e.rtt95, abs(w.rtt_ms_p99 - e.rtt99) / e.rtt99,
             abs(w.latency_ms_p50 - e.lat50) / e.lat50, abs(w.latency_ms_p95 - e.lat95) / e.lat95, abs(w.latency_ms_p99 - e.lat99) / e.lat99)) AS worst,
         max(abs(e.rtt50 - e.ch50)) AS exact_median, any(e.ch50) AS clickhouse_median
       FROM telemetry_windows_10s AS w
       INNER JOIN (
         SELECT feed_id, broadcaster_id, toStartOfInterval(event_time, toIntervalSecond(10)) AS window_start,
           ${rank(0.5, 'rtt_ms')} AS rtt50, ${rank(0.95, 'rtt_ms')} AS rtt95, ${rank(0.99, 'rtt_ms')} AS rtt99,
           ${rank(0.5, 'latency_ms')} AS lat50, ${rank(0.95, 'latency_ms')} AS lat95, ${rank(0.99, 'latency_ms')} AS lat99,
           quantileExactLow(0.5)(rtt_ms) AS ch50
         FROM telemetry_samples GROUP BY feed_id, broadcaster_id, window_start
       ) AS e ON e.feed_id = w.feed_id AND e.broadcaster_id = w.broadcaster_id AND e.window_start = w.window_start`,
    );
    expect(Number(worst[0]?.windows)).toBeGreaterThan(5_000);
    expect(worst[0]?.worst).toBeLessThanOrEqual(PERCENTILE_RELATIVE_ACCURACY + 1e-9);
    expect(worst[0]?.exact_median).toBe(0); // the median rank is ClickHouse's quantileExactLow(0.5)

    const scorecard = await select<{
      broadcaster_id: string;
      availability_pct: number;
      minutes_in_breach: number;
    }>('SELECT broadcaster_id, availability_pct, minutes_in_breach FROM telemetry_broadcaster_scorecard');
    expect(scorecard.length).toBe(8);
    const inAlert = await select<{ broadcaster_id: string; minutes: number }>(
      'SELECT broadcaster_id, round(sum(in_alert) * 10 / 60, 2) AS minutes FROM telemetry_windows_10s GROUP BY broadcaster_id',
    );
    for (const row of scorecard) {
      expect(row.minutes_in_breach).toBe(
        inAlert.find((r) => r.broadcaster_id === row.broadcaster_id)?.minutes,
      );
      const affected = sim.incidents.some(
        (i) => !i.blip && i.pairs.some((p) => p.endsWith(`/${row.broadcaster_id}`)),
      );
      if (affected) expect(row.availability_pct).toBeLessThan(100);
      else expect(row.availability_pct).toBe(100);
    }
    const timeline = await select<{ scope: string; duration_s: number | null }>(
      'SELECT scope, duration_s FROM telemetry_incident_timeline',
    );
    expect(timeline.map((t) => t.scope).sort()).toEqual(['broadcaster', 'feed', 'pop']);
    for (const t of timeline) expect(t.duration_s).toBeGreaterThan(30);
    const pops = await select<{ n: string }>(
      'SELECT count() AS n FROM telemetry_pop_health WHERE pairs_in_alert > 0',
    );
    expect(Number(pops[0]?.n)).toBeGreaterThan(0);
    const feeds = await select<{ n: string }>('SELECT count() AS n FROM telemetry_feeds FINAL');
    expect(Number(feeds[0]?.n)).toBe(40);
  });

  it('ingests recorded JSON lines, dead-lettering the invalid ones by line number', async () => {
    const sim = simulateTelemetry({ seed: 9, feeds: 4, broadcasters: 2, pops: 1, durationS: 5 });
    const lines = [...sim.samples()].flat().map((s) => JSON.stringify(s));
    lines.splice(1, 0, '{"feedId": "feed-001", "broadcasterId": ');
    lines.splice(3, 0, JSON.stringify({ feedId: 'feed-001', rttMs: 'fast' }));
    const file = join(pipeline.dataDir, 'telemetry.jsonl');
    await writeFile(file, `${lines.join('\n')}\n`);
    const count = async (topic: string): Promise<number> =>
      (await pipeline.admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    const before = await count(TELEMETRY_TOPICS.samples);
    const result = await runStadion(['ingest', 'telemetry', '--file', file, '--data-dir', pipeline.dataDir]);
    expect(result.stdout + result.stderr).toMatch(/jsonl:2: not JSON/);
    expect(result.stdout + result.stderr).toMatch(/jsonl:4: does not match/);
    expect((await count(TELEMETRY_TOPICS.samples)) - before).toBe(lines.length - 2);
    expect(await count('telemetry.ingest.dead-letters')).toBe(2);
  });
});
