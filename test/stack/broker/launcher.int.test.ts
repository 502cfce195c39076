/**
 * The real launcher: kcat and kafkajs against librdkafka's mock cluster, topics and faults through the
 * control port (also from another process), and the defects the patch fixes.
 */
import { execFile, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, Partitioners, logLevel, type Consumer, type EachBatchPayload } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StadionError } from '../../../engine/errors.ts';
import { BrokerControl, KAFKA_API_KEYS, KAFKA_ERROR_CODES } from '../../../stack/broker/control.ts';
import { DEFAULT_LAUNCHER_PATH, startMockBroker, type MockBroker } from '../../../stack/broker/launcher.ts';
import { parseHostPort } from '../../../stack/broker/protocol.ts';
import { waitFor } from '../../support/wait.ts';

const execFileAsync = promisify(execFile);
const REPO_ROOT = resolve(import.meta.dirname, '../../..');
const NOT_PATCHED =
  'stock librdkafka mock (patched=false): controller id 0 and 5 MiB / 100,000-batch partitions; ' +
  'run native/mock-broker/build.sh with access to Debian sources';

let broker: MockBroker;
let kafka: Kafka;
const consumers: Consumer[] = [];

beforeAll(async () => {
  broker = await startMockBroker({ topics: [{ name: 'at.start', partitions: 4 }] });
  kafka = new Kafka({
    clientId: 'launcher-int-test',
    brokers: broker.bootstrap.split(','),
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, retries: 20 },
  });
});

afterAll(async () => {
  await Promise.allSettled(consumers.map((consumer) => consumer.disconnect()));
  await broker.stop();
});

function producer(options: { idempotent?: boolean } = {}) {
  return kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: options.idempotent ?? false,
    retry: { initialRetryTime: 100, retries: 20 },
  });
}

function groupConsumer(groupId: string): Consumer {
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 6_000,
    rebalanceTimeout: 20_000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 200,
    retry: { initialRetryTime: 100, retries: 50 },
  });
  consumers.push(consumer);
  return consumer;
}

interface KcatMetadata {
  controllerid?: number;
  brokers: Array<{ id: number }>;
  topics: Array<{ topic: string; partitions: unknown[] }>;
}

async function kcatMetadata(): Promise<KcatMetadata> {
  const { stdout } = await execFileAsync('kcat', ['-L', '-J', '-b', broker.bootstrap]);
  return JSON.parse(stdout) as KcatMetadata;
}

/** Produces one record per line with kcat (librdkafka), to one partition. */
async function kcatProduce(
  topic: string,
  partition: number,
  lines: readonly string[],
  extraArgs: readonly string[] = [],
): Promise<void> {
  const child = spawn(
    'kcat',
    ['-P', '-b', broker.bootstrap, '-t', topic, '-p', String(partition), ...extraArgs],
    {
      stdio: ['pipe', 'ignore', 'pipe'],
    },
  );
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = new Promise<number | null>((done) => child.once('exit', done));
  child.stdin.end(`${lines.join('\n')}\n`);
  if ((await code) !== 0) throw new Error(`kcat -P failed: ${err}`);
}

/** Whether a TCP connection to `host:port` is accepted. */
async function accepts(hostPort: string): Promise<boolean> {
  const { host, port } = parseHostPort(hostPort);
  return new Promise<boolean>((done) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => {
      done(false);
    });
  });
}

/** Runs a tiny script in a fresh Node process that uses BrokerControl against the running launcher. */
async function controlFromAnotherProcess(body: string): Promise<string> {
  const controlUrl = pathToFileURL(resolve(REPO_ROOT, 'stack/broker/control.ts')).href;
  const script =
    `const { BrokerControl } = await import(${JSON.stringify(controlUrl)});\n` +
    `const control = await BrokerControl.connect(process.env.CONTROL);\n` +
    `try { ${body} } finally { control.close(); }`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    env: { ...process.env, CONTROL: broker.controlAddress },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`control script exited with ${String(code)}: ${err}`);
  return out;
}

