/**
 * The ClickHouse writer against the local stack's ClickHouse: rows in RowBinaryWithDefaults read back
 * as written (defaults for missing values, materialized columns computed), JSON for tables whose
 * types it does not encode, and a second insert under the same token deduplicated.
 */
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../engine/log.ts';
import { ClickHouseWriter } from '../../../engine/sinks/clickhouse-writer.ts';
import {
  makeDataDir,
  removeDataDir,
  startStackProcess,
  type StackProcess,
} from '../../support/stack-process.ts';

let dataDir: string;
let stack: StackProcess;
let clickhouse: ClickHouseClient;

beforeAll(async () => {
  dataDir = await makeDataDir();
  stack = await startStackProcess(dataDir, []);
  clickhouse = createClient({ url: stack.env['CLICKHOUSE_URL'] ?? '' });
});

afterAll(async () => {
  await clickhouse.close();
  await stack.stop();
  await removeDataDir(dataDir);
});

const read = async (query: string): Promise<unknown[]> =>
  (await clickhouse.query({ query, format: 'JSONEachRow' })).json();

describe('ClickHouseWriter', () => {
  it('inserts rows in binary, with defaults and deduplication', async () => {
    await clickhouse.command({
      query: `CREATE TABLE typed (s LowCardinality(String), u8 UInt8, u64 UInt64, i32 Int32, f32 Float32, f64 Float64,
        t DateTime64(3), d DateTime, day Date, maybe Nullable(Float64), tags Array(String),
        fallback UInt16 DEFAULT 7, doubled Float64 MATERIALIZED f64 * 2)
        ENGINE = MergeTree ORDER BY s SETTINGS non_replicated_deduplication_window = 100`,
    });
    const writer = new ClickHouseWriter(clickhouse, silentLogger);
    const rows = [
      {
        s: 'a',
        u8: 1,
        u64: 2 ** 53 - 1,
        i32: -5,
        f32: 1.5,
        f64: 0.1,
        t: 1_795_515_595_704,
        d: 1_795_515_595_704,
        day: 1_795_515_595_704,
        maybe: null,
        tags: ['x', 'y'],
      },
      {
        s: 'b',
        u8: true,
        u64: 0,
        i32: 0,
        f32: 0,
        f64: -2.25,
        t: 0,
        d: 0,
        day: 0,
        maybe: 3,
        tags: [],
        fallback: 9,
      },
    ];
    for (let i = 0; i < 2; i++)
      await writer.insert({ table: 'typed', rows, deduplicationToken: 'same-token' });
    expect(
      await read(
        `SELECT s, u8, u64, i32, f32, f64, toUnixTimestamp64Milli(t) AS t, toUnixTimestamp(d) AS d, toString(day) AS day,
          maybe, tags, fallback, doubled FROM typed ORDER BY s`,
      ),
    ).toEqual([
      {
        s: 'a',
        u8: 1,
        u64: String(2 ** 53 - 1),
        i32: -5,
        f32: 1.5,
        f64: 0.1,
        t: '1795515595704',
        d: 1_795_515_595,
        day: '2026-11-24',
        maybe: null,
        tags: ['x', 'y'],
        fallback: 7,
        doubled: 0.2,
      },
      {
        s: 'b',
        u8: 1,
        u64: '0',
        i32: 0,
        f32: 0,
        f64: -2.25,
        t: '0',
        d: 0,
        day: '1970-01-01',
        maybe: 3,
        tags: [],
        fallback: 9,
        doubled: -4.5,
      },
    ]);
  });

  it('keeps JSON for a table with a type it does not encode', async () => {
    await clickhouse.command({
      query: `CREATE TABLE mapped (k String, m Map(String, UInt8)) ENGINE = MergeTree ORDER BY k`,
    });
    const writer = new ClickHouseWriter(clickhouse, silentLogger);
    await writer.insert({ table: 'mapped', rows: [{ k: 'a', m: { x: 1 } }], deduplicationToken: 't1' });
    expect(await read('SELECT k, m FROM mapped')).toEqual([{ k: 'a', m: { x: 1 } }]);
  });
});
