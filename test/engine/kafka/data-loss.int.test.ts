/**
 * Data loss made visible: the broker drops a partition's oldest batches (as retention would) while the
 * engine is stopped; when it comes back its committed offset is gone, and it must say so loudly, in its
 * logs and in its metrics, with the number of records lost.
 */
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../../engine/clients/kafka.ts';
import { loadConfig, type StadionConfig } from '../../../engine/config/config.ts';
import { silentLogger } from '../../../engine/log.ts';
import { BrokerControl } from '../../../stack/broker/control.ts';
import { READINGS_TOPIC } from '../../../processors/demo/readings.ts';
import {
  makeDataDir,
  removeDataDir,
  startStackProcess,
  type StackProcess,
} from '../../support/stack-process.ts';
import { waitFor } from '../../support/wait.ts';
import { makeReadings, produceReadings, startEngine, waitForCompletion } from '../runtime/engine-process.ts';

let dataDir: string;
let stack: StackProcess;
let config: StadionConfig;
let kafka: Kafka;
let admin: Admin;
let patched = false;

beforeAll(async () => {
  dataDir = await makeDataDir();
  stack = await startStackProcess(dataDir, [
    '--topic',
    `${READINGS_TOPIC}:1`,
    '--partition-max-batches',
    '50',
  ]);
  config = loadConfig({ dataDir }, {});
  const control = await BrokerControl.connect(config.kafka.localControl ?? '');
  patched = (await control.info()).patched;
  control.close();
  kafka = createKafka(config.kafka, { logger: silentLogger });
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await admin.disconnect();
  await stack.stop();
  await removeDataDir(dataDir);
});

/** Produces readings ten per send, so each send is one batch on the partition. */
async function produceBatches(seed: number, batches: number): Promise<void> {
  const readings = makeReadings(seed, 1, batches * 10);
  for (let i = 0; i < batches; i += 1)
    await produceReadings(kafka, config, readings.slice(i * 10, i * 10 + 10));
}

describe('a consumer whose committed offset is gone', () => {
  it('reports the lost records in its logs and metrics, then goes on', async () => {
    expect(patched, 'the stock mock broker cannot limit partitions per process: run scripts/setup.sh').toBe(
      true,
    );
    await produceBatches(1, 30);
    const first = startEngine({ ...stack.env }, ['--group', 'loss']);
    await waitForCompletion(admin, 'loss', 60_000, first);
    expect(await first.kill('SIGTERM')).toBe(0);
    expect(first.output()).not.toContain('DATA LOSS');

    await produceBatches(2, 60); // 90 batches on a partition that keeps 50: the 40 oldest vanish
    const [marks] = await admin.fetchTopicOffsets(READINGS_TOPIC);
    expect(Number(marks?.low)).toBe(400);

    const second = startEngine({ ...stack.env }, ['--group', 'loss']);
    await waitForCompletion(admin, 'loss', 60_000, second);
    const metricsUrl = /metrics at (\S+)/.exec(second.output())?.[1] ?? '';
    const metrics = await waitFor(
      async () => {
        const text = await (await fetch(metricsUrl)).text();
        return text.includes('stadion_consumer_lost_records_total{') ? text : undefined;
      },
      { timeoutMs: 10_000, what: `the lost-records metric; engine said: ${second.output().slice(-3000)}` },
    );
    await second.kill('SIGTERM');
    expect(second.output()).toContain(
      `DATA LOSS: 100 records of ${READINGS_TOPIC}[0] were gone before group loss read them`,
    );
    expect(second.output()).toContain('"code":"DATA_LOSS"');
    expect(metrics).toContain(
      `stadion_consumer_lost_records_total{topic="${READINGS_TOPIC}",partition="0"} 100`,
    );
  });
});