describe('the launcher', () => {
  it('reports where it listens and what it runs', async () => {
    expect(broker.bootstrap).toMatch(/^127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+){2}$/);
    expect(broker.controlAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(broker.brokerIds).toEqual([1, 2, 3]);
    expect(broker.librdkafkaVersion).toBe('2.0.2');
    const info = await broker.control.info();
    expect(info).toMatchObject({ bootstrap: broker.bootstrap, control: broker.controlAddress });
    if (!broker.patched) console.warn(`launcher.int.test: ${NOT_PATCHED}`);
  });

  it('lets kcat see 3 brokers and the topics created at start and over the control port', async () => {
    const printed = await controlFromAnotherProcess(
      `const made = await control.createTopic('on.control', 3);\n` +
        `const again = await control.createTopic('on.control', 3);\n` +
        `console.log(JSON.stringify({ made, again, topics: await control.listTopics() }));`,
    );
    const fromChild = JSON.parse(printed) as {
      made: { created: boolean };
      again: { created: boolean };
      topics: Array<{ name: string; partitions: number }>;
    };
    expect(fromChild.made.created).toBe(true);
    expect(fromChild.again.created).toBe(false);
    expect(fromChild.topics).toEqual(
      expect.arrayContaining([
        { name: 'at.start', partitions: 4 },
        { name: 'on.control', partitions: 3 },
      ]),
    );

    const metadata = await kcatMetadata();
    expect(metadata.brokers.map((b) => b.id).sort()).toEqual([1, 2, 3]);
    const partitions = Object.fromEntries(metadata.topics.map((t) => [t.topic, t.partitions.length]));
    expect(partitions).toMatchObject({ 'at.start': 4, 'on.control': 3 });
  });

  it('refuses bad control commands with BROKER_CONTROL and stays usable', async () => {
    const control = await BrokerControl.connect(broker.controlAddress);
    try {
      await expect(control.createTopic('at.start', 5)).rejects.toThrow(/exists with 4 partitions, not 5/);
      await expect(control.setPartitionLeader('no.such.topic', 0, 1)).rejects.toThrow(/unknown topic/);
      await expect(control.setPartitionLeader('at.start', 4, 1)).rejects.toThrow(/has 4 partitions/);
      await expect(control.brokerDown(9)).rejects.toThrow(/usage/);
      await expect(control.send('no_such_command')).rejects.toSatisfy(
        (error: unknown) => error instanceof StadionError && error.code === 'BROKER_CONTROL',
      );
      // Several commands in flight on one connection are answered in order.
      const answers = await Promise.all([control.ping(), control.listTopics(), control.ping()]);
      expect(answers[1].map((t) => t.name)).toContain('at.start');
      await control.pushRequestErrors(KAFKA_API_KEYS.Produce, [KAFKA_ERROR_CODES.NOT_LEADER_FOR_PARTITION]);
      await control.clearRequestErrors(KAFKA_API_KEYS.Produce);
      await control.pushBrokerRequestErrors(1, KAFKA_API_KEYS.Fetch, [{ code: 0, rttMs: 1 }]);
      await control.setRtt(-1, 0);
    } finally {
      control.close();
    }
    await expect(control.ping()).rejects.toThrow(/closed/);
  });

  it('delivers 10,000 records on 6 partitions exactly once to a group of 2 kafkajs consumers', async () => {
    const topic = 'exactly.once';
    const groupId = 'exactly-once-group';
    const total = 10_000;
    await broker.control.createTopic(topic, 6);

    const seen = new Map<string, number>();
    let deliveries = 0;
    const assignments = new Map<string, number[]>();
    const members = [groupConsumer(groupId), groupConsumer(groupId)];
    // One after the other: two members joining the mock's coordinator at the same moment can keep it
    // rebalancing (docs/telemetry.md, Limits); the second join is still a rebalance of a live group.
    for (const [index, consumer] of members.entries()) {
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        assignments.set(String(index), event.payload.memberAssignment[topic] ?? []);
      });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachBatch: async ({ batch }: EachBatchPayload) => {
          for (const message of batch.messages) {
            const key = message.key?.toString() ?? '';
            seen.set(key, (seen.get(key) ?? 0) + 1);
            deliveries += 1;
          }
          await Promise.resolve();
        },
      });
      await waitFor(() => (assignments.has(String(index)) ? true : undefined), {
        timeoutMs: 60_000,
        what: `consumer ${index} to join`,
      });
    }
    await waitFor(
      () => {
        const all = [...assignments.values()].flat().sort((a, b) => a - b);
        return assignments.size === 2 &&
          [...assignments.values()].every((parts) => parts.length > 0) &&
          JSON.stringify(all) === JSON.stringify([0, 1, 2, 3, 4, 5])
          ? true
          : undefined;
      },
      { timeoutMs: 60_000, what: 'both consumers to share the 6 partitions' },
    );

    const started = Date.now();
    const sender = producer();
    await sender.connect();
    const value = 'v'.repeat(150);
    for (let from = 0; from < total; from += 1_000) {
      await sender.send({
        topic,
        messages: Array.from({ length: 1_000 }, (_, i) => ({ key: `k${from + i}`, value })),
      });
    }
    await sender.disconnect();
    await waitFor(() => (seen.size === total ? true : undefined), {
      timeoutMs: 60_000,
      what: `all ${total} records to be consumed (got ${seen.size})`,
    });
    const elapsedMs = Date.now() - started;
    console.log(`launcher.int.test: 10,000 records produced and consumed by the group in ${elapsedMs} ms`);
    expect(deliveries).toBe(total);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    await Promise.all(members.map((consumer) => consumer.stop()));
  });

  it('lets a consumer resume with no record lost after broker_down / broker_up', async () => {
    const topic = 'broker.down';
    const groupId = 'broker-down-group';
    await broker.control.createTopic(topic, 6);
    // Deterministic placement: broker 2 leads partitions 1 and 4; the group's coordinator stays on 1.
    for (let partition = 0; partition < 6; partition += 1) {
      await broker.control.setPartitionLeader(topic, partition, (partition % 3) + 1);
    }
    await broker.control.setCoordinator('group', groupId, 1);
    const onDownBroker = new Set([1, 4]);

    const sender = producer();
    await sender.connect();
    const produced = new Set<string>();
    const send = async (
      label: string,
      partitions: readonly number[],
      perPartition: number,
    ): Promise<void> => {
      const messages = partitions.flatMap((partition) =>
        Array.from({ length: perPartition }, (_, i) => {
          const key = `${label}-${partition}-${i}`;
          produced.add(key);
          return { key, value: key, partition };
        }),
      );
      await sender.send({ topic, messages });
    };

    const seen = new Map<string, number>();
    const consumer = groupConsumer(groupId);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const key = message.key?.toString() ?? '';
        seen.set(key, (seen.get(key) ?? 0) + 1);
        await Promise.resolve();
      },
    });
    const allSeen = (what: string) =>
      waitFor(() => ([...produced].every((key) => seen.has(key)) ? true : undefined), {
        timeoutMs: 60_000,
        what,
      });

    await send('before', [0, 1, 2, 3, 4, 5], 500);
    await allSeen('the records produced before the fault');

    const broker2 = broker.bootstrap.split(',')[1] ?? '';
    await broker.control.brokerDown(2);
    expect(await accepts(broker2)).toBe(false);
    await send('during', [0, 2, 3, 5], 500);
    await allSeen('records on the brokers still up, while broker 2 is down');

    await broker.control.brokerUp(2);
    expect(await accepts(broker2)).toBe(true);
    await send('after', [0, 1, 2, 3, 4, 5], 500);
    await allSeen('every record, including those on broker 2, after it came back');
    await sender.disconnect();

    const missing = [...produced].filter((key) => !seen.has(key));
    expect(missing).toEqual([]);
    const onBroker2 = [...seen.keys()].filter((key) => onDownBroker.has(Number(key.split('-')[1])));
    expect(onBroker2.length).toBe(2 * 2 * 500);
    await consumer.stop();
  });
});

