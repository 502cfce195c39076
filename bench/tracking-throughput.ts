/**
 * The tracking pipeline against ClickHouse's own Kafka table engine, on the same topic, on the local
 * stack (chDB serves ClickHouse, so its Kafka engine runs inside the stack process).
 *
 *   npx tsx bench/tracking-throughput.ts [races=40] [latencyRaces=50] [latencySeconds=20] [keypoints=1] [blockSize=default]
 *
 * 1. `races` simulated 100 m races (8 athletes, 50 fps, keypoints unless keypoints=0,
 *    noise/drops/duplicates/reordering) are produced to tracking.frames as fast as possible.
 * 2. Baseline: a Kafka engine table (AvroConfluent, ClickHouse's default kafka_max_block_size unless
 *    given) with an ARRAY JOIN materialized view into a positions table, timed from its first rows to
 *    the last.
 * 3. The raw path, `stadion run tracking-raw` (a bulk load into tracking_raw_positions), over the same
 *    frames, timed from its first record to its last commit.
 * 4. `stadion run tracking` (the whole topology) over the same frames, timed the same way.
 * 5. Latency: `latencyRaces` races run at once, produced in real time (50 fps each: 20,000
 *    athlete-frames/s for 50 races), with the engine's event-time-to-acknowledgement histogram.
 */
import { cpus } from 'node:os';
import { createClient } from '@clickhouse/client';
import { createKafka } from '../engine/clients/kafka.ts';
import { createSchemaRegistry } from '../engine/clients/registry.ts';
import { loadConfig } from '../engine/config/config.ts';
import { silentLogger } from '../engine/log.ts';
import { produceFrames, produceSessions } from '../processors/tracking/produce.ts';
import { simulateSprint } from '../processors/tracking/simulate/index.ts';
import { REORDER_WINDOW_MS } from '../processors/tracking/athlete-processor.ts';
import { TRACKING_TOPICS } from '../processors/tracking/topology.ts';
import { startEngine } from '../test/engine/runtime/engine-process.ts';
import { makeDataDir, removeDataDir, startStackProcess } from '../test/support/stack-process.ts';

const races = Number(process.argv[2] ?? 40);
const latencyRaces = Number(process.argv[3] ?? 50);
const latencySeconds = Number(process.argv[4] ?? 20);
const withKeypoints = (process.argv[5] ?? '1') !== '0';
const blockSize = process.argv[6];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dataDir = await makeDataDir();
const stack = await startStackProcess(dataDir, [
  '--topic',
  `${TRACKING_TOPICS.frames}:4`,
  '--topic',
  `${TRACKING_TOPICS.sessions}:1`,
]);
const config = loadConfig({ dataDir }, {});
const kafka = createKafka(config.kafka, { logger: silentLogger });
const registry = createSchemaRegistry(config.schemaRegistry);
const admin = kafka.admin();
await admin.connect();
const clickhouse = createClient({ url: config.clickhouse.url, request_timeout: 300_000 });
const count = async (sql: string): Promise<number> =>
  Number(
    (await (await clickhouse.query({ query: sql, format: 'JSONEachRow' })).json<{ n: string }>())[0]?.n ?? 0,
  );
const metricsOf = async (output: () => string): Promise<string> => {
  const url = /metrics at (\S+)/.exec(output())?.[1];
  if (url === undefined) return '';
  // One retry: a keep-alive connection the metrics server just closed fails once.
  return fetch(url)
    .then((r) => r.text())
    .catch(() => fetch(url).then((r) => r.text()));
};

