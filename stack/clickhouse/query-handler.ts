/**
 * One query over HTTP, end to end: read the parameters and the statement (inline INSERT data goes to a
 * file), check what ClickHouse checks before running anything (one statement, read-only GETs, every
 * `{name:Type}` parameter given), lease a chDB connection, apply the request's state, then let
 * query-answer.ts run it and answer.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Logger } from '../../engine/log.ts';
import type { ChdbConnection } from './chdb-connection.ts';
import { ClickHouseServerError, toClickHouseError } from './errors.ts';
import type { NamedSessions } from './named-sessions.ts';
import { answerInsert, answerQuery, type InsertStatement } from './query-answer.ts';
import {
  decodedBody,
  multipartBoundary,
  normalizeEncoding,
  parseMultipart,
  readAll,
  receiveStatement,
  writeToFile,
  type ReceivedStatement,
} from './request-body.ts';
import { headerValue, readRequestParams, type ClickHouseRequestParams } from './request-params.ts';
import { applyRequestState, changesConnection } from './request-state.ts';
import { sendError, type ServerIdentity } from './response.ts';
import type { ChdbSessionPool } from './session-pool.ts';
import { infileCompression } from './sql-text.ts';
import { scanStatement, type StatementInfo } from './sql-scan.ts';

export interface QueryHandlerContext {
  readonly pool: ChdbSessionPool;
  readonly sessions: NamedSessions;
  readonly identity: ServerIdentity;
  /** Directory for the inline data of INSERTs. */
  readonly tempDir: string;
  readonly logger: Logger;
  /** Longest wait for a free connection. */
  readonly queueTimeoutMs: number;
  /** Largest statement held in memory (inline INSERT data does not count). */
  readonly maxStatementBytes: number;
  /** Query ids running now (ClickHouse refuses a second query with the id of a running one). */
  readonly runningQueryIds: Set<string>;
}

/** Statements a read-only request (GET, readonly=1) may run. */
const READ_ONLY_KINDS: ReadonlySet<string> = new Set([
  'SELECT',
  'WITH',
  '(',
  'FROM',
  'SHOW',
  'DESCRIBE',
  'DESC',
  'EXISTS',
  'EXPLAIN',
  'CHECK',
  'SET',
  'USE',
]);

/** A statement ready to run: text in memory, or an INSERT header with its data in a file. */
type Statement = Extract<ReceivedStatement, { kind: 'text' }> | InsertStatement;

export async function handleQuery(
  context: QueryHandlerContext,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  const startedNs = process.hrtime.bigint();
  const dataPath = join(context.tempDir, `${randomUUID()}.data`);
  const clientGone = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) clientGone.abort();
  });
  let queryId: string | undefined;
  let runningId: string | undefined;
  try {
    const initial = readRequestParams(url.searchParams, request.headers);
    queryId = initial.queryId;
    const { params, statement } = await receive(context, request, initial, dataPath);
    const readonly = request.method === 'GET' || request.method === 'HEAD' || params.readonly;
    check(statement, statement.info, params, readonly);

    if (context.runningQueryIds.has(params.queryId)) {
      throw new ClickHouseServerError(216, `Query with id = ${params.queryId} is already running`);
    }
    context.runningQueryIds.add(params.queryId);
    runningId = params.queryId;

    await runOnConnection(context, params, statement.info, clientGone.signal, (connection) =>
      statement.kind === 'text'
        ? answerQuery(
            context,
            connection,
            statement.text,
            statement.info,
            params,
            request,
            response,
            startedNs,
          )
        : answerInsert(context, connection, statement, params.queryId, response, startedNs),
    );
  } catch (error) {
    const failure = toClickHouseError(error);
    context.logger.debug('query failed', { queryId, code: failure.code, message: failure.message });
    if (failure.code === 1001) {
      context.logger.warn('query failed without a ClickHouse error code', { queryId, error });
    }
    if (!clientGone.signal.aborted) sendError(response, failure, context.identity, queryId);
  } finally {
    if (runningId !== undefined) context.runningQueryIds.delete(runningId);
    await rm(dataPath, { force: true });
    context.logger.debug('query answered', {
      queryId,
      method: request.method,
      status: response.statusCode,
      elapsedMs: Number(process.hrtime.bigint() - startedNs) / 1e6,
    });
  }
}

