/**
 * Running the statement of one request on its leased chDB connection and writing the answer: an INSERT
 * with inline data reads it from its file (`INSERT ... FROM INFILE`) and answers with the rows written;
 * anything else streams chunk by chunk when its format allows (an error after the first rows is written
 * the way ClickHouse 25.11+ writes it, framed by the X-ClickHouse-Exception-Tag), or is buffered.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../engine/log.ts';
import type { ChdbChunkStream, ChdbConnection } from './chdb-connection.ts';
import { ClickHouseServerError, formatErrorText, streamExceptionBlock, toClickHouseError } from './errors.ts';
import { contentTypeForFormat, DEFAULT_HTTP_FORMAT, isStreamableFormat } from './formats.ts';
import type { ReceivedStatement } from './request-body.ts';
import type { ClickHouseRequestParams } from './request-params.ts';
import {
  chooseResponseCodec,
  resultHeaders,
  ResponseBody,
  type QuerySummary,
  type ServerIdentity,
} from './response.ts';
import type { StatementInfo } from './sql-scan.ts';
import { insertFromFile } from './sql-text.ts';

/** What answering needs from the server. */
export interface AnswerContext {
  readonly identity: ServerIdentity;
  readonly logger: Logger;
}

/** An INSERT whose inline data is in a file (still encoded as sent when `compression` is set). */
export type InsertStatement = Extract<ReceivedStatement, { kind: 'insert' }> & {
  readonly compression?: string | undefined;
};

/** Statements worth trying to stream (the engine refuses the others, and then the result is buffered). */
const STREAM_KINDS: ReadonlySet<string> = new Set([
  'SELECT',
  'WITH',
  '(',
  'FROM',
  'SHOW',
  'DESCRIBE',
  'DESC',
  'EXPLAIN',
  'EXISTS',
]);

/** Runs an INSERT whose inline data is in a file, and answers with the rows written. */
export async function answerInsert(
  context: AnswerContext,
  connection: ChdbConnection,
  statement: InsertStatement,
  queryId: string,
  response: ServerResponse,
  startedNs: bigint,
): Promise<{ discard: boolean }> {
  const sql = insertFromFile(statement.header, statement.clause, statement.dataPath, statement.compression);
  let result;
  try {
    result = await connection.query(sql, 'TabSeparated');
  } catch (error) {
    throw scrubPath(toClickHouseError(error), statement.dataPath);
  }
  const summary: QuerySummary = {
    readRows: result.rows,
    readBytes: result.rowBytes,
    writtenRows: result.rows,
    writtenBytes: result.rowBytes,
    elapsedNs: process.hrtime.bigint() - startedNs,
  };
  response.writeHead(200, {
    ...resultHeaders(context.identity, queryId, undefined, 'text/plain; charset=UTF-8', undefined, summary),
    'Content-Length': 0,
  });
  response.end();
  return { discard: false };
}

/** Runs a statement that is not an INSERT with inline data, streaming its result when the format allows. */
export async function answerQuery(
  context: AnswerContext,
  connection: ChdbConnection,
  text: string,
  info: StatementInfo,
  params: ClickHouseRequestParams,
  request: IncomingMessage,
  response: ServerResponse,
  startedNs: bigint,
): Promise<{ discard: boolean }> {
  const engineFormat = params.defaultFormat ?? DEFAULT_HTTP_FORMAT;
  const format = info.outputFormat ?? engineFormat;
  const codec = chooseResponseCodec(params.enableHttpCompression, request.headers);
  const streamable =
    !params.waitEndOfQuery &&
    STREAM_KINDS.has(info.kind) &&
    isStreamableFormat(format) &&
    !params.settings.has('output_format_json_array_of_rows');

  if (streamable) {
    let stream: ChdbChunkStream | undefined;
    let first: Uint8Array | undefined;
    try {
      stream = connection.stream(text, engineFormat);
      first = await stream.next();
    } catch (error) {
      stream?.cancel();
      if (!isStreamingRefused(error)) throw error;
      stream = undefined;
    }
    if (stream !== undefined) {
      return streamResult(context, stream, first, format, params, codec, response, startedNs);
    }
  }

  const result = await connection.query(text, engineFormat);
  const summary: QuerySummary = {
    readRows: result.rows,
    readBytes: result.rowBytes,
    resultRows: result.rows,
    resultBytes: result.bytes.length,
    elapsedNs: process.hrtime.bigint() - startedNs,
  };
  response.writeHead(200, {
    ...resultHeaders(context.identity, params.queryId, format, contentTypeForFormat(format), codec, summary),
    ...(codec === undefined ? { 'Content-Length': result.bytes.length } : {}),
  });
  const body = new ResponseBody(response, codec, params.compressionLevel);
  if (result.bytes.length > 0) await body.write(result.bytes);
  await body.end();
  return { discard: false };
}

async function streamResult(
  context: AnswerContext,
  stream: ChdbChunkStream,
  first: Uint8Array | undefined,
  format: string,
  params: ClickHouseRequestParams,
  codec: string | undefined,
  response: ServerResponse,
  startedNs: bigint,
): Promise<{ discard: boolean }> {
  const tag = randomBytes(8).toString('hex');
  const summary: QuerySummary = { elapsedNs: process.hrtime.bigint() - startedNs };
  response.writeHead(200, {
    ...resultHeaders(context.identity, params.queryId, format, contentTypeForFormat(format), codec, summary),
    'X-ClickHouse-Exception-Tag': tag,
  });
  const body = new ResponseBody(response, codec, params.compressionLevel);
  const onGone = (): void => {
    stream.cancel();
  };
  response.once('close', onGone);
  let cancelled = false;
  try {
    let chunk = first;
    while (chunk !== undefined) {
      if (!(await body.write(chunk))) {
        cancelled = true;
        break;
      }
      chunk = await stream.next();
    }
  } catch (error) {
    if (body.clientGone) {
      cancelled = true;
    } else {
      const failure = toClickHouseError(error);
      context.logger.debug('query failed after its first rows', {
        queryId: params.queryId,
        code: failure.code,
      });
      await body.write(streamExceptionBlock(formatErrorText(failure, context.identity.version), tag));
    }
  } finally {
    response.off('close', onGone);
    if (cancelled) stream.cancel();
    await body.end();
  }
  // a cancelled stream may still be finishing a fetch on this connection: do not hand it on
  return { discard: cancelled };
}

/** chDB streams only SELECT-like statements and says so for the others. */
function isStreamingRefused(error: unknown): boolean {
  return error instanceof Error && error.message.includes('Streaming query is not supported');
}

/** Engine errors about the inline data name our temporary file; the client knows it as its request body. */
function scrubPath(error: ClickHouseServerError, path: string): ClickHouseServerError {
  if (!error.message.includes(path)) return error;
  const replace = (text: string): string => text.replaceAll(path, 'request body');
  return new ClickHouseServerError(error.code, replace(error.message), {
    type: error.type,
    cause: error.cause,
    ...(error.engineText === undefined ? {} : { engineText: replace(error.engineText) }),
  });
}