try {
  const startMs = Date.now();
  const sims = Array.from({ length: races }, (_, i) =>
    simulateSprint({
      seed: i + 1,
      sessionId: `bench-${i}`,
      startSignalMs: startMs + i * 15_000,
      withKeypoints,
    }),
  );
  const frames = sims.flatMap((s) => s.frames);
  const positions = frames.reduce((n, f) => n + f.athletes.length, 0);
  const producer = kafka.producer();
  await producer.connect();
  let t = performance.now();
  await produceSessions(
    producer,
    registry,
    sims.map((s) => s.session),
  );
  await produceFrames(producer, registry, frames, 'max');
  console.log(
    `produced ${frames.length} frames (${positions} athlete-positions) in ${((performance.now() - t) / 1000).toFixed(2)} s`,
  );

  // Baseline: ClickHouse's Kafka engine.
  await clickhouse.command({
    query: `CREATE TABLE bench_positions (session_id LowCardinality(String), athlete_id LowCardinality(String), frame_number UInt64,
      event_time DateTime64(3), x_m Float64, y_m Float64, z_m Float64) ENGINE = MergeTree ORDER BY (session_id, athlete_id, event_time)`,
  });
  await clickhouse.command({
    query: `CREATE TABLE bench_frames_queue (sessionId String, frameNumber Int64, eventTimeMs Int64,
      athletes Array(Tuple(athleteId String, xM Float64, yM Float64, zM Float64, confidence Float32,
        keypoints Array(Tuple(xM Float32, yM Float32, zM Float32, confidence Float32)))))
      ENGINE = Kafka SETTINGS kafka_broker_list = '${config.kafka.brokers.join(',')}', kafka_topic_list = '${TRACKING_TOPICS.frames}',
      kafka_group_name = 'bench-clickhouse', kafka_format = 'AvroConfluent', format_avro_schema_registry_url = '${config.schemaRegistry.url}',
      kafka_num_consumers = 1, kafka_thread_per_consumer = 1${blockSize === undefined ? '' : `, kafka_max_block_size = ${blockSize}`}`,
  });
  await clickhouse.command({
    query: `CREATE MATERIALIZED VIEW bench_positions_mv TO bench_positions AS SELECT sessionId AS session_id, a.1 AS athlete_id,
      frameNumber AS frame_number, fromUnixTimestamp64Milli(eventTimeMs) AS event_time, a.2 AS x_m, a.3 AS y_m, a.4 AS z_m
      FROM bench_frames_queue ARRAY JOIN athletes AS a`,
  });
  // Timed from the Kafka engine's first read (system.kafka_consumers), like the engine runs below from
  // their first record: neither includes joining the group.
  let firstAt = 0;
  for (;;) {
    if (firstAt === 0) {
      const read = await count(
        "SELECT sum(num_messages_read) AS n FROM system.kafka_consumers WHERE table = 'bench_frames_queue'",
      ).catch(() => 0);
      if (read > 0) firstAt = performance.now();
    }
    const n = await count('SELECT count() AS n FROM bench_positions');
    if (n > 0 && firstAt === 0) firstAt = performance.now();
    if (n >= positions) break;
    await sleep(10);
  }
  const baselineS = (performance.now() - firstAt) / 1000;
  const baselineRate = positions / Math.max(baselineS, 0.001);
  await clickhouse.command({ query: 'DROP VIEW bench_positions_mv' });
  await clickhouse.command({ query: 'DROP TABLE bench_frames_queue' });
  console.log(
    `ClickHouse Kafka engine${blockSize === undefined ? '' : ` (kafka_max_block_size ${blockSize})`}: ${Math.round(baselineRate)} athlete-positions/s (${Math.round(frames.length / baselineS)} frames/s, ${baselineS.toFixed(2)} s from its first read)`,
  );

  // The raw path and the whole topology, each in its own consumer group, one after the other.
  const measure = async (
    topology: string,
    group: string,
  ): Promise<{
    rate: number;
    seconds: number;
    peakRssMb: number;
    engine: ReturnType<typeof startEngine>;
  }> => {
    const engine = startEngine({ ...stack.env }, ['--group', group, '--flush-interval-ms', '500'], topology);
    let firstAt = 0;
    let peakRssMb = 0;
    for (;;) {
      const text = await metricsOf(engine.output);
      const recordsIn = Number(/^stadion_records_in_total\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
      peakRssMb = Math.max(
        peakRssMb,
        Number(/^stadion_process_process_resident_memory_bytes (\d+)/m.exec(text)?.[1] ?? 0) / 2 ** 20,
      );
      if (recordsIn > 0 && firstAt === 0) firstAt = performance.now();
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [TRACKING_TOPICS.frames] });
      if (
        (committed?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0) >= frames.length
      )
        break;
      if (engine.child.exitCode !== null) throw new Error(`engine exited: ${engine.output()}`);
      await sleep(20);
    }
    const seconds = (performance.now() - firstAt) / 1000;
    return { rate: positions / seconds, seconds, peakRssMb, engine };
  };
  const raw = await measure('tracking-raw', 'bench-tracking-raw');
  await raw.engine.kill('SIGTERM');
  console.log(
    `stadion run tracking-raw: ${Math.round(raw.rate)} athlete-positions/s (${Math.round(frames.length / raw.seconds)} frames/s, ${raw.seconds.toFixed(2)} s), ` +
      `ratio to the Kafka engine ${(raw.rate / baselineRate).toFixed(2)}; peak RSS ${Math.round(raw.peakRssMb)} MB`,
  );
  const full = await measure('tracking', 'bench-tracking');
  const engine = full.engine;
  console.log(
    `stadion run tracking: ${Math.round(full.rate)} athlete-positions/s (${Math.round(frames.length / full.seconds)} frames/s, ${full.seconds.toFixed(2)} s), ` +
      `ratio to the Kafka engine ${(full.rate / baselineRate).toFixed(2)}; peak RSS ${Math.round(full.peakRssMb)} MB`,
  );

  // Latency at a fixed, sub-maximal rate.
  t = Date.UTC(2026, 0, 1);
  const live = Array.from({ length: latencyRaces }, (_, i) =>
    simulateSprint({ seed: 1_000 + i, sessionId: `live-${i}`, startSignalMs: t }),
  );
  // Shift event times to "now" only once everything is simulated, so latency counts no simulation time.
  const firstEventMs = Math.min(...live.map((s) => s.framesInOrder[0]?.eventTimeMs ?? t));
  const shiftMs = Date.now() + 50 - firstEventMs;
  const liveFrames = live
    .flatMap((s) => s.framesInOrder)
    .filter((f) => f.eventTimeMs < t + latencySeconds * 1000)
    .map((f) => ({ ...f, eventTimeMs: f.eventTimeMs + shiftMs }))
    .sort((a, b) => a.eventTimeMs - b.eventTimeMs);
  const liveSessions = live.map((s) => ({
    ...s.session,
    startSignalMs: (s.session.startSignalMs ?? t) + shiftMs,
  }));
  const before = await metricsOf(engine.output);
  await produceSessions(producer, registry, liveSessions);
  const paceStart = performance.now();
  await produceFrames(producer, registry, liveFrames, 'realtime');
  const paceS = (performance.now() - paceStart) / 1000;
  await sleep(3_000);
  const after = await metricsOf(engine.output);
  await producer.disconnect();
  const histogram = (text: string, metric: string): Map<string, number> => {
    const buckets = new Map<string, number>();
    for (const match of text.matchAll(
      new RegExp(
        `^${metric}_bucket\\{le="([^"]+)",topology="tracking",sink="tracking\\.live-stats"\\} (\\d+)`,
        'gm',
      ),
    )) {
      buckets.set(match[1] ?? '', Number(match[2]));
    }
    return buckets;
  };
  const quantiles = (metric: string): { p50: string; p99: string; total: number } => {
    const b0 = histogram(before, metric);
    const deltas = [...histogram(after, metric)].map(([le, n]) => [le, n - (b0.get(le) ?? 0)] as const);
    const total = deltas.at(-1)?.[1] ?? 0;
    const quantile = (q: number): string => deltas.find(([, n]) => n >= q * total)?.[0] ?? '?';
    return { p50: quantile(0.5), p99: quantile(0.99), total };
  };
  const eventTime = quantiles('stadion_end_to_end_latency_seconds');
  const processing = quantiles('stadion_processing_latency_seconds');
  console.log(
    `latency at ${Math.round((liveFrames.length * 8) / paceS)} athlete-frames/s (${latencyRaces} races in real time, ${paceS.toFixed(1)} s), ${eventTime.total} live stats:\n` +
      `  frame received -> live stat acknowledged: p50 <= ${processing.p50} s, p99 <= ${processing.p99} s\n` +
      `  stat event time -> acknowledged (includes the ${REORDER_WINDOW_MS} ms reorder window): p50 <= ${eventTime.p50} s, p99 <= ${eventTime.p99} s (histogram bucket bounds)`,
  );
  await engine.kill('SIGTERM');
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}`);
} finally {
  await clickhouse.close();
  await admin.disconnect();
  await stack.stop();
  await removeDataDir(dataDir);
}
