/**
 * Memory over a long real-time run of the tracking topology: 100 m races start every `everyS`
 * seconds for `minutes` minutes, each produced in real time (50 fps, 8 athletes, keypoints), so about
 * `12 / everyS` races run at once. The engine's resident memory and heap are sampled from its metrics
 * every 15 s; the verdict compares the last minute with the second (after warm-up).
 *
 *   npx tsx bench/tracking-soak.ts [minutes=10] [everyS=1.5]
 */
import { cpus } from 'node:os';
import { createKafka } from '../engine/clients/kafka.ts';
import { createSchemaRegistry } from '../engine/clients/registry.ts';
import { loadConfig } from '../engine/config/config.ts';
import { silentLogger } from '../engine/log.ts';
import { avroEncoder } from '../processors/shared/produce.ts';
import { produceSessions } from '../processors/tracking/produce.ts';
import { simulateSprint } from '../processors/tracking/simulate/index.ts';
import { TRACKING_TOPICS } from '../processors/tracking/topology.ts';
import { trackingFrameSchema, type TrackingFrame } from '../schemas/generated.ts';
import { startEngine } from '../test/engine/runtime/engine-process.ts';
import { makeDataDir, removeDataDir, startStackProcess } from '../test/support/stack-process.ts';

const minutes = Number(process.argv[2] ?? 10);
const everyS = Number(process.argv[3] ?? 1.5);
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
const producer = kafka.producer();
await producer.connect();
const encode = await avroEncoder(registry, TRACKING_TOPICS.frames, trackingFrameSchema);
const engine = startEngine({ ...stack.env }, ['--group', 'soak', '--flush-interval-ms', '500'], 'tracking');
const metrics = async (): Promise<string> => {
  const url = /metrics at (\S+)/.exec(engine.output())?.[1];
  if (url === undefined) return '';
  return fetch(url)
    .then((r) => r.text())
    .catch(() => '');
};
const gauge = (text: string, name: string): number =>
  Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN) / 2 ** 20;

try {
  const startWallMs = Date.now() + 1_000;
  const endWallMs = startWallMs + minutes * 60_000;
  let queue: TrackingFrame[] = [];
  let raceIndex = 0;
  let nextRaceMs = startWallMs;
  let nextSampleMs = startWallMs;
  let sent = 0;
  const samples: Array<{ minute: number; rssMb: number; heapMb: number; lag: number }> = [];
  console.log('minute  rss MB  heap MB  frames sent  consumer lag');
  while (Date.now() < endWallMs) {
    const now = Date.now();
    if (now >= nextRaceMs) {
      const race = simulateSprint({
        seed: raceIndex + 1,
        sessionId: `soak-${raceIndex}`,
        startSignalMs: now + 200,
      });
      await produceSessions(producer, registry, [race.session]);
      queue = [...queue, ...race.frames].sort((a, b) => a.eventTimeMs - b.eventTimeMs);
      raceIndex += 1;
      nextRaceMs += everyS * 1000;
    }
    let due = 0;
    while (due < queue.length && (queue[due]?.eventTimeMs ?? Number.POSITIVE_INFINITY) <= Date.now())
      due += 1;
    if (due > 0) {
      const batch = queue.slice(0, due);
      queue = queue.slice(due);
      await producer.send({
        topic: TRACKING_TOPICS.frames,
        acks: -1,
        messages: batch.map((f) => ({
          key: f.sessionId,
          value: encode(f),
          timestamp: String(f.eventTimeMs),
        })),
      });
      sent += batch.length;
    }
    if (now >= nextSampleMs) {
      nextSampleMs += 15_000;
      const text = await metrics();
      const lag = [...text.matchAll(/^stadion_consumer_lag_records\{[^}]*\} (\S+)/gm)].reduce(
        (n, m) => n + Number(m[1]),
        0,
      );
      const sample = {
        minute: (now - startWallMs) / 60_000,
        rssMb: gauge(text, 'stadion_process_process_resident_memory_bytes'),
        heapMb: gauge(text, 'stadion_process_nodejs_heap_size_used_bytes'),
        lag,
      };
      if (!Number.isFinite(sample.rssMb)) continue; // the engine is not serving metrics yet
      samples.push(sample);
      console.log(
        `${sample.minute.toFixed(2).padStart(6)}  ${sample.rssMb.toFixed(0).padStart(6)}  ${sample.heapMb.toFixed(0).padStart(7)}  ${String(sent).padStart(11)}  ${String(lag).padStart(12)}`,
      );
    }
    await sleep(10);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const second = samples.filter((s) => s.minute >= 1 && s.minute < 2);
  const last = samples.filter((s) => s.minute >= minutes - 1);
  console.log(
    `${raceIndex} races, ${sent} frames (${Math.round((sent * 8) / (minutes * 60))} athlete-frames/s on average); ` +
      `RSS second minute ${mean(second.map((s) => s.rssMb)).toFixed(0)} MB, last minute ${mean(last.map((s) => s.rssMb)).toFixed(0)} MB; ` +
      `heap ${mean(second.map((s) => s.heapMb)).toFixed(0)} MB -> ${mean(last.map((s) => s.heapMb)).toFixed(0)} MB`,
  );
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}`);
} finally {
  await engine.kill('SIGTERM');
  await producer.disconnect();
  await stack.stop();
  await removeDataDir(dataDir);
}
