/**
 * The ClickHouse HTTP interface over chDB as its users meet it: the official @clickhouse/client, unchanged,
 * on an ephemeral port; raw HTTP as curl or Grafana send it; a restart on the same data directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ClickHouseError, ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseServer, type ClickHouseServer } from '../../../stack/clickhouse/server.ts';

const ROWS = 100_000;

let dataDir: string;
let server: ClickHouseServer;
let client: ClickHouseClient;

/** A client whose expected failures stay out of the test output. */
function newClient(url: string, extra: Parameters<typeof createClient>[0] = {}): ClickHouseClient {
  return createClient({ url, log: { level: ClickHouseLogLevel.OFF }, ...extra });
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

async function count(table: string): Promise<number> {
  const result = await client.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' });
  const [row] = await result.json<{ n: string }>();
  return Number(row?.n);
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'stadion-ch-int-'));
  server = await startClickHouseServer({ dataDir, port: 0 });
  client = newClient(server.url);
});

afterAll(async () => {
  await client.close();
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('health and raw HTTP', () => {
  it('answers /ping, GET / and ?query= like ClickHouse', async () => {
    const ping = await fetch(`${server.url}/ping`);
    expect(ping.status).toBe(200);
    expect(await ping.text()).toBe('Ok.\n');
    expect(await (await fetch(`${server.url}/`)).text()).toBe('Ok.\n');
    expect(await (await fetch(`${server.url}/replicas_status`)).text()).toBe('Ok.\n');

    const selected = await fetch(`${server.url}/?query=${encodeURIComponent('SELECT 1')}`);
    expect(selected.status).toBe(200);
    expect(await selected.text()).toBe('1\n');
    expect(selected.headers.get('x-clickhouse-format')).toBe('TabSeparated');
    expect(selected.headers.get('content-type')).toContain('text/tab-separated-values');
    expect(selected.headers.get('x-clickhouse-query-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(selected.headers.get('x-clickhouse-timezone')).not.toBeNull();
    expect(JSON.parse(selected.headers.get('x-clickhouse-summary') ?? '{}')).toHaveProperty('elapsed_ns');

    expect((await client.ping()).success).toBe(true);
    expect((await client.ping({ select: true })).success).toBe(true);
  });

  it('takes the statement from the body, the URL and both, and gzip bodies', async () => {
    const post = (
      body: string | Buffer,
      search = '',
      headers: Record<string, string> = {},
    ): Promise<Response> => fetch(`${server.url}/${search}`, { method: 'POST', body, headers });
    expect(await (await post('SELECT 2')).text()).toBe('2\n');
    expect(await (await post('3', `?query=${encodeURIComponent('SELECT')}`)).text()).toBe('3\n');
    expect(await (await post(gzipSync('SELECT 4'), '', { 'Content-Encoding': 'gzip' })).text()).toBe('4\n');
    const formatted = await post('SELECT 5 AS five', '?default_format=JSONEachRow');
    expect(await formatted.text()).toBe('{"five":5}\n');
    const compressed = await fetch(
      `${server.url}/?enable_http_compression=1&query=${encodeURIComponent('SELECT 6')}`,
      {
        headers: { 'Accept-Encoding': 'gzip' },
      },
    );
    expect(await compressed.text()).toBe('6\n'); // fetch decodes gzip itself
  });

  it('answers the way clickhouse-go in HTTP mode asks (Grafana): gzip both ways, Native by default', async () => {
    const response = await rawPost(
      `${server.url}/?default_format=Native&max_execution_time=60&enable_http_compression=1`,
      gzipSync('SELECT toUInt8(number) AS n FROM numbers(2)'),
      {
        'Content-Encoding': 'gzip',
        'Accept-Encoding': 'gzip',
        'X-ClickHouse-User': 'grafana',
        'X-ClickHouse-Key': 'x',
      },
    );
    expect(response.headers['content-encoding']).toBe('gzip');
    expect(response.headers['x-clickhouse-format']).toBe('Native');
    // Native: 1 column, 2 rows, "n", "UInt8", then the two values
    expect(gunzipSync(response.body)).toEqual(Buffer.from([1, 2, 1, 0x6e, 5, ...Buffer.from('UInt8'), 0, 1]));
  });

  it('answers errors with ClickHouse status, code header and text', async () => {
    const missing = await fetch(`${server.url}/?query=${encodeURIComponent('SELECT * FROM default.nope')}`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-clickhouse-exception-code')).toBe('60');
    expect(await missing.text()).toMatch(
      /^Code: 60\. DB::Exception: .*\(UNKNOWN_TABLE\) \(version [^)]+\)\n$/s,
    );

    const readonly = await fetch(
      `${server.url}/?query=${encodeURIComponent('CREATE TABLE x (a UInt8) ENGINE = Memory')}`,
    );
    expect(readonly.headers.get('x-clickhouse-exception-code')).toBe('164');

    const multi = await fetch(`${server.url}/`, { method: 'POST', body: 'SELECT 1; SELECT 2' });
    expect(multi.status).toBe(400);
    expect(multi.headers.get('x-clickhouse-exception-code')).toBe('62');
  });
});

describe('@clickhouse/client', () => {
  it('creates MergeTree tables and inserts 100,000 rows as JSONEachRow', async () => {
    await client.command({
      query: `CREATE TABLE events (id UInt32, athlete String, speed Float64, ts DateTime64(3, 'UTC'))
              ENGINE = MergeTree ORDER BY id`,
    });
    const values = Array.from({ length: ROWS }, (_, id) => ({
      id,
      athlete: `athlete-${id % 8}`,
      speed: id / 10,
      ts: 1_700_000_000_000 + id,
    }));
    const startedMs = performance.now();
    const result = await client.insert({ table: 'events', values, format: 'JSONEachRow' });
    const elapsedMs = performance.now() - startedMs;
    console.log(`insert of ${ROWS} JSONEachRow rows through @clickhouse/client: ${elapsedMs.toFixed(0)} ms`);
    expect(result.summary?.written_rows).toBe(String(ROWS));
    expect(await count('events')).toBe(ROWS);
  });

  it('binds query parameters, in the URL and in a multipart body', async () => {
    const query =
      'SELECT count() AS n FROM events WHERE id >= {min:UInt32} AND athlete IN {names:Array(String)}';
    const params = { min: 50_000, names: ['athlete-1', "it's\ta 'quoted' \\ name"] };
    for (const use_multipart_params of [false, true]) {
      const result = await client.query({
        query,
        format: 'JSONEachRow',
        query_params: params,
        use_multipart_params,
      });
      expect(await result.json()).toEqual([{ n: '6250' }]);
    }
    const echo = await client.query({
      query: 'SELECT {s:String} AS s, {n:Nullable(UInt8)} AS n, {d:DateTime} AS d',
      format: 'JSONEachRow',
      query_params: { s: "tab\tnew\nline 'q' \\", n: null, d: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) },
    });
    expect(await echo.json()).toEqual([{ s: "tab\tnew\nline 'q' \\", n: null, d: '2024-01-02 03:04:05' }]);
    const missing = await caught(client.query({ query: 'SELECT {absent:UInt8}' }));
    expect(missing).toBeInstanceOf(ClickHouseError);
    expect((missing as ClickHouseError).code).toBe('456');
  });

  it('reads JSON, JSONEachRow, JSONCompactEachRow, CSV and TabSeparated', async () => {
    const query = 'SELECT id, athlete FROM events WHERE id < 2 ORDER BY id';
    const json = await (
      await client.query({ query, format: 'JSON' })
    ).json<{ id: number; athlete: string }>();
    expect(json.data).toEqual([
      { id: 0, athlete: 'athlete-0' },
      { id: 1, athlete: 'athlete-1' },
    ]);
    expect(await (await client.query({ query, format: 'JSONCompactEachRow' })).json()).toEqual([
      [0, 'athlete-0'],
      [1, 'athlete-1'],
    ]);
    expect(await (await client.query({ query, format: 'CSV' })).text()).toBe(
      '0,"athlete-0"\n1,"athlete-1"\n',
    );
    expect(await (await client.query({ query, format: 'TabSeparated' })).text()).toBe(
      '0\tathlete-0\n1\tathlete-1\n',
    );
  });

  it('streams a large result set', async () => {
    const result = await client.query({
      query: 'SELECT number, toString(number) AS s FROM numbers(300000)',
      format: 'JSONEachRow',
    });
    let rows = 0;
    let last = -1;
    for await (const batch of result.stream<{ number: string; s: string }>()) {
      for (const row of batch) {
        const value = Number(row.json().number);
        expect(value).toBe(last + 1);
        last = value;
        rows += 1;
      }
    }
    expect(rows).toBe(300_000);
  });

  it('reports an error that happens after the first rows were streamed', async () => {
    const result = await client.query({
      query: 'SELECT number, throwIf(number = 250000) FROM numbers(300000) SETTINGS max_block_size = 1000',
      format: 'JSONEachRow',
    });
    const failure = await caught(
      (async () => {
        for await (const batch of result.stream()) expect(batch).toBeDefined();
      })(),
    );
    expect(failure).toBeInstanceOf(ClickHouseError);
    expect((failure as ClickHouseError).code).toBe('395');
  });

  it('surfaces engine errors as ClickHouseError with their codes', async () => {
    const unknown = await caught(client.query({ query: 'SELECT * FROM default.nope' }));
    expect(unknown).toBeInstanceOf(ClickHouseError);
    expect({ code: (unknown as ClickHouseError).code, type: (unknown as ClickHouseError).type }).toEqual({
      code: '60',
      type: 'UNKNOWN_TABLE',
    });
    const syntax = await caught(client.command({ query: 'SELEC 1' }));
    expect((syntax as ClickHouseError).code).toBe('62');
    const setting = await caught(
      client.query({ query: 'SELECT 1', clickhouse_settings: { no_such_setting: 1 } }),
    );
    expect((setting as ClickHouseError).code).toBe('115');
    const badRow = await caught(
      client.insert({ table: 'events', values: [{ id: 'not a number' }], format: 'JSONEachRow' }),
    );
    expect(badRow).toBeInstanceOf(ClickHouseError);
    expect((badRow as ClickHouseError).message).not.toContain(tmpdir());
  });

  it('applies clickhouse_settings per query without leaking them to the next one', async () => {
    const read = async (settings: Record<string, string | number>): Promise<unknown> =>
      (
        await client.query({
          query: "SELECT toString(getSetting('max_threads')) AS t, getSetting('date_time_input_format') AS f",
          format: 'JSONEachRow',
          clickhouse_settings: settings,
        })
      ).json();
    expect(await read({ max_threads: 1, date_time_input_format: 'best_effort' })).toEqual([
      { t: '1', f: 'best_effort' },
    ]);
    const [plain] = (await read({})) as Array<{ t: string; f: string }>;
    expect(plain?.f).toBe('basic');
    expect(plain?.t).not.toBe('1');
  });

  it('deduplicates a repeated insert with the same insert_deduplication_token', async () => {
    await client.command({
      query: `CREATE TABLE dedup (id UInt32) ENGINE = MergeTree ORDER BY id
              SETTINGS non_replicated_deduplication_window = 100`,
    });
    const insert = (token: string): Promise<unknown> =>
      client.insert({
        table: 'dedup',
        values: [{ id: 1 }, { id: 2 }, { id: 3 }],
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: token },
      });
    await insert('batch-1');
    await insert('batch-1');
    expect(await count('dedup')).toBe(3);
    await insert('batch-2');
    expect(await count('dedup')).toBe(6);
  });

  it('inserts from streams, in CSV, with gzip request and response compression', async () => {
    await client.command({
      query: 'CREATE TABLE streamed (id UInt32, name String) ENGINE = MergeTree ORDER BY id',
    });
    await client.insert({
      table: 'streamed',
      values: Readable.from(Array.from({ length: 1000 }, (_, id) => ({ id, name: `n${id}` }))),
      format: 'JSONEachRow',
    });
    await client.insert({
      table: 'streamed',
      values: Readable.from(['1000,"a,b"\n', '1001,"c"\n'], { objectMode: false }),
      format: 'CSV',
    });
    const compressing = newClient(server.url, { compression: { request: true, response: true } });
    try {
      await compressing.insert({
        table: 'streamed',
        values: [{ id: 2000, name: 'gz' }],
        format: 'JSONEachRow',
      });
      const rows = await compressing.query({
        query: 'SELECT count() AS n FROM streamed',
        format: 'JSONEachRow',
      });
      expect(await rows.json()).toEqual([{ n: '1003' }]);
    } finally {
      await compressing.close();
    }
  });

  it('runs exec and command, honours query_id and keeps session state for session_id', async () => {
    const exec = await client.exec({ query: 'SELECT 42 FORMAT TabSeparated', query_id: 'my-query-id' });
    expect(exec.query_id).toBe('my-query-id');
    const chunks: Buffer[] = [];
    for await (const chunk of exec.stream as AsyncIterable<Buffer>) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('42\n');

    const session = newClient(server.url, { session_id: 'analyst-1' });
    try {
      await session.command({ query: 'CREATE TEMPORARY TABLE scratch (x UInt8)' });
      await session.command({ query: 'INSERT INTO scratch VALUES (7)' });
      await session.command({ query: 'SET max_threads = 1' });
      const result = await session.query({
        query: "SELECT sum(x) AS s, toString(getSetting('max_threads')) AS t FROM scratch",
        format: 'JSONEachRow',
      });
      expect(await result.json()).toEqual([{ s: '7', t: '1' }]);
      const threads = async (settings: Record<string, number>): Promise<unknown> =>
        (
          await session.query({
            query: "SELECT toString(getSetting('max_threads')) AS t",
            format: 'JSONEachRow',
            clickhouse_settings: settings,
          })
        ).json();
      expect(await threads({ max_threads: 3 })).toEqual([{ t: '3' }]); // for this query only
      expect(await threads({})).toEqual([{ t: '1' }]); // the session's own SET again
    } finally {
      await session.close();
    }
    const outside = await caught(client.query({ query: 'SELECT * FROM scratch' }));
    expect((outside as ClickHouseError).code).toBe('60');
  });

  it('keeps answering while a slow query runs, and runs queries side by side', async () => {
    let slowDone = false;
    const slow = client
      .query({
        query:
          'SELECT sleepEachRow(0.5) FROM numbers(6) SETTINGS max_block_size = 1, function_sleep_max_microseconds_per_block = 0',
        format: 'JSON',
      })
      .then((result) => result.json())
      .then(() => {
        slowDone = true;
      });
    expect((await client.ping()).success).toBe(true);
    await client.insert({ table: 'dedup', values: [{ id: 9 }], format: 'JSONEachRow' });
    expect(await count('dedup')).toBe(7);
    expect(slowDone).toBe(false); // ping, insert and count all ran while the slow query held its session
    await slow;
    expect(slowDone).toBe(true);
  });

  it('stays responsive during a CPU-heavy query and stops it at max_execution_time', async () => {
    let heavyDone = false;
    const heavy = caught(
      client.query({
        query: 'SELECT sum(cityHash64(number)) FROM numbers(100000000000)',
        format: 'JSON',
        clickhouse_settings: { max_execution_time: 2 },
      }),
    ).finally(() => {
      heavyDone = true;
    });
    const pings: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const startedMs = performance.now();
      const response = await fetch(`${server.url}/ping`);
      expect(await response.text()).toBe('Ok.\n');
      pings.push(performance.now() - startedMs);
    }
    expect(heavyDone).toBe(false);
    expect(Math.max(...pings)).toBeLessThan(1000);
    const failure = await heavy;
    expect(failure).toBeInstanceOf(ClickHouseError);
    expect((failure as ClickHouseError).code).toBe('159');
  });

  it('answers every query when more arrive than there are sessions', async () => {
    const queries = Array.from({ length: 8 }, (_, i) =>
      client
        .query({
          query: `SELECT ${i} AS i, sleepEachRow(0.05) FROM numbers(2) SETTINGS max_block_size = 1`,
          format: 'JSONEachRow',
        })
        .then((result) => result.json<{ i: number }>()),
    );
    const results = await Promise.all(queries);
    expect(results.map((rows) => rows[0]?.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('answers a trivial query quickly', async () => {
    const runs = 200;
    const startedMs = performance.now();
    for (let i = 0; i < runs; i += 1) {
      await (await client.query({ query: 'SELECT 1', format: 'JSONEachRow' })).json();
    }
    const perQueryMs = (performance.now() - startedMs) / runs;
    console.log(`round trip of a trivial query through @clickhouse/client: ${perQueryMs.toFixed(2)} ms`);
    expect(perQueryMs).toBeLessThan(50);
  });

  it('compresses the answer only when asked to and the client accepts it', async () => {
    const asked = await rawPost(`${server.url}/?enable_http_compression=1`, 'SELECT 7', {
      'Accept-Encoding': 'gzip',
    });
    expect(asked.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(asked.body).toString()).toBe('7\n');
    const notAsked = await rawPost(`${server.url}/`, 'SELECT 8', { 'Accept-Encoding': 'gzip' });
    expect(notAsked.headers['content-encoding']).toBeUndefined();
    expect(notAsked.body.toString()).toBe('8\n');
  });
});

/** A POST whose answer is read as raw bytes (fetch would decode it). */
function rawPost(
  url: string,
  body: string | Buffer,
  headers: Record<string, string>,
): Promise<{ headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const call = request(url, { method: 'POST', headers }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => {
        parts.push(part);
      });
      response.on('end', () => {
        resolve({ headers: response.headers, body: Buffer.concat(parts) });
      });
      response.on('error', reject);
    });
    call.on('error', reject);
    call.end(body);
  });
}

describe('restart', () => {
  it('keeps the data in dataDir across close() and a new server', async () => {
    await client.close();
    await server.close();
    server = await startClickHouseServer({ dataDir, port: 0 });
    client = newClient(server.url);
    expect(await count('events')).toBe(ROWS);
    expect(await count('dedup')).toBe(7);
  });
});
