import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodedBody,
  multipartBoundary,
  parseMultipart,
  readAll,
  receiveStatement,
} from '../../../stack/clickhouse/request-body.ts';

let dir: string;
let fileCounter = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stadion-ch-body-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A body arriving in the given pieces. */
function body(...pieces: Array<string | Buffer>): Readable {
  return Readable.from(pieces.map((piece) => (typeof piece === 'string' ? Buffer.from(piece) : piece)));
}

async function receive(
  prefix: string,
  ...pieces: Array<string | Buffer>
): Promise<Awaited<ReturnType<typeof receiveStatement>>> {
  fileCounter += 1;
  return receiveStatement(Buffer.from(prefix), body(...pieces), {
    dataPath: join(dir, `data-${fileCounter}`),
    maxStatementBytes: 1024 * 1024,
  });
}

describe('receiveStatement', () => {
  it('keeps a plain statement in memory', async () => {
    const received = await receive('', 'SELECT ', '1');
    expect(received).toMatchObject({ kind: 'text', text: 'SELECT 1' });
    expect(received.info.kind).toBe('SELECT');
  });

  it('joins the URL query and the body with a newline', async () => {
    const received = await receive('SELECT\n', '42');
    expect(received).toMatchObject({ kind: 'text', text: 'SELECT\n42' });
  });

  it('sends inline INSERT data to a file, byte for byte, wherever the chunks split', async () => {
    const data = Buffer.concat([
      Buffer.from('{"a":"ü"}\n'),
      Buffer.from([0, 255, 10]),
      Buffer.from('{"a":2}\n'),
    ]);
    const whole = Buffer.concat([Buffer.from('INSERT INTO t FORMAT JSONEachRow\n'), data]);
    for (const cut of [3, 20, 27, 33, 34, 40, whole.length]) {
      const received = await receive('', whole.subarray(0, cut), whole.subarray(cut));
      expect(received.kind).toBe('insert');
      if (received.kind !== 'insert') continue;
      expect(received.header).toBe('INSERT INTO t FORMAT JSONEachRow');
      expect(received.clause.format).toBe('JSONEachRow');
      expect(await readFile(received.dataPath)).toEqual(data);
      expect(received.dataBytes).toBe(data.length);
    }
  });

  it('takes the header from the URL and the rows from the body', async () => {
    const received = await receive('INSERT INTO t VALUES\n', '(1),', '(2)');
    expect(received.kind).toBe('insert');
    if (received.kind !== 'insert') return;
    expect(received.clause.viaValues).toBe(true);
    expect((await readFile(received.dataPath)).toString()).toBe('(1),(2)');
  });

  it('treats INSERT ... SELECT as a statement', async () => {
    const received = await receive('', 'INSERT INTO t SELECT * FROM numbers(3)');
    expect(received.kind).toBe('text');
  });

  it('refuses statements over the size limit', async () => {
    await expect(
      receiveStatement(Buffer.alloc(0), body('SELECT ', 'x'.repeat(2048)), {
        dataPath: join(dir, 'big'),
        maxStatementBytes: 1024,
      }),
    ).rejects.toMatchObject({ code: 229 });
  });
});

describe('decodedBody and readAll', () => {
  it('decodes gzip and reports corrupt input as CANNOT_DECOMPRESS', async () => {
    expect((await readAll(decodedBody(body(gzipSync('SELECT 1')), 'gzip'), 1024)).toString()).toBe(
      'SELECT 1',
    );
    await expect(readAll(decodedBody(body('not gzip at all'), 'gzip'), 1024)).rejects.toMatchObject({
      code: 271,
    });
    expect(() => decodedBody(body('x'), 'lzma')).toThrow(/Content-Encoding/);
  });
});

describe('multipart/form-data', () => {
  it('reads the parts @clickhouse/client sends for long parameters', () => {
    const boundary = '----clickhouse-js-1234';
    expect(multipartBoundary(`multipart/form-data; boundary=${boundary}`)).toBe(boundary);
    expect(multipartBoundary('text/plain')).toBeUndefined();
    const form =
      `--${boundary}\r\nContent-Disposition: form-data; name="query"\r\n\r\nSELECT {v:Array(String)}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="param_v"\r\n\r\n['a\\r\\nb','c']\r\n` +
      `--${boundary}--\r\n`;
    const parts = parseMultipart(Buffer.from(form), boundary);
    expect(parts.map((part) => [part.name, part.data.toString()])).toEqual([
      ['query', 'SELECT {v:Array(String)}'],
      ['param_v', "['a\\r\\nb','c']"],
    ]);
  });
});
