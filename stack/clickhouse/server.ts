/**
 * ClickHouse's HTTP interface on loopback, answered by chDB in this process, for the local stack.
 * `@clickhouse/client`, curl and Grafana's ClickHouse data source (HTTP mode) talk to it as to a
 * ClickHouse server; the data lives in `dataDir` and survives a restart.
 *
 * Requests share a pool of chDB connections (queries on one connection run one after another, several
 * connections run in parallel), queue fairly when all are busy, and never block the event loop: chDB
 * runs on libuv's thread pool. See stack/clickhouse/query-handler.ts for what one request goes through.
 *
 * chDB binds one data directory per process: one server (or several on the same `dataDir`) at a time.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { listen } from '../../engine/http/listen.ts';
import { StadionError } from '../../engine/errors.ts';
import { silentLogger, type Logger } from '../../engine/log.ts';
import { chdbConnectionFactory, drainChdb } from './chdb-connection.ts';
import { ClickHouseServerError } from './errors.ts';
import { NamedSessions } from './named-sessions.ts';
import { handleQuery, type QueryHandlerContext } from './query-handler.ts';
import { baseHeaders, sendError, type ServerIdentity } from './response.ts';
import { ChdbSessionPool } from './session-pool.ts';

/** Address the server binds to. @default '127.0.0.1' */
export const DEFAULT_CLICKHOUSE_HOST = '127.0.0.1';
/** ClickHouse's HTTP port. @default 8123 */
export const DEFAULT_CLICKHOUSE_PORT = 8123;
/**
 * chDB connections serving requests in parallel. @default 3: chDB work runs on libuv's thread pool
 * (UV_THREADPOOL_SIZE, 4 unless set), and one thread is left for file and compression work, such as
 * receiving an insert while three long queries run.
 */
export const DEFAULT_CLICKHOUSE_SESSIONS = 3;
/** Longest a request waits for a free connection before TOO_MANY_SIMULTANEOUS_QUERIES. @default 120 s */
export const DEFAULT_QUEUE_TIMEOUT_MS = 120_000;
/** Largest statement read into memory; inline INSERT data goes to a file and has no limit. @default 64 MiB */
export const DEFAULT_MAX_STATEMENT_BYTES = 64 * 1024 * 1024;
/** How long close() lets running requests finish before cutting their connections. @default 5 s */
export const DEFAULT_CLOSE_GRACE_MS = 5_000;
/** ClickHouse's keep-alive timeout for HTTP connections. @default 10 s */
export const KEEP_ALIVE_TIMEOUT_MS = 10_000;
/** Longest request line and headers accepted (ClickHouse allows 1 MiB URIs). @default 1 MiB */
export const MAX_HEADER_BYTES = 1024 * 1024;

export interface ClickHouseServerOptions {
  /** chDB data path (created if missing). */
  dataDir: string;
  /** @default DEFAULT_CLICKHOUSE_HOST ('127.0.0.1') */
  host?: string;
  /** 0 picks a free port. @default DEFAULT_CLICKHOUSE_PORT (8123) */
  port?: number;
  /** Size of the chDB session pool. @default DEFAULT_CLICKHOUSE_SESSIONS (3) */
  sessions?: number;
  /** Longest wait in the queue for a free session, in ms. @default DEFAULT_QUEUE_TIMEOUT_MS */
  queueTimeoutMs?: number;
  /** @default silentLogger */
  logger?: Logger;
}

export interface ClickHouseServer {
  /** Base URL, e.g. `http://127.0.0.1:8123` (no trailing slash). */
  readonly url: string;
  /** Stops listening, lets running requests finish (briefly), closes chDB. Safe to call twice. */
  close(): Promise<void>;
}

