/**
 * The local stack as a user meets it: `stadion up` in its own process, the other commands finding it
 * through the env file, kcat and kafkajs on the broker, the registry and ClickHouse over HTTP, and a
 * restart on the same data directory.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../engine/config/config.ts';
import { createClickHouse } from '../../engine/clients/clickhouse.ts';
import { createSchemaRegistry } from '../../engine/clients/registry.ts';
import { silentLogger } from '../../engine/log.ts';
import { ROUNDTRIP_TABLE, runRoundTrip } from '../../cli/roundtrip.ts';
import {
  makeDataDir,
  removeDataDir,
  runStadion,
  startStackProcess,
  type StackProcess,
} from '../support/stack-process.ts';

const execFileAsync = promisify(execFile);

const SCHEMA_V1 = JSON.stringify({
  type: 'record',
  name: 'Probe',
  namespace: 'io.stadion.test',
  fields: [{ name: 'id', type: 'string' }],
});

let dataDir: string;
let stack: StackProcess;

beforeAll(async () => {
  dataDir = await makeDataDir();
  stack = await startStackProcess(dataDir, ['--topic', 'at.start:4']);
});

afterAll(async () => {
  await stack.stop();
  await removeDataDir(dataDir);
});

describe('stadion up', () => {
  it('prints the endpoints and writes them to the env file', async () => {
    expect(stack.env['KAFKA_BROKERS']).toMatch(/^127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+){2}$/);
    expect(stack.env['SCHEMA_REGISTRY_URL']).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stack.env['CLICKHOUSE_URL']).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const envFile = await readFile(join(dataDir, 'stack.env'), 'utf8');
    expect(envFile).toContain(`KAFKA_BROKERS=${stack.env['KAFKA_BROKERS'] ?? ''}`);
    const config = loadConfig({ dataDir }, {});
    expect(config.kafka.localControl).toBe(stack.env['STADION_BROKER_CONTROL']);
  });

  it('refuses a second stack on the same data directory', async () => {
    const second = await runStadion([
      'up',
      '--data-dir',
      dataDir,
      '--registry-port',
      '0',
      '--clickhouse-port',
      '0',
    ]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('already running');
  });

  it('lets kcat see the brokers and the topics created at start and on request', async () => {
    const created = await runStadion([
      'topics',
      'create',
      'on.request',
      '--partitions',
      '3',
      '--data-dir',
      dataDir,
    ]);
    expect(created.code).toBe(0);
    const { stdout } = await execFileAsync('kcat', ['-L', '-J', '-b', stack.env['KAFKA_BROKERS'] ?? '']);
    const metadata = JSON.parse(stdout) as {
      brokers: Array<{ id: number }>;
      topics: Array<{ topic: string; partitions: unknown[] }>;
    };
    expect(metadata.brokers.map((b) => b.id).sort()).toEqual([1, 2, 3]);
    const partitions = Object.fromEntries(metadata.topics.map((t) => [t.topic, t.partitions.length]));
    expect(partitions).toMatchObject({ 'at.start': 4, 'on.request': 3 });
  });
});

describe('commands against the running stack', () => {
  it('runs the round trip: registry, produce, group consume, ClickHouse with deduplication', async () => {
    const result = await runRoundTrip(loadConfig({ dataDir }, {}), { records: 500, logger: silentLogger });
    expect(result).toMatchObject({ produced: 500, consumed: 500, inserted: 500, rowsInClickHouse: 500 });
  });

  it('stadion topics lists partitions and end offsets', async () => {
    const { code, stdout } = await runStadion(['topics', '--format', 'json', '--data-dir', dataDir]);
    expect(code).toBe(0);
    const topics = JSON.parse(stdout) as Array<{ topic: string; partitions: number; endOffsets: number[] }>;
    const roundtrip = topics.find((t) => t.topic === 'stadion.roundtrip');
    expect(roundtrip?.partitions).toBe(3);
    expect(roundtrip?.endOffsets.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(500);
  });

  it('stadion sql prints a table, or the server format with --format', async () => {
    const table = await runStadion(['sql', 'SELECT 1 + 1 AS two, version() AS v', '--data-dir', dataDir]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^two\s+v\n-+\s+-+\n2\s+2\d\./);
    const json = await runStadion([
      'sql',
      'SELECT number FROM numbers(3)',
      '--format',
      'JSONEachRow',
      '--data-dir',
      dataDir,
    ]);
    expect(json.stdout.trim().split('\n')).toEqual(['{"number":"0"}', '{"number":"1"}', '{"number":"2"}']);
    // A query naming its own format is printed in it; a different --format is a usage error.
    const own = await runStadion(['sql', 'SELECT number FROM numbers(2) FORMAT CSV', '--data-dir', dataDir]);
    expect(own.stdout).toBe('0\n1\n');
    const both = await runStadion(['sql', 'SELECT 1 FORMAT CSV', '--format', 'TSV', '--data-dir', dataDir]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('FORMAT CSV and --format says TSV');
    const bad = await runStadion(['sql', 'SELECT * FROM no_such_table', '--data-dir', dataDir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('UNKNOWN_TABLE');
  });

  it('reports a misconfigured service by name and what was tried', async () => {
    const { code, stderr } = await runStadion(['sql', 'SELECT 1', '--data-dir', dataDir], {
      CLICKHOUSE_URL: 'not-a-url',
    });
    expect(code).toBe(1);
    expect(stderr).toContain(
      'CLICKHOUSE_URL from environment variable CLICKHOUSE_URL: "not-a-url" is not a URL',
    );
  });

  it('names an unreachable service, where it was looked for and what was tried', async () => {
    const clickhouse = await runStadion(['sql', 'SELECT 1', '--data-dir', dataDir], {
      CLICKHOUSE_URL: 'http://127.0.0.1:1',
    });
    expect(clickhouse.code).toBe(1);
    expect(clickhouse.stderr).toContain(
      'ClickHouse did not answer at http://127.0.0.1:1 (CLICKHOUSE_URL from environment variable CLICKHOUSE_URL; tried GET /ping and SELECT 1)',
    );
    const kafka = await runStadion(['topics', '--data-dir', dataDir, '--kafka-brokers', '127.0.0.1:1']);
    expect(kafka.code).toBe(1);
    expect(kafka.stderr).toContain(
      'Kafka did not answer at 127.0.0.1:1 (KAFKA_BROKERS from command-line flag; tried connect + Metadata)',
    );
  });
});

describe('a restart on the same data directory', () => {
  it('keeps schema ids and ClickHouse data', async () => {
    const before = loadConfig({ dataDir }, {});
    const registry = createSchemaRegistry(before.schemaRegistry);
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: SCHEMA_V1 },
      { subject: 'probe-value' },
    );
    const clickhouse = createClickHouse(before.clickhouse);
    const countRows = async (client: typeof clickhouse): Promise<number> => {
      const rs = await client.query({
        query: `SELECT count() AS n FROM ${ROUNDTRIP_TABLE}`,
        format: 'JSONEachRow',
      });
      const [row] = await rs.json<{ n: string }>();
      return Number(row?.n);
    };
    const rowsBefore = await countRows(clickhouse);
    await clickhouse.close();
    expect(rowsBefore).toBeGreaterThan(0);

    expect(await stack.stop()).toBe(0);
    stack = await startStackProcess(dataDir);

    const after = loadConfig({ dataDir }, {});
    const registryAfter = createSchemaRegistry(after.schemaRegistry);
    expect(await registryAfter.getRegistryId('probe-value', 1)).toBe(id);
    expect(await registryAfter.getSchema(id)).toBeDefined();
    const again = await registryAfter.register(
      { type: SchemaType.AVRO, schema: SCHEMA_V1 },
      { subject: 'probe-value' },
    );
    expect(again.id).toBe(id);
    const clickhouseAfter = createClickHouse(after.clickhouse);
    expect(await countRows(clickhouseAfter)).toBe(rowsBefore);
    await clickhouseAfter.close();
  });
});
