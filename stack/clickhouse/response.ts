/**
 * Writing answers the way ClickHouse's HTTP interface does: its headers (query id, format, timezone,
 * display name, summary), optional gzip/deflate/br compression when the client both enabled it and
 * accepts it, errors with their code header and status, and streamed bodies that respect backpressure and
 * stop when the client goes away.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import zlib from 'node:zlib';
import { formatErrorText, httpStatusForCode, type ClickHouseServerError } from './errors.ts';

export interface ServerIdentity {
  readonly version: string;
  readonly timezone: string;
  readonly displayName: string;
}

/** Counters of X-ClickHouse-Summary (ClickHouse sends every value as a string). */
export interface QuerySummary {
  readRows?: number;
  readBytes?: number;
  writtenRows?: number;
  writtenBytes?: number;
  resultRows?: number;
  resultBytes?: number;
  elapsedNs: bigint;
}

export function summaryHeader(summary: QuerySummary): string {
  return JSON.stringify({
    read_rows: String(summary.readRows ?? 0),
    read_bytes: String(summary.readBytes ?? 0),
    written_rows: String(summary.writtenRows ?? 0),
    written_bytes: String(summary.writtenBytes ?? 0),
    total_rows_to_read: String(summary.readRows ?? 0),
    result_rows: String(summary.resultRows ?? 0),
    result_bytes: String(summary.resultBytes ?? 0),
    elapsed_ns: String(summary.elapsedNs),
  });
}

/** Response codecs produced here (zstd needs Node 22.15+, not our runtime). */
const RESPONSE_CODECS: readonly string[] = ['gzip', 'br', 'deflate'];

/** The codec to compress the answer with: only when enabled by the request and accepted by the client. */
export function chooseResponseCodec(enabled: boolean, headers: IncomingHttpHeaders): string | undefined {
  if (!enabled) return undefined;
  const accepted = (headers['accept-encoding'] ?? '')
    .split(',')
    .map((entry) => entry.split(';')[0]?.trim().toLowerCase() ?? '')
    .filter((entry) => entry !== '');
  return accepted.find((codec) => RESPONSE_CODECS.includes(codec));
}

function createCompressor(
  codec: string,
  level: number | undefined,
): zlib.Gzip | zlib.Deflate | zlib.BrotliCompress {
  const options = level === undefined ? {} : { level };
  if (codec === 'gzip') return zlib.createGzip(options);
  if (codec === 'deflate') return zlib.createDeflate(options);
  return zlib.createBrotliCompress(
    level === undefined ? {} : { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: Math.min(level, 11) } },
  );
}

/** The identity headers on every answer. */
export function baseHeaders(identity: ServerIdentity, queryId: string | undefined): OutgoingHttpHeaders {
  return {
    'X-ClickHouse-Server-Display-Name': identity.displayName,
    ...(queryId === undefined ? {} : { 'X-ClickHouse-Query-Id': queryId }),
    'X-ClickHouse-Timezone': identity.timezone,
  };
}

/** Sends an error as ClickHouse does (only while nothing has been sent yet). */
export function sendError(
  response: ServerResponse,
  error: ClickHouseServerError,
  identity: ServerIdentity,
  queryId: string | undefined,
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = `${formatErrorText(error, identity.version)}\n`;
  response.writeHead(httpStatusForCode(error.code), {
    ...baseHeaders(identity, queryId),
    'Content-Type': 'text/plain; charset=UTF-8',
    'Content-Length': Buffer.byteLength(body),
    'X-ClickHouse-Exception-Code': String(error.code),
  });
  response.end(body);
}

/**
 * A response body being written: through a compressor when one was negotiated. `write` waits while the
 * client is slow and reports false once the client has gone.
 */
export class ResponseBody {
  readonly #response: ServerResponse;
  readonly #compressor: zlib.Gzip | zlib.Deflate | zlib.BrotliCompress | undefined;
  #gone = false;

  constructor(response: ServerResponse, codec: string | undefined, level: number | undefined) {
    this.#response = response;
    response.once('close', () => {
      if (!response.writableFinished) this.#gone = true;
    });
    if (codec !== undefined) {
      this.#compressor = createCompressor(codec, level);
      this.#compressor.on('error', () => response.destroy());
      this.#compressor.pipe(response);
    }
  }

  /** True once the client closed the connection before the body was complete. */
  get clientGone(): boolean {
    return this.#gone || this.#response.destroyed;
  }

  async write(chunk: Uint8Array | string): Promise<boolean> {
    if (this.clientGone) return false;
    const target = this.#compressor ?? this.#response;
    if (target.write(chunk)) return true;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        target.off('drain', done);
        this.#response.off('close', done);
        resolve();
      };
      target.on('drain', done);
      this.#response.on('close', done);
    });
    return !this.clientGone;
  }

  /** Finishes the body; resolves once it is handed to the socket or the client has gone. */
  async end(): Promise<void> {
    if (this.clientGone) return;
    await new Promise<void>((resolve) => {
      this.#response.once('close', resolve);
      this.#response.once('finish', resolve);
      if (this.#compressor === undefined) this.#response.end();
      else this.#compressor.end();
    });
  }
}

/** Headers for a successful answer in `format` (undefined for statements without output). */
export function resultHeaders(
  identity: ServerIdentity,
  queryId: string,
  format: string | undefined,
  contentType: string,
  codec: string | undefined,
  summary: QuerySummary,
): OutgoingHttpHeaders {
  return {
    ...baseHeaders(identity, queryId),
    'Content-Type': contentType,
    ...(format === undefined ? {} : { 'X-ClickHouse-Format': format }),
    ...(codec === undefined ? {} : { 'Content-Encoding': codec }),
    'X-ClickHouse-Summary': summaryHeader(summary),
  };
}