describe('with the patched mock', () => {
  it('runs the kafkajs admin client and idempotent producer (a real controller id)', async () => {
    expect(broker.patched, NOT_PATCHED).toBe(true);
    const metadata = await kcatMetadata();
    expect(broker.brokerIds).toContain(metadata.controllerid);

    const admin = kafka.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(broker.brokerIds).toContain(cluster.controller);

      await broker.control.createTopic('idempotent', 3);
      const sender = producer({ idempotent: true });
      await sender.connect();
      for (let batch = 0; batch < 10; batch += 1) {
        await sender.send({
          topic: 'idempotent',
          messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${batch}-${i}`, value: 'x' })),
        });
      }
      await sender.disconnect();
      const offsets = await admin.fetchTopicOffsets('idempotent');
      expect(offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0)).toBe(1_000);
    } finally {
      await admin.disconnect();
    }
  });

  it('keeps every record of a partition holding more than 5 MiB and 100,000 batches', async () => {
    expect(broker.patched, NOT_PATCHED).toBe(true);
    const topic = 'big.partition';
    await broker.control.createTopic(topic, 1);
    const sender = producer();
    await sender.connect();
    const value = 'b'.repeat(1_000);
    const records = 8_000; // ~8 MiB, one batch per send of 500
    for (let from = 0; from < records; from += 500) {
      await sender.send({
        topic,
        messages: Array.from({ length: 500 }, (_, i) => ({ key: String(from + i), value })),
      });
    }
    await sender.disconnect();
    // Then 100,500 single-record batches (kcat, one message per batch): beyond the stock batch-count limit.
    const small = 100_500;
    await kcatProduce(
      topic,
      0,
      Array.from({ length: small }, (_, i) => String(i)),
      ['-X', 'linger.ms=0', '-X', 'batch.num.messages=1', '-X', 'queue.buffering.max.messages=200000'],
    );

    const admin = kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(offsets).toMatchObject({ low: '0', high: String(records + small) });

    // A real non-Node client reads the first 8 MiB back from offset 0.
    const { stdout } = await execFileAsync(
      'kcat',
      [
        '-C',
        '-b',
        broker.bootstrap,
        '-t',
        topic,
        '-p',
        '0',
        '-o',
        'beginning',
        '-c',
        String(records),
        '-f',
        '%o %S\n',
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const lines = stdout.trim().split('\n');
    expect(lines.length).toBe(records);
    expect(lines[0]).toBe('0 1000');
    expect(lines.every((line, index) => line === `${index} 1000`)).toBe(true);
  });

  it('ends a rebalance as soon as every member has rejoined (no wait of session timeout less 1 s)', async () => {
    expect(broker.patched, NOT_PATCHED).toBe(true);
    const topic = 'late.join';
    await broker.control.createTopic(topic, 4);
    const groupId = 'late-join';
    const assignments = new Map<number, number[]>();
    const member = (index: number): Consumer => {
      // A long session: the stock mock would hold the second join for 29 s.
      const consumer = kafka.consumer({
        groupId,
        sessionTimeout: 30_000,
        rebalanceTimeout: 60_000,
        heartbeatInterval: 500,
        maxWaitTimeInMs: 200,
      });
      consumers.push(consumer);
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        assignments.set(index, event.payload.memberAssignment[topic] ?? []);
      });
      return consumer;
    };
    const start = async (consumer: Consumer): Promise<void> => {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachBatch: () => Promise.resolve() });
    };
    const first = member(0);
    await start(first);
    await waitFor(() => (assignments.get(0)?.length === 4 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the first member to hold all 4 partitions',
    });
    const second = member(1);
    const joinedAt = Date.now();
    await start(second);
    await waitFor(
      () => {
        const all = [...assignments.values()].flat().sort((a, b) => a - b);
        return (assignments.get(1)?.length ?? 0) > 0 && JSON.stringify(all) === '[0,1,2,3]'
          ? true
          : undefined;
      },
      { timeoutMs: 15_000, what: 'the two members to share the 4 partitions well before 29 s' },
    );
    console.log(
      `launcher.int.test: a late member had its partitions ${Date.now() - joinedAt} ms after joining`,
    );
    await Promise.all([first.stop(), second.stop()]);
  });

  it('answers offsets by timestamp', async () => {
    expect(broker.patched, NOT_PATCHED).toBe(true);
    const topic = 'by.time';
    await broker.control.createTopic(topic, 1);
    const base = 1_700_000_000_000;
    const sender = producer();
    await sender.connect();
    for (let batch = 0; batch < 10; batch += 1) {
      await sender.send({
        topic,
        messages: Array.from({ length: 10 }, (_, i) => ({
          value: `${batch}-${i}`,
          timestamp: String(base + batch * 1_000 + i),
        })),
      });
    }
    await sender.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.fetchTopicOffsetsByTimestamp(topic, base + 5_003)).toEqual([
        { partition: 0, offset: '53' },
      ]);
      expect(await admin.fetchTopicOffsetsByTimestamp(topic, base - 1)).toEqual([
        { partition: 0, offset: '0' },
      ]);
      // Later than every record: kafkajs answers the end of the log.
      expect(await admin.fetchTopicOffsetsByTimestamp(topic, base + 60_000)).toEqual([
        { partition: 0, offset: '100' },
      ]);
    } finally {
      await admin.disconnect();
    }
  });
});

describe('the launcher process', () => {
  it('stops cleanly on SIGTERM, on a shutdown command, and when its stdin closes', async () => {
    const byStop = await startMockBroker({ brokers: 1 });
    await byStop.stop();
    expect(() => process.kill(byStop.pid, 0)).toThrow();

    const byCommand = await startMockBroker({ brokers: 1 });
    const control = await BrokerControl.connect(byCommand.controlAddress);
    await control.shutdown();
    await waitFor(
      () => {
        try {
          process.kill(byCommand.pid, 0);
          return undefined;
        } catch {
          return true;
        }
      },
      { timeoutMs: 10_000, what: 'the launcher to exit after shutdown' },
    );
    await byCommand.stop();

    const orphan = spawn(DEFAULT_LAUNCHER_PATH, ['--brokers', '1', '--exit-on-stdin-eof'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const exited = new Promise<number | null>((done) => orphan.once('exit', done));
    await new Promise<void>((ready) => {
      orphan.stdout.once('data', () => {
        ready();
      });
    });
    orphan.stdin.end();
    expect(await exited).toBe(0);
  });
});