export async function startClickHouseServer(options: ClickHouseServerOptions): Promise<ClickHouseServer> {
  const logger = options.logger ?? silentLogger;
  const host = options.host ?? DEFAULT_CLICKHOUSE_HOST;
  const port = options.port ?? DEFAULT_CLICKHOUSE_PORT;
  const size = options.sessions ?? DEFAULT_CLICKHOUSE_SESSIONS;
  const queueTimeoutMs = options.queueTimeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS;
  if (!Number.isInteger(size) || size < 1) {
    throw new StadionError(
      'CONFIG_INVALID',
      `ClickHouse server: sessions must be a positive integer, got ${size}`,
    );
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StadionError('CONFIG_INVALID', `ClickHouse server: invalid port ${port}`);
  }
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  warnAboutThreadPool(size, logger);

  const open = chdbConnectionFactory(dataDir);
  const pool = new ChdbSessionPool({ size, open, logger });
  const sessions = new NamedSessions({ open, logger });
  let identity: ServerIdentity;
  try {
    pool.warmUp();
    identity = await readIdentity(pool);
  } catch (error) {
    await pool.close().catch(() => undefined);
    throw new StadionError('CLICKHOUSE', `chDB could not open ${dataDir}: ${errorText(error)}`, {
      cause: error,
    });
  }
  const tempDir = await mkdtemp(join(tmpdir(), 'stadion-clickhouse-'));

  const context: QueryHandlerContext = {
    pool,
    sessions,
    identity,
    tempDir,
    logger,
    queueTimeoutMs,
    maxStatementBytes: DEFAULT_MAX_STATEMENT_BYTES,
    runningQueryIds: new Set(),
  };
  const inflight = new Set<Promise<void>>();
  let closing = false;
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (request, response) => {
    const handled = route(context, request, response, closing).catch((error: unknown) => {
      logger.error('ClickHouse HTTP request failed unexpectedly', { url: request.url, error });
      sendError(response, new ClickHouseServerError(1001, errorText(error)), identity, undefined);
    });
    inflight.add(handled);
    void handled.finally(() => inflight.delete(handled));
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;

  try {
    await listen(server, host, port, 'the ClickHouse HTTP interface');
  } catch (error) {
    await Promise.all([sessions.close(), pool.close()]);
    await rm(tempDir, { recursive: true, force: true });
    throw error;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info('ClickHouse HTTP interface listening', {
    url,
    dataDir,
    sessions: size,
    version: identity.version,
  });

  let closed: Promise<void> | undefined;
  return {
    url,
    close: () => {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolveClose) => {
          server.close(() => {
            resolveClose();
          });
        });
        server.closeIdleConnections();
        await settleWithin([...inflight], DEFAULT_CLOSE_GRACE_MS);
        server.closeAllConnections();
        await Promise.allSettled([...inflight]);
        await stopped;
        await sessions.close();
        await pool.close();
        await drainChdb();
        await rm(tempDir, { recursive: true, force: true });
        logger.info('ClickHouse HTTP interface stopped', { url });
      })();
      return closed;
    },
  };
}

async function route(
  context: QueryHandlerContext,
  request: IncomingMessage,
  response: ServerResponse,
  closing: boolean,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const method = request.method ?? 'GET';
  if (closing) {
    response.setHeader('Connection', 'close');
    sendError(
      response,
      new ClickHouseServerError(210, 'The server is shutting down'),
      context.identity,
      undefined,
    );
    return;
  }
  const path = url.pathname;
  if (method === 'OPTIONS') {
    response.writeHead(204, baseHeaders(context.identity, undefined));
    response.end();
    return;
  }
  if (path === '/ping' || path === '/replicas_status') {
    sendOk(response, context.identity);
    return;
  }
  if (path === '/' || path === '') {
    if ((method === 'GET' || method === 'HEAD') && !url.searchParams.has('query')) {
      const sessionId = url.searchParams.get('session_id');
      if (
        sessionId !== null &&
        isFlag(url.searchParams.get('session_check')) &&
        !context.sessions.has(sessionId)
      ) {
        sendError(
          response,
          new ClickHouseServerError(372, `Session ${sessionId} not found`),
          context.identity,
          undefined,
        );
        return;
      }
      sendOk(response, context.identity);
      return;
    }
    await handleQuery(context, request, response, url);
    return;
  }
  const body =
    `There is no handle ${path}\n\nUse / or /ping for health checks.\n` +
    'Or /replicas_status for more sophisticated health checks.\n\n' +
    'Send queries from your program with POST method or GET /?query=...\n';
  response.writeHead(404, {
    ...baseHeaders(context.identity, undefined),
    'Content-Type': 'text/plain; charset=UTF-8',
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
}

function sendOk(response: ServerResponse, identity: ServerIdentity): void {
  response.writeHead(200, {
    ...baseHeaders(identity, undefined),
    'Content-Type': 'text/plain; charset=UTF-8',
    'Content-Length': 4,
  });
  response.end('Ok.\n');
}

function isFlag(value: string | null): boolean {
  return value !== null && value !== '' && value !== '0';
}

/** The engine's version and timezone, for the X-ClickHouse-* headers and error texts. */
async function readIdentity(pool: ChdbSessionPool): Promise<ServerIdentity> {
  const lease = await pool.acquire({ timeoutMs: DEFAULT_QUEUE_TIMEOUT_MS });
  try {
    const result = await lease.connection.query('SELECT version(), timezone()', 'TabSeparatedRaw');
    const [version = 'unknown', timezone = 'UTC'] = new TextDecoder().decode(result.bytes).trim().split('\t');
    return { version, timezone, displayName: hostname() };
  } finally {
    lease.release();
  }
}

/** Warns when the pool could take every libuv thread, which would stall file and zlib work. */
function warnAboutThreadPool(size: number, logger: Logger): void {
  const threads = Number.parseInt(process.env['UV_THREADPOOL_SIZE'] ?? '4', 10);
  if (Number.isInteger(threads) && size >= threads) {
    logger.warn(
      'the chDB session pool is as large as the libuv thread pool: busy sessions can stall receiving inserts; ' +
        'raise UV_THREADPOOL_SIZE before starting the process',
      { sessions: size, uvThreadpoolSize: threads },
    );
  }
}

async function settleWithin(promises: ReadonlyArray<Promise<unknown>>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(promises),
    new Promise<void>((resolveTimer) => {
      timer = setTimeout(resolveTimer, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
