/**
 * Reading a request body: decoding its Content-Encoding, telling a statement from the inline data of an
 * INSERT, and putting that data in a file for `INSERT ... FROM INFILE` instead of memory, so a 30 MB
 * insert never becomes a JavaScript string and binary formats (Parquet, RowBinary, Native) pass intact.
 * Also parses the multipart/form-data bodies @clickhouse/client uses for long query parameters.
 */
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { ClickHouseServerError } from './errors.ts';
import { scanStatement, type InsertDataClause, type StatementInfo } from './sql-scan.ts';

/** How far into a body the INSERT header is looked for before the body is taken as a plain statement. */
export const INSERT_HEADER_SCAN_BYTES = 1024 * 1024;

/** Content-Encoding tokens Node decodes here (zstd only where the runtime has it). */
export function createDecoder(
  encoding: string,
): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

/** The request's Content-Encoding, lower-cased; '' for none/identity. */
export function normalizeEncoding(header: string | undefined): string {
  const value = (header ?? '').trim().toLowerCase();
  return value === 'identity' ? '' : value;
}

/** The decoded body: the request itself, or it piped through a decoder. Unknown encodings are refused. */
export function decodedBody(request: Readable, encoding: string): Readable {
  if (encoding === '') return request;
  const decoder = createDecoder(encoding);
  if (decoder === undefined) {
    throw new ClickHouseServerError(
      89,
      `Unknown or unsupported Content-Encoding '${encoding}' for this request`,
    );
  }
  request.on('error', (error) => decoder.destroy(error));
  return request.pipe(decoder);
}

/** Reads a whole stream into memory, refusing more than `maxBytes`. */
export async function readAll(source: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) {
        throw new ClickHouseServerError(229, `Request body is larger than ${maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    throw asBodyError(error);
  }
  return Buffer.concat(chunks, total);
}

/** Writes a stream to a new file; returns the number of bytes written. */
export async function writeToFile(source: AsyncIterable<Buffer>, path: string): Promise<number> {
  let bytes = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      bytes += chunk.length;
      yield chunk;
    }
  }
  try {
    await pipeline(counted(), createWriteStream(path));
  } catch (error) {
    throw asBodyError(error);
  }
  return bytes;
}

/** A statement received in a body (after an optional URL `query` prefix). */
export type ReceivedStatement =
  | { readonly kind: 'text'; readonly text: string; readonly info: StatementInfo }
  | {
      readonly kind: 'insert';
      /** The INSERT header up to and including `FORMAT X` / `VALUES`. */
      readonly header: string;
      readonly clause: InsertDataClause;
      readonly info: StatementInfo;
      /** File holding the inline data (decoded). */
      readonly dataPath: string;
      readonly dataBytes: number;
    };

/**
 * Reads `prefix` followed by `body` as one statement. Text statements are held in memory (at most
 * `maxStatementBytes`); once it is clear the statement is an INSERT with inline data, the header is kept
 * and everything after it goes to `dataPath`.
 */
export async function receiveStatement(
  prefix: Buffer,
  body: Readable,
  options: { dataPath: string; maxStatementBytes: number },
): Promise<ReceivedStatement> {
  const held: Buffer[] = prefix.length > 0 ? [prefix] : [];
  let heldBytes = prefix.length;
  const iterator = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let ended = false;
  let decidedText = false;

  try {
    for (;;) {
      if (!decidedText) {
        const bytes = Buffer.concat(held, heldBytes);
        const scanned = bytes.subarray(0, INSERT_HEADER_SCAN_BYTES);
        const complete = ended && heldBytes <= INSERT_HEADER_SCAN_BYTES;
        const info = scanStatement(scanned.toString('latin1'), { complete });
        const clause = info.insertData;
        if (clause !== undefined && (ended || clause.dataStart < scanned.length)) {
          const header = bytes.subarray(0, clause.markerEnd).toString('utf8');
          const rest = bytes.subarray(Math.min(clause.dataStart, bytes.length));
          const dataBytes = await writeToFile(
            concatStream(rest, ended ? undefined : iterator),
            options.dataPath,
          );
          return {
            kind: 'insert',
            header,
            clause: shiftedClause(clause, header),
            info,
            dataPath: options.dataPath,
            dataBytes,
          };
        }
        const undecided =
          info.kind === '' || (info.kind === 'INSERT' && info.insertHeaderIncomplete) || clause !== undefined;
        if (!undecided || heldBytes > INSERT_HEADER_SCAN_BYTES || ended) decidedText = true;
        if (ended) break;
      }
      const next = await iterator.next();
      if (next.done === true) {
        ended = true;
        if (decidedText) break;
        continue;
      }
      held.push(next.value);
      heldBytes += next.value.length;
      if (heldBytes > options.maxStatementBytes) {
        throw new ClickHouseServerError(229, `Query is larger than ${options.maxStatementBytes} bytes`);
      }
    }
  } catch (error) {
    throw asBodyError(error);
  }
  const text = Buffer.concat(held, heldBytes).toString('utf8');
  return { kind: 'text', text, info: scanStatement(text) };
}

/**
 * Offsets found on the latin1 view are byte offsets; the header is decoded as UTF-8, where a multi-byte
 * character in a quoted table name would shift them. Re-scan the decoded header to get character offsets.
 */
function shiftedClause(clause: InsertDataClause, header: string): InsertDataClause {
  if (Buffer.byteLength(header) === header.length) return clause;
  return scanStatement(header, { complete: true }).insertData ?? clause;
}

/** The bytes already read, then the rest of the iterator. */
function concatStream(first: Buffer, rest: AsyncIterator<Buffer> | undefined): AsyncIterable<Buffer> {
  return {
    async *[Symbol.asyncIterator]() {
      if (first.length > 0) yield first;
      if (rest === undefined) return;
      for (;;) {
        const next = await rest.next();
        if (next.done === true) return;
        yield next.value;
      }
    },
  };
}

function asBodyError(error: unknown): unknown {
  if (error instanceof ClickHouseServerError) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new ClickHouseServerError(271, `Cannot decompress the request body: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET') {
    return new ClickHouseServerError(
      210,
      'The client closed the connection before the request body was read',
      {
        cause: error,
      },
    );
  }
  return error;
}

