/**
 * The telemetry pipeline end to end on the local stack: sustained samples per second, and alert latency.
 *
 *   npx tsx bench/telemetry-throughput.ts [backlogSeconds=60] [latencySeconds=100] [latencyFeeds=100] [flushIntervalMs=500] [instances=2]
 *
 * 1. Throughput: a Games-scale load (500 feeds x 30 broadcasters, every pair live: 15,000 samples per
 *    second of event time) for `backlogSeconds` of event time is produced to telemetry.samples first;
 *    then `instances` x `stadion run telemetry` under one group prefix, sharing 4 samples partitions
 *    (Avro decode, raw samples to ClickHouse in bulk, 10 s and 1-minute windows with RTT/latency sketches
 *    per pair, SLA state machine, 4 ClickHouse tables, the alerts topic, changelogs), the first instance
 *    also running telemetry-incidents (correlation of the alerts into 2 more tables), is timed from the
 *    first record to the last samples commit (end to end), and between the moments a tenth and nine
 *    tenths of the samples were committed (sustained: without the start, and without the end, where the
 *    last flush waits for its interval).
 * 2. Latency: `latencyFeeds` feeds x 30 broadcasters (every pair live; 100 feeds: 3,000 samples/s, a
 *    load the engine sustains here) produced in real time (event times moved to the wall clock) for
 *    `latencySeconds`, with a POP-wide degradation and an encoder fault injected; a plain kafkajs
 *    consumer on telemetry.alerts measures, for every opened alert, the wall time it arrived minus the
 *    end of the breaching window (the earliest moment the breach is known); the breach start is one window
 *    (10 s) earlier.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { createClickHouse } from '../engine/clients/clickhouse.ts';
import { createKafka } from '../engine/clients/kafka.ts';
import { createSchemaRegistry } from '../engine/clients/registry.ts';
import { loadConfig } from '../engine/config/config.ts';
import { silentLogger } from '../engine/log.ts';
import { produceCatalogue, produceSamples } from '../processors/telemetry/produce.ts';
import {
  simulateTelemetry,
  type TelemetrySimulationOptions,
} from '../processors/telemetry/simulate/index.ts';
import { ALERT_WINDOW_MS, TELEMETRY_TOPICS } from '../processors/telemetry/topology.ts';
import type { SlaAlert } from '../schemas/generated.ts';
import { startEngine } from '../test/engine/runtime/engine-process.ts';
import { makeDataDir, removeDataDir, startStackProcess } from '../test/support/stack-process.ts';

const backlogSeconds = Number(process.argv[2] ?? 60);
const latencySeconds = Number(process.argv[3] ?? 100);
const latencyFeeds = Number(process.argv[4] ?? 100);
const flushIntervalMs = process.argv[5] ?? '500';
const instances = Number(process.argv[6] ?? 2);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const GAMES: TelemetrySimulationOptions = {
  feeds: 500,
  broadcasters: 30,
  pops: 6,
  subscriptionShare: 1,
  alwaysLiveShare: 1,
};

const dataDir = await makeDataDir();
const stack = await startStackProcess(dataDir, [
  '--topic',
  `${TELEMETRY_TOPICS.samples}:4`,
  '--topic',
  `${TELEMETRY_TOPICS.feeds}:1`,
  '--topic',
  `${TELEMETRY_TOPICS.alerts}:1`,
]);
const config = loadConfig({ dataDir }, {});
const kafka = createKafka(config.kafka, { logger: silentLogger });
const registry = createSchemaRegistry(config.schemaRegistry);
const admin = kafka.admin();
await admin.connect();
const metricsOf = async (output: () => string): Promise<string> => {
  const url = /metrics at (\S+)/.exec(output())?.[1];
  return url === undefined ? '' : (await fetch(url)).text();
};
// CPU time (user + system, s) of a process and its descendants, from /proc (Linux); 0 elsewhere.
const cpuSeconds = async (pid: number | undefined): Promise<number> => {
  if (pid === undefined) return 0;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let total = (Number(fields[11]) + Number(fields[12])) / 100;
    const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
    for (const child of children.split(' ').filter((c) => c !== '')) total += await cpuSeconds(Number(child));
    return total;
  } catch {
    return 0;
  }
};
// CPU time of this process alone (its children are the engines and the stack), s.
const ownCpuSeconds = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
const committed = async (group: string): Promise<number> => {
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [TELEMETRY_TOPICS.samples] });
  return (offsets?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
};

try {
  const producer = kafka.producer();
  await producer.connect();
  const backlog = simulateTelemetry({
    ...GAMES,
    seed: 1,
    durationS: backlogSeconds,
    incidents: { pop: 0, feed: 0, broadcaster: 0, blip: 0 },
  });
  await produceCatalogue(producer, registry, backlog.catalogue);
  let t = performance.now();
  const { sent } = await produceSamples(producer, registry, backlog.samples());
  console.log(
    `produced ${sent} samples (${backlog.world.pairs.length} pairs x ${backlogSeconds} s) in ${((performance.now() - t) / 1000).toFixed(2)} s`,
  );

  // STADION_BENCH_CPU_PROF=dir writes the engine's CPU profile there (node --cpu-prof);
  // STADION_BENCH_ENGINE_LOG=file keeps its debug log (every flush with its durations).
  const profileDir = process.env['STADION_BENCH_CPU_PROF'];
  const logFile = process.env['STADION_BENCH_ENGINE_LOG'];
  const engines = Array.from({ length: instances }, (_, i) =>
    startEngine(
      { ...stack.env },
      [
        '--group-prefix',
        'bench',
        '--flush-interval-ms',
        flushIntervalMs,
        ...(logFile === undefined ? [] : ['--log-level', 'debug']),
        // More `stadion run` options: STADION_BENCH_RUN_ARGS="--standby".
        ...(process.env['STADION_BENCH_RUN_ARGS'] ?? '').split(' ').filter((a) => a !== ''),
      ],
      // Correlation in the first instance only: with several members joining the one-partition
      // telemetry-incidents group at once, the mock coordinator kept rebalancing it (docs/telemetry.md).
      i === 0 ? ['telemetry', 'telemetry-incidents'] : ['telemetry'],
      [
        // Node options of the engines: STADION_BENCH_NODE_ARGS="--max-semi-space-size=64".
        ...(process.env['STADION_BENCH_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== ''),
        ...(profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}/${i}`]),
      ],
    ),
  );
  let firstAt = 0;
  let peakRssMb = 0;
  // The stack process holds the registry and chDB; the mock broker is its child.
  const cpuOfAll = async (): Promise<number[]> => [
    ...(await Promise.all(engines.map((engine) => cpuSeconds(engine.child.pid)))),
    await cpuSeconds(stack.child.pid),
    ownCpuSeconds(), // polling the engines costs CPU too
  ];
  let cpuAtFirst: number[] = [];
  let stableAt: { ms: number; committed: number } | undefined;
  let metricsAt = 0;
  const firstInAt: number[] = [];
  // When a tenth and nine tenths of the samples were committed: the rate between the two leaves out the
  // start (joins, first fetches, compilation) and the end (the last flush waits for its interval).
  let tenthAt: number | undefined;
  let nineTenthsAt: number | undefined;
  // A stalled engine is an error with what was committed, not a benchmark that never ends.
  const backlogDeadlineMs = performance.now() + 600_000;
  for (;;) {
    if (performance.now() > backlogDeadlineMs)
      throw new Error(
        `the engines committed ${await committed('bench-telemetry')} of ${sent} samples before the deadline`,
      );
    let recordsIn = 0;
    const inPerEngine: number[] = [];
    // Each scrape costs an engine about a millisecond of its event loop: every 50 ms until every
    // instance has processed records, then once a second (for the peak RSS).
    const scrape = stableAt === undefined || performance.now() - metricsAt >= 1_000;
    if (scrape) metricsAt = performance.now();
    for (const engine of scrape ? engines : []) {
      const text = await metricsOf(engine.output);
      let mine = 0;
      for (const match of text.matchAll(
        /^stadion_records_in_total\{[^}]*topic="telemetry.samples"[^}]*\} (\d+)/gm,
      ))
        mine += Number(match[1]);
      inPerEngine.push(mine);
      if (mine > 0) firstInAt[inPerEngine.length - 1] ??= performance.now();
      recordsIn += mine;
      peakRssMb = Math.max(
        peakRssMb,
        Number(/^stadion_process_process_resident_memory_bytes (\d+)/m.exec(text)?.[1] ?? 0) / 2 ** 20,
      );
      if (engine.child.exitCode !== null) throw new Error(`engine exited: ${engine.output()}`);
    }
    if (recordsIn > 0 && firstAt === 0) {
      firstAt = performance.now();
      cpuAtFirst = await cpuOfAll();
    }
    const done = await committed('bench-telemetry');
    // Instances start together but join the group one after the other; the first may begin alone and
    // then give partitions away (a rebalance, a restore). Also timed: from the moment every instance
    // has processed records (each holds partitions), over what was committed after it. (The mock
    // broker does not answer DescribeGroups.)
    if (stableAt === undefined && scrape && inPerEngine.every((n) => n > 0))
      stableAt = { ms: performance.now(), committed: done };
    if (tenthAt === undefined && done >= sent / 10) tenthAt = performance.now();
    if (nineTenthsAt === undefined && done >= (sent * 9) / 10) nineTenthsAt = performance.now();
    if (done >= sent) break;
    await sleep(stableAt === undefined ? 50 : 100);
  }
  const endMs = performance.now();
  const seconds = (endMs - firstAt) / 1000;
  const cpuUsed = (await cpuOfAll()).map((c, i) => c - (cpuAtFirst[i] ?? 0));
  const stable =
    stableAt === undefined
      ? 'some instance never processed a record'
      : `${Math.round((sent - stableAt.committed) / ((endMs - stableAt.ms) / 1000))} samples/s once all ${instances} had partitions (${sent - stableAt.committed} samples, from ${((stableAt.ms - firstAt) / 1000).toFixed(2)} s)`;
  const steady =
    tenthAt === undefined || nineTenthsAt === undefined || nineTenthsAt <= tenthAt
      ? 'n/a'
      : String(Math.round((0.8 * sent) / ((nineTenthsAt - tenthAt) / 1000)));
  console.log(
    `stadion run telemetry x ${instances} (+ telemetry-incidents): ${steady} samples/s sustained (from 10 % to 90 % committed); ${Math.round(sent / seconds)} samples/s end to end (${sent} in ${seconds.toFixed(2)} s); ${stable}; peak RSS ${Math.round(peakRssMb)} MB per instance; ` +
      `first records counted at ${firstInAt.map((ms) => `+${(Math.max(0, ms - firstAt) / 1000).toFixed(2)} s`).join(', ')}`,
  );

  console.log(
    `CPU over those ${seconds.toFixed(2)} s: ${cpuUsed
      .slice(0, -2)
      .map((c, i) => `engine ${i} ${c.toFixed(1)} s`)
      .join(', ')}, stack (broker, registry, chDB) ${cpuUsed.at(-2)?.toFixed(1)} s, ` +
      `this benchmark ${cpuUsed.at(-1)?.toFixed(1)} s; ` +
      `${(cpuUsed.reduce((a, b) => a + b, 0) / seconds).toFixed(2)} of ${cpus().length} cores busy`,
  );

  // Latency: real time, Games load, incidents early enough to open and clear.
  const live = simulateTelemetry({
    ...GAMES,
    feeds: latencyFeeds,
    seed: 2,
    durationS: latencySeconds,
    incidents: { pop: 1, feed: 1, broadcaster: 0, blip: 0 },
    incidentDurationS: [20, 25],
    gapS: 10,
  });
  const consumer = kafka.consumer({ groupId: 'bench-alerts', sessionTimeout: 6_000, maxWaitTimeInMs: 50 });
  const latenciesMs: number[] = [];
  const liveStartMs = Date.now();
  await consumer.connect();
  await consumer.subscribe({ topics: [TELEMETRY_TOPICS.alerts], fromBeginning: true });
  const decoder = new SchemaRegistry({ host: config.schemaRegistry.url });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const arrivedMs = Date.now();
      if (message.value === null) return;
      const alert = (await decoder.decode(message.value)) as SlaAlert;
      if (alert.kind === 'OPENED' && alert.windowEndMs >= liveStartMs)
        latenciesMs.push(arrivedMs - alert.windowEndMs);
    },
  });
  // Incidents: the wall time each first shows in ClickHouse minus its detection time (event time: the
  // last opening plus the cluster gap, the earliest moment it can be decided).
  const clickhouse = createClickHouse(config.clickhouse);
  const incidentLatenciesMs = new Map<string, number>();
  const polling = { on: true };
  const pollIncidents = (async () => {
    while (polling.on) {
      const rows = await (
        await clickhouse.query({
          query: `SELECT incident_id, toUnixTimestamp64Milli(detected_at) AS detected FROM telemetry_incidents
                  WHERE detected_at >= fromUnixTimestamp64Milli(${liveStartMs})`,
          format: 'JSONEachRow',
        })
      ).json<{ incident_id: string; detected: string }>();
      const seenMs = Date.now();
      for (const row of rows)
        if (!incidentLatenciesMs.has(row.incident_id))
          incidentLatenciesMs.set(row.incident_id, seenMs - Number(row.detected));
      await sleep(250);
    }
  })();
  t = performance.now();
  const paced = await produceSamples(producer, registry, live.samples(), {
    rate: 'realtime',
    shiftMs: 'now',
  });
  const paceS = (performance.now() - t) / 1000;
  const expected = live.incidents.reduce((n, i) => n + i.pairs.length, 0);
  const waitUntilMs = Date.now() + 60_000;
  while (
    (latenciesMs.length < expected || incidentLatenciesMs.size < live.incidents.length) &&
    Date.now() < waitUntilMs
  )
    await sleep(100);
  polling.on = false;
  await pollIncidents;
  await clickhouse.close();
  await consumer.disconnect();
  await producer.disconnect();
  await Promise.all(
    engines.map(async (engine, i) => {
      const stopped = await Promise.race([engine.kill('SIGTERM'), sleep(60_000).then(() => 'late' as const)]);
      if (stopped !== 'late') return;
      console.log(`engine ${i} did not stop within 60 s of SIGTERM: killed`);
      await engine.kill('SIGKILL');
    }),
  );
  if (logFile !== undefined) await writeFile(logFile, engines.map((engine) => engine.output()).join(''));
  latenciesMs.sort((a, b) => a - b);
  const q = (p: number): number => latenciesMs[Math.floor(p * (latenciesMs.length - 1))] ?? Number.NaN;
  console.log(
    `latency at ${Math.round(paced.sent / paceS)} samples/s in real time (${paceS.toFixed(1)} s): ${latenciesMs.length} alerts opened ` +
      `(${expected} pairs injected); window end to alert on the topic p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms; ` +
      `breach start to alert = that + ${ALERT_WINDOW_MS} ms`,
  );
  const incidentMs = [...incidentLatenciesMs.values()].sort((a, b) => a - b);
  console.log(
    `incidents: ${incidentMs.length} in ClickHouse (${live.incidents.length} injected); detection (last opening + ` +
      `cluster gap, event time) to the row: ${incidentMs.map((ms) => `${ms} ms`).join(', ')}`,
  );
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}`);
} finally {
  await admin.disconnect();
  await stack.stop();
  await removeDataDir(dataDir);
}
