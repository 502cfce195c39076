/** Helpers for the engine's integration tests: a `stadion run` process, input data, and result tables. */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ClickHouseClient } from '@clickhouse/client';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import type { Admin, Kafka } from 'kafkajs';
import { createSchemaRegistry } from '../../../engine/clients/registry.ts';
import { decodeCommitMetadata } from '../../../engine/runtime/commit-metadata.ts';
import type { StadionConfig } from '../../../engine/config/config.ts';
import { READINGS_TOPIC, READING_SCHEMA, type Reading } from '../../../processors/demo/readings.ts';
import { seededRandom } from '../../support/random.ts';
import { STADION_BIN } from '../../support/stack-process.ts';
import { waitFor } from '../../support/wait.ts';

export interface EngineProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export function startEngine(
  env: Readonly<Record<string, string>>,
  args: readonly string[],
  /** One topology, or several run by one process. */
  topology: string | readonly string[] = 'demo-readings',
  /** Options for node itself, before the script (benchmarks: `--cpu-prof`). */
  nodeArgs: readonly string[] = [],
): EngineProcess {
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      STADION_BIN,
      'run',
      ...(typeof topology === 'string' ? [topology] : topology),
      '--metrics-port',
      '0',
      '--flush-interval-ms',
      '200',
      '--session-timeout-ms',
      '6000',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, STADION_LOG_LEVEL: 'warn', ...env } },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });
  return {
    child,
    output: () => output,
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Readings of `sensors` sensors at 10 Hz, shuffled within 1 s per sensor (the topology allows 2 s), seeded. */
export function makeReadings(seed: number, sensors: number, perSensor: number): Reading[] {
  const random = seededRandom(seed);
  const startMs = Date.UTC(2026, 7, 1, 10, 0, 0);
  const bySensor: Reading[][] = [];
  for (let s = 0; s < sensors; s += 1) {
    const list: Reading[] = [];
    for (let i = 0; i < perSensor; i += 1) {
      list.push({
        sensorId: `sensor-${s}`,
        sequence: i,
        eventTimeMs: startMs + i * 100,
        speedMps: Math.round(random() * 12_000) / 1000,
      });
    }
    for (let i = 0; i < list.length; i += 1) {
      const j = Math.min(list.length - 1, i + Math.floor(random() * 10)); // at most 9 steps = 0.9 s later
      const a = list[i];
      const b = list[j];
      if (a !== undefined && b !== undefined) {
        list[i] = b;
        list[j] = a;
      }
    }
    bySensor.push(list);
  }
  const interleaved: Reading[] = [];
  for (let i = 0; i < perSensor; i += 1)
    for (const list of bySensor) if (list[i] !== undefined) interleaved.push(list[i] as Reading);
  return interleaved;
}

export async function produceReadings(
  kafka: Kafka,
  config: StadionConfig,
  readings: readonly Reading[],
  poison: readonly Buffer[] = [],
): Promise<void> {
  const registry = createSchemaRegistry(config.schemaRegistry);
  const { id } = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(READING_SCHEMA) },
    { subject: `${READINGS_TOPIC}-value` },
  );
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let i = 0; i < readings.length; i += 2_000) {
      const chunk = readings.slice(i, i + 2_000);
      const messages = await Promise.all(
        chunk.map(async (r) => ({ key: r.sensorId, value: await registry.encode(id, r) })),
      );
      await producer.send({ topic: READINGS_TOPIC, acks: -1, messages });
    }
    if (poison.length > 0)
      await producer.send({
        topic: READINGS_TOPIC,
        acks: -1,
        messages: poison.map((value) => ({ key: 'sensor-0', value })),
      });
  } finally {
    await producer.disconnect();
  }
}

