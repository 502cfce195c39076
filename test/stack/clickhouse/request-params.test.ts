import { describe, expect, it } from 'vitest';
import { ClickHouseServerError } from '../../../stack/clickhouse/errors.ts';
import { readRequestParams } from '../../../stack/clickhouse/request-params.ts';

function read(search: string, headers: Record<string, string> = {}): ReturnType<typeof readRequestParams> {
  return readRequestParams(new URLSearchParams(search), headers);
}

function codeOf(action: () => unknown): number | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof ClickHouseServerError ? error.code : undefined;
  }
  return undefined;
}

describe('readRequestParams', () => {
  it('separates the query, its parameters, reserved names and settings', () => {
    const params = read(
      'query=SELECT+{a:UInt8}&param_a=1&param_s=it%5C%27s&database=db&default_format=JSON&query_id=q1' +
        '&max_threads=2&insert_deduplication_token=t&wait_end_of_query=1&enable_http_compression=1&session_id=s',
    );
    expect(params.query).toBe('SELECT {a:UInt8}');
    expect([...params.queryParameters]).toEqual([
      ['a', '1'],
      ['s', "it\\'s"],
    ]);
    expect([...params.settings]).toEqual([
      ['max_threads', '2'],
      ['insert_deduplication_token', 't'],
    ]);
    expect(params).toMatchObject({
      database: 'db',
      defaultFormat: 'JSON',
      queryId: 'q1',
      sessionId: 's',
      waitEndOfQuery: true,
      enableHttpCompression: true,
    });
  });

  it('generates a query id and takes database and format from headers', () => {
    const params = read('', {
      'x-clickhouse-database': 'h',
      'x-clickhouse-format': 'CSV',
      'x-clickhouse-user': 'grafana',
    });
    expect(params.queryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(params).toMatchObject({ database: 'h', defaultFormat: 'CSV', user: 'grafana' });
    const basic = read('', { authorization: `Basic ${Buffer.from('alice:secret').toString('base64')}` });
    expect(basic.user).toBe('alice');
    expect(read('').user).toBe('default');
  });

  it('keeps HTTP-layer settings away from the engine', () => {
    const params = read(
      'http_zlib_compression_level=3&send_progress_in_http_headers=1&readonly=1&http_wait_end_of_query=1',
    );
    expect(params.settings.size).toBe(0);
    expect(params).toMatchObject({ compressionLevel: 3, readonly: true, waitEndOfQuery: true });
  });

  it('refuses what ClickHouse refuses', () => {
    expect(codeOf(() => read('session_timeout=abc'))).toBe(374);
    expect(codeOf(() => read('session_timeout=99999'))).toBe(374);
    expect(codeOf(() => read('compress=1'))).toBe(48);
    expect(codeOf(() => read('bad-name=1'))).toBe(115);
    expect(codeOf(() => read('http_zlib_compression_level=42'))).toBe(36);
    expect(read('session_timeout=120').sessionTimeoutS).toBe(120);
  });
});
