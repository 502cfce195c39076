/**
 * Engine throughput on the local stack: `stadion run demo-readings` (Avro decode, a 10 s tumbling window
 * per sensor with count/mean/max, a keyed-state processor, two ClickHouse sinks, changelogs, the
 * commit protocol) over readings produced beforehand, measured from the first record read to the last commit.
 * Also the pure compute ceiling: the same topology on the TestDriver, no I/O.
 *
 *   npx tsx bench/engine-throughput.ts [readings=400000]
 */
import { cpus } from 'node:os';
import { createClient } from '@clickhouse/client';
import { createKafka } from '../engine/clients/kafka.ts';
import { loadConfig } from '../engine/config/config.ts';
import { silentLogger } from '../engine/log.ts';
import { TestDriver } from '../engine/testing/test-driver.ts';
import { READINGS_TOPIC, readingsTopology } from '../processors/demo/readings.ts';
import {
  committedCount,
  makeReadings,
  produceReadings,
  startEngine,
} from '../test/engine/runtime/engine-process.ts';
import { makeDataDir, removeDataDir, startStackProcess } from '../test/support/stack-process.ts';

const total = Number(process.argv[2] ?? 400_000);
const sensors = 40;
const readings = makeReadings(42, sensors, Math.ceil(total / sensors));

// 1. Pure compute: the TestDriver runs the same Task code with no decoding and no I/O.
{
  const driver = new TestDriver(readingsTopology, { partitions: { readings: 4 } });
  const started = performance.now();
  for (const r of readings) driver.pipe('readings', r, { key: r.sensorId });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `TestDriver (no I/O): ${readings.length} readings in ${seconds.toFixed(2)} s = ${Math.round(readings.length / seconds)} readings/s`,
  );
}

// 2. End to end on the local stack.
const dataDir = await makeDataDir();
const stack = await startStackProcess(dataDir, ['--topic', `${READINGS_TOPIC}:4`]);
try {
  const config = loadConfig({ dataDir }, {});
  const kafka = createKafka(config.kafka, { logger: silentLogger });
  const admin = kafka.admin();
  await admin.connect();
  let started = performance.now();
  await produceReadings(kafka, config, readings);
  console.log(
    `produced ${readings.length} Avro readings in ${((performance.now() - started) / 1000).toFixed(2)} s`,
  );

  const engine = startEngine({ ...stack.env }, ['--group', 'bench', '--flush-interval-ms', '1000']);
  let firstRecordMs = 0;
  let peakRssMb = 0;
  for (;;) {
    const committed = await committedCount(admin, 'bench');
    const metricsUrl = /metrics at (\S+)/.exec(engine.output())?.[1];
    if (metricsUrl !== undefined) {
      const text = await (await fetch(metricsUrl)).text();
      const rss = Number(/^stadion_process_process_resident_memory_bytes (\d+)/m.exec(text)?.[1] ?? 0);
      peakRssMb = Math.max(peakRssMb, rss / 1024 / 1024);
      const recordsIn = Number(/^stadion_records_in_total\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
      if (recordsIn > 0 && firstRecordMs === 0) {
        firstRecordMs = performance.now();
        started = firstRecordMs;
      }
    }
    if (committed >= readings.length) break;
    if (engine.child.exitCode !== null) throw new Error(`engine exited: ${engine.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  await engine.kill('SIGTERM');
  const clickhouse = createClient({ url: config.clickhouse.url });
  const rows = await (
    await clickhouse.query({ query: 'SELECT count() AS n FROM demo_reading_windows', format: 'JSONEachRow' })
  ).json<{ n: string }>();
  await clickhouse.close();
  await admin.disconnect();
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}`);
  console.log(
    `stadion run demo-readings: ${readings.length} readings in ${seconds.toFixed(2)} s from the first record in to the last commit = ` +
      `${Math.round(readings.length / seconds)} readings/s; ${rows[0]?.n ?? '?'} window rows; peak RSS ${Math.round(peakRssMb)} MB`,
  );
} finally {
  await stack.stop();
  await removeDataDir(dataDir);
}