/** Waits until the group has committed every partition up to the topic's end. */
export async function waitForCompletion(
  admin: Admin,
  groupId: string,
  timeoutMs: number,
  engine?: EngineProcess,
  topic: string = READINGS_TOPIC,
): Promise<void> {
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  await waitFor(
    async () => {
      if (engine !== undefined && engine.child.exitCode !== null)
        throw new Error(`engine exited ${engine.child.exitCode}: ${engine.output()}`);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const done =
        committed?.partitions.every(
          (p) => (ends.get(p.partition) ?? 0) === 0 || Number(p.offset) >= (ends.get(p.partition) ?? 0),
        ) ?? false;
      return done ? true : undefined;
    },
    { timeoutMs, intervalMs: 200, what: `group ${groupId} to commit everything` },
  ).catch((error: unknown) => {
    // The engine's last words say why (stuck assignment, a sink refusing, ...).
    const tail = engine?.output().split('\n').slice(-40).join('\n') ?? '';
    throw new Error(`${(error as Error).message}\nengine output (last lines):\n${tail}`, { cause: error });
  });
}

/**
 * Waits until a topology whose watermark comes from upstream commits (UpstreamWatermark) has consumed
 * its whole topic and committed a watermark at least the upstream's committed one (minimum over the
 * upstream partitions) less `holdBackMs`: everything the upstream's progress allows is then decided.
 */
export async function waitForUpstreamWatermark(
  admin: Admin,
  run: {
    readonly groupId: string;
    readonly topic: string;
    readonly upstreamGroupId: string;
    readonly upstreamTopic: string;
    readonly holdBackMs: number;
  },
  timeoutMs: number,
  engine?: EngineProcess,
): Promise<void> {
  const watermarks = async (groupId: string, topic: string) => {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (committed?.partitions ?? []).map((p) => {
      const parsed = decodeCommitMetadata(p.metadata);
      return { partition: p.partition, offset: Number(p.offset), watermarkMs: parsed?.watermarkMs ?? null };
    });
  };
  await waitFor(
    async () => {
      if (engine !== undefined && engine.child.exitCode !== null)
        throw new Error(`engine exited ${engine.child.exitCode}: ${engine.output()}`);
      const upstream = await watermarks(run.upstreamGroupId, run.upstreamTopic);
      if (upstream.length === 0 || upstream.some((p) => p.watermarkMs === null)) return undefined;
      const target = Math.min(...upstream.map((p) => p.watermarkMs ?? 0)) - run.holdBackMs;
      const ends = new Map(
        (await admin.fetchTopicOffsets(run.topic)).map((p) => [p.partition, Number(p.high)]),
      );
      const mine = await watermarks(run.groupId, run.topic);
      const done = mine.every(
        (p) =>
          (ends.get(p.partition) ?? 0) === 0 ||
          (p.offset >= (ends.get(p.partition) ?? 0) && (p.watermarkMs ?? -Infinity) >= target),
      );
      return done ? true : undefined;
    },
    {
      timeoutMs,
      intervalMs: 200,
      what: `group ${run.groupId} to reach the watermark of ${run.upstreamGroupId}`,
    },
  ).catch((error: unknown) => {
    const tail = engine?.output().split('\n').slice(-40).join('\n') ?? '';
    throw new Error(`${(error as Error).message}\nengine output (last lines):\n${tail}`, { cause: error });
  });
}

/** Committed records so far, summed over partitions (for killing at a chosen point). */
export async function committedCount(
  admin: Admin,
  groupId: string,
  topic: string = READINGS_TOPIC,
): Promise<number> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (committed?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
}

export async function resultRows(
  clickhouse: ClickHouseClient,
  database: string,
): Promise<{ windows: string[]; peaks: string[] }> {
  const rows = async (query: string): Promise<string[]> => {
    const rs = await clickhouse.query({ query, format: 'JSONCompactEachRow' });
    return (await rs.json<unknown[]>()).map((row) => JSON.stringify(row));
  };
  return {
    windows: await rows(
      `SELECT sensor_id, toUnixTimestamp64Milli(window_start), toUnixTimestamp64Milli(window_end), readings, round(mean_speed_mps, 9), max_speed_mps
       FROM ${database}.demo_reading_windows ORDER BY sensor_id, window_start`,
    ),
    peaks: await rows(
      `SELECT sensor_id, sequence, toUnixTimestamp64Milli(event_time), speed_mps FROM ${database}.demo_reading_peaks ORDER BY sensor_id, sequence`,
    ),
  };
}