/** Reads the statement: from the URL, the body, or a multipart form; inline INSERT data to `dataPath`. */
async function receive(
  context: QueryHandlerContext,
  request: IncomingMessage,
  params: ClickHouseRequestParams,
  dataPath: string,
): Promise<{ params: ClickHouseRequestParams; statement: Statement }> {
  const encoding = normalizeEncoding(headerValue(request.headers, 'content-encoding'));
  const boundary = multipartBoundary(headerValue(request.headers, 'content-type'));
  if (boundary !== undefined) {
    const body = await readAll(decodedBody(request, encoding), context.maxStatementBytes);
    const merged = new URLSearchParams(params.query === undefined ? [] : [['query', params.query]]);
    for (const [name, value] of new URL(request.url ?? '/', 'http://localhost').searchParams) {
      if (name !== 'query') merged.append(name, value);
    }
    for (const part of parseMultipart(body, boundary)) {
      if (part.filename !== undefined) {
        throw new ClickHouseServerError(
          48,
          'External data (multipart file parts) is not supported by this server',
        );
      }
      merged.append(part.name, part.data.toString('utf8'));
    }
    const withForm = { ...readRequestParams(merged, request.headers), queryId: params.queryId };
    const text = withForm.query ?? '';
    return { params: withForm, statement: { kind: 'text', text, info: scanStatement(text) } };
  }

  const urlQuery = params.query;
  if (urlQuery !== undefined) {
    const info = scanStatement(urlQuery);
    const clause = info.insertData;
    if (clause !== undefined && clause.dataStart >= urlQuery.length) {
      // The whole INSERT header is in the URL: the body is the data, passed on still encoded.
      const compression = encoding === '' ? undefined : infileCompression(encoding);
      if (encoding !== '' && compression === undefined) {
        throw new ClickHouseServerError(89, `Unknown Content-Encoding '${encoding}'`);
      }
      const dataBytes = await writeToFile(request, dataPath);
      return {
        params,
        statement: { kind: 'insert', header: urlQuery, clause, info, dataPath, dataBytes, compression },
      };
    }
  }
  const prefix = urlQuery === undefined ? Buffer.alloc(0) : Buffer.from(`${urlQuery}\n`);
  const statement = await receiveStatement(prefix, decodedBody(request, encoding), {
    dataPath,
    maxStatementBytes: context.maxStatementBytes,
  });
  return { params, statement };
}

/** What ClickHouse refuses before running anything. */
function check(
  statement: Statement,
  info: StatementInfo,
  params: ClickHouseRequestParams,
  readonly: boolean,
): void {
  if (statement.kind === 'text' && statement.text.trim() === '') {
    throw new ClickHouseServerError(62, 'Empty query');
  }
  if (info.kind === '') throw new ClickHouseServerError(62, 'Empty query');
  if (info.multipleStatements) {
    throw new ClickHouseServerError(62, 'Syntax error (Multi-statements are not allowed)');
  }
  if (readonly && !READ_ONLY_KINDS.has(info.kind)) {
    throw new ClickHouseServerError(
      164,
      'Cannot execute query in readonly mode. For queries over HTTP, method GET implies readonly. ' +
        'You should use method POST for modifying queries',
    );
  }
  for (const name of info.parameterNames) {
    if (!params.queryParameters.has(name)) {
      throw new ClickHouseServerError(456, `Substitution \`${name}\` is not set`);
    }
  }
}

/** Leases a connection (the session's, or one from the pool), applies the request state, runs `work`. */
async function runOnConnection(
  context: QueryHandlerContext,
  params: ClickHouseRequestParams,
  info: StatementInfo,
  signal: AbortSignal,
  work: (connection: ChdbConnection) => Promise<{ discard: boolean }>,
): Promise<void> {
  const state = {
    database: params.database,
    settings: params.settings,
    queryParameters: params.queryParameters,
  };
  if (params.sessionId !== undefined) {
    const lease = context.sessions.acquire(params.sessionId, { mustExist: params.sessionCheck });
    let close = params.closeSession;
    try {
      const restore = await applyRequestState(lease.connection, state, { restorable: true });
      try {
        const outcome = await work(lease.connection);
        close ||= outcome.discard;
      } finally {
        await restore().catch((error: unknown) => {
          context.logger.warn('restoring a session after a request failed; closing the session', {
            sessionId: params.sessionId,
            error,
          });
          close = true;
        });
      }
    } finally {
      lease.release({ timeoutS: params.sessionTimeoutS, close });
    }
    return;
  }
  const lease = await context.pool.acquire({ timeoutMs: context.queueTimeoutMs, signal });
  let discard = changesConnection(state, info);
  try {
    await applyRequestState(lease.connection, state, { restorable: false });
    const outcome = await work(lease.connection);
    discard ||= outcome.discard;
  } finally {
    lease.release({ discard });
  }
}
