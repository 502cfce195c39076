/**
 * Sustained traffic readings per second through `stadion run traffic` on the local stack, and the same
 * topology's pure compute on the TestDriver.
 *
 *   npx tsx bench/traffic-throughput.ts [venues=50] [hours=1] [flushIntervalMs=2000] [instances=1]
 *   STADION_BENCH_CPU_PROF=/tmp/prof npx tsx bench/traffic-throughput.ts 50 0.25   # with the engine's CPU profile
 *
 * 1. A city of `venues` venues (4 corridors x 10 segments each way: 80 segments, about 196 lane
 *    sensors per venue; 50 venues are about 9,800 sensors) is simulated for `hours` hours under two
 *    plans (baseline, closure), and the station readings (one record per segment and 30 s, one entry
 *    per lane) are produced to traffic.readings (4 partitions), plans interleaved, as fast as possible.
 * 2. `instances` x `stadion run traffic --flush-interval-ms <flushIntervalMs>` in one consumer group
 *    (one process per core: a Node process runs the topology on one core) process them: timed from
 *    the first record read to the last commit. Longer flush intervals write each key's state to its
 *    changelog less often (the windows are minutes long, so 2 s adds little latency).
 * 3. The TestDriver runs the same topology over the same records in this process (no I/O).
 */
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { createKafka } from '../engine/clients/kafka.ts';
import { createSchemaRegistry } from '../engine/clients/registry.ts';
import { loadConfig } from '../engine/config/config.ts';
import { silentLogger } from '../engine/log.ts';
import { TestDriver } from '../engine/testing/test-driver.ts';
import { produceNetwork, produceReadings } from '../processors/traffic/produce.ts';
import { simulateTraffic } from '../processors/traffic/simulate/index.ts';
import { readingKeyOf, TRAFFIC_TOPICS, trafficTopology } from '../processors/traffic/topology.ts';
import { startEngine } from '../test/engine/runtime/engine-process.ts';
import { makeDataDir, removeDataDir, startStackProcess } from '../test/support/stack-process.ts';

const venues = Number(process.argv[2] ?? 50);
const hours = Number(process.argv[3] ?? 1);
const flushIntervalMs = Number(process.argv[4] ?? 2000);
const instances = Number(process.argv[5] ?? 1);
/** Node options of the engine processes: STADION_BENCH_NODE_ARGS="--max-semi-space-size=64". */
const nodeArgs = (process.env['STADION_BENCH_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const sim = simulateTraffic({
  venues,
  hours,
  // An evening slice with sessions in it: 17:00 UTC onwards.
  dayStartMs: Date.UTC(2026, 6, 24, 17, 0, 0),
  sessionsPerVenue: 1,
});
const sensors = sim.segments.reduce((n, s) => n + s.lanes, 0);
console.log(
  `${sim.segments.length} segments, ${sensors} lane sensors, ${hours} h, plans ${sim.scenarios.map((s) => s.scenarioId).join(', ')}`,
);

const dataDir = await makeDataDir();
const stack = await startStackProcess(dataDir, [
  '--topic',
  `${TRAFFIC_TOPICS.readings}:4`,
  '--topic',
  `${TRAFFIC_TOPICS.segments}:1`,
  '--topic',
  `${TRAFFIC_TOPICS.scenarios}:1`,
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

try {
  const producer = kafka.producer();
  await producer.connect();
  let t = performance.now();
  await produceNetwork(producer, registry, sim.segments, sim.scenarios);
  const { records, laneReadings } = await produceReadings(
    producer,
    registry,
    sim.scenarios.map((s) => sim.readings(s.scenarioId)),
  );
  await producer.disconnect();
  console.log(
    `produced ${records} station records (${laneReadings} lane readings) in ${((performance.now() - t) / 1000).toFixed(2)} s (simulation included)`,
  );

  // STADION_BENCH_CPU_PROF=dir writes the engine's CPU profile there (node --cpu-prof).
  const profileDir = process.env['STADION_BENCH_CPU_PROF'];
  const args = ['--group', 'bench-traffic', '--flush-interval-ms', String(flushIntervalMs)];
  // STADION_BENCH_ENGINE_LOG=file keeps the engines' debug log (every flush with its durations).
  const logFile = process.env['STADION_BENCH_ENGINE_LOG'];
  if (logFile !== undefined) args.push('--log-level', 'debug');
  const engines = Array.from({ length: instances }, (_, i) =>
    startEngine({ ...stack.env }, args, 'traffic', [
      ...nodeArgs,
      ...(profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}/${i}`]),
    ]),
  );
  let firstAt = 0;
  let peakRssMb = 0;
  for (;;) {
    let recordsIn = 0;
    for (const engine of engines) {
      const text = await metricsOf(engine.output);
      recordsIn += Number(/^stadion_records_in_total\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
      peakRssMb = Math.max(
        peakRssMb,
        Number(/^stadion_process_process_resident_memory_bytes (\d+)/m.exec(text)?.[1] ?? 0) / 2 ** 20,
      );
      if (engine.child.exitCode !== null) throw new Error(`engine exited: ${engine.output()}`);
    }
    if (recordsIn > 0 && firstAt === 0) firstAt = performance.now();
    const [committed] = await admin.fetchOffsets({
      groupId: 'bench-traffic',
      topics: [TRAFFIC_TOPICS.readings],
    });
    if ((committed?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0) >= records)
      break;
    await sleep(50);
  }
  const engineS = (performance.now() - firstAt) / 1000;
  await Promise.all(engines.map((engine) => engine.kill('SIGTERM')));
  if (logFile !== undefined) await writeFile(logFile, engines.map((engine) => engine.output()).join(''));
  console.log(
    `stadion run traffic x ${instances}: ${Math.round(laneReadings / engineS)} lane readings/s (${Math.round(records / engineS)} station records/s, ${engineS.toFixed(2)} s); peak RSS ${Math.round(peakRssMb)} MB per instance`,
  );

  // Pure compute: the same records through the TestDriver (4 partitions, as on the topic).
  const driver = new TestDriver(trafficTopology, { partitions: { readings: 4 } });
  for (const s of sim.segments) driver.pipe('segments', s, { key: s.segmentId });
  const plans = sim.scenarios.map((s) => sim.readings(s.scenarioId));
  const batches: Array<ReturnType<(typeof plans)[number]['next']>> = [];
  for (let any = true; any;) {
    any = false;
    for (const plan of plans) {
      const next = plan.next();
      if (next.done !== true) {
        any = true;
        batches.push(next);
      }
    }
  }
  t = performance.now();
  for (const batch of batches)
    if (batch.done !== true)
      for (const reading of batch.value) driver.pipe('readings', reading, { key: readingKeyOf(reading) });
  const pureS = (performance.now() - t) / 1000;
  console.log(
    `TestDriver, same topology, no I/O: ${Math.round(laneReadings / pureS)} lane readings/s (${Math.round(records / pureS)} station records/s)`,
  );
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}`);
} finally {
  await admin.disconnect();
  await stack.stop();
  await removeDataDir(dataDir);
}