/** One part of a multipart/form-data body. */
export interface FormPart {
  readonly name: string;
  readonly filename: string | undefined;
  readonly data: Buffer;
}

/** The boundary of a `multipart/form-data; boundary=...` content type, or undefined for other types. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/^multipart\/form-data\b/i.test(contentType.trim())) return undefined;
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/** Splits a multipart/form-data body into its parts. */
export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let position = body.indexOf(delimiter);
  if (position === -1) throw new ClickHouseServerError(36, 'multipart/form-data body without its boundary');
  for (;;) {
    position += delimiter.length;
    if (body.subarray(position, position + 2).toString('latin1') === '--') break; // closing delimiter
    const headersStart = skipLineBreak(body, position);
    const headersEnd = body.indexOf('\r\n\r\n', headersStart);
    if (headersEnd === -1) throw new ClickHouseServerError(36, 'malformed multipart/form-data part');
    const next = body.indexOf(delimiter, headersEnd + 4);
    if (next === -1) throw new ClickHouseServerError(36, 'multipart/form-data body is not terminated');
    const headers = body.subarray(headersStart, headersEnd).toString('utf8');
    const dataEnd = body[next - 2] === 13 && body[next - 1] === 10 ? next - 2 : next;
    const disposition = /content-disposition:\s*form-data([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) throw new ClickHouseServerError(36, 'multipart/form-data part without a name');
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    parts.push({ name, filename, data: body.subarray(headersEnd + 4, dataEnd) });
    position = next;
  }
  return parts;
}

function skipLineBreak(body: Buffer, position: number): number {
  if (body[position] === 13 && body[position + 1] === 10) return position + 2;
  if (body[position] === 10) return position + 1;
  return position;
}
