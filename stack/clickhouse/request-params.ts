/**
 * What a request to ClickHouse's HTTP interface asks for, read from its URL parameters and headers the
 * way the server reads them: `query`, `database`, `default_format`, `query_id`, `session_id`, `param_<name>`
 * query parameters, a few parameters of the HTTP layer itself, and every other parameter as a setting.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ClickHouseServerError } from './errors.ts';

/** Longest session a client may ask for with `session_timeout`, in seconds (ClickHouse's max_session_timeout). */
export const MAX_SESSION_TIMEOUT_S = 3600;
/** Session timeout when the client names none, in seconds (ClickHouse's default_session_timeout). */
export const DEFAULT_SESSION_TIMEOUT_S = 60;

/** Parameters the server handles itself and never treats as settings. */
const RESERVED_PARAMETERS: ReadonlySet<string> = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'close_session',
  'compress',
  'decompress',
  'user',
  'password',
  'quota_key',
  'stacktrace',
  'buffer_size',
  'wait_end_of_query',
  'client_protocol_version',
  'role',
]);

/**
 * Settings that steer the HTTP layer rather than the query; this server applies them itself and does not
 * pass them to the engine.
 */
const HTTP_LAYER_SETTINGS: ReadonlySet<string> = new Set([
  'enable_http_compression',
  'http_zlib_compression_level',
  'http_wait_end_of_query',
  'http_response_buffer_size',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'add_http_cors_header',
  'cancel_http_readonly_queries_on_client_close',
  'http_write_exception_in_output_format',
  'http_native_compression_disable_checksumming_on_decompress',
  'readonly',
]);

export interface ClickHouseRequestParams {
  /** The `query` URL parameter (the start of the statement when a body follows). */
  readonly query: string | undefined;
  readonly database: string | undefined;
  /** `default_format` parameter or `X-ClickHouse-Format` header. */
  readonly defaultFormat: string | undefined;
  /** The client's `query_id`, or a fresh UUID. */
  readonly queryId: string;
  readonly sessionId: string | undefined;
  readonly sessionTimeoutS: number;
  /** `session_check=1`: the session must already exist. */
  readonly sessionCheck: boolean;
  /** `close_session=1`: drop the session after this request. */
  readonly closeSession: boolean;
  /** `param_<name>` values, verbatim (ClickHouse parses them in the escaped text format). */
  readonly queryParameters: ReadonlyMap<string, string>;
  /** Settings for the engine, values verbatim. */
  readonly settings: ReadonlyMap<string, string>;
  /** `enable_http_compression=1`: compress the answer if the client accepts it. */
  readonly enableHttpCompression: boolean;
  /** gzip/deflate/br level for the answer. */
  readonly compressionLevel: number | undefined;
  /** `wait_end_of_query=1`: answer only once the whole result is known. */
  readonly waitEndOfQuery: boolean;
  /** `readonly` asked for by the client (GET requests are read-only regardless). */
  readonly readonly: boolean;
  /** The user, from `X-ClickHouse-User`, basic auth or `user` (accepted, not checked). */
  readonly user: string;
}

/** Reads the parameters of one request; throws ClickHouseServerError for malformed ones. */
export function readRequestParams(
  searchParams: URLSearchParams,
  headers: IncomingHttpHeaders,
): ClickHouseRequestParams {
  const first = (name: string): string | undefined => searchParams.get(name) ?? undefined;
  const flag = (value: string | undefined): boolean =>
    value !== undefined && value !== '' && value !== '0' && value !== 'false';

  if (flag(first('compress')) || flag(first('decompress'))) {
    throw new ClickHouseServerError(
      48,
      "ClickHouse's native block compression (compress=1 / decompress=1) is not supported by this server; " +
        'use HTTP compression (Content-Encoding / Accept-Encoding with enable_http_compression=1)',
    );
  }

  const queryParameters = new Map<string, string>();
  const settings = new Map<string, string>();
  const httpSettings = new Map<string, string>();
  for (const [name, value] of searchParams) {
    if (name === '' || RESERVED_PARAMETERS.has(name)) continue;
    if (name.startsWith('param_')) {
      if (!queryParameters.has(name.slice(6))) queryParameters.set(name.slice(6), value);
      continue;
    }
    if (!isSettingName(name)) {
      throw new ClickHouseServerError(115, `Unknown setting '${name}'`);
    }
    const target = HTTP_LAYER_SETTINGS.has(name) ? httpSettings : settings;
    if (!target.has(name)) target.set(name, value);
  }

  const levelText = httpSettings.get('http_zlib_compression_level');
  const compressionLevel = levelText === undefined ? undefined : Number.parseInt(levelText, 10);
  if (
    compressionLevel !== undefined &&
    (!Number.isInteger(compressionLevel) || compressionLevel < 1 || compressionLevel > 9)
  ) {
    throw new ClickHouseServerError(
      36,
      `http_zlib_compression_level must be between 1 and 9, got '${levelText ?? ''}'`,
    );
  }

  return {
    query: first('query'),
    database: nonEmpty(headerValue(headers, 'x-clickhouse-database')) ?? nonEmpty(first('database')),
    defaultFormat: nonEmpty(headerValue(headers, 'x-clickhouse-format')) ?? nonEmpty(first('default_format')),
    queryId:
      nonEmpty(first('query_id')) ?? nonEmpty(headerValue(headers, 'x-clickhouse-query-id')) ?? randomUUID(),
    sessionId: nonEmpty(first('session_id')),
    sessionTimeoutS: readSessionTimeout(first('session_timeout')),
    sessionCheck: flag(first('session_check')),
    closeSession: flag(first('close_session')),
    queryParameters,
    settings,
    enableHttpCompression: flag(httpSettings.get('enable_http_compression')),
    compressionLevel,
    waitEndOfQuery: flag(first('wait_end_of_query')) || flag(httpSettings.get('http_wait_end_of_query')),
    readonly: flag(httpSettings.get('readonly')),
    user: readUser(searchParams, headers),
  };
}

/** A setting name as ClickHouse spells them (letters, digits, underscores; custom settings may have dots). */
function isSettingName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name);
}

function readSessionTimeout(text: string | undefined): number {
  if (text === undefined) return DEFAULT_SESSION_TIMEOUT_S;
  const seconds = /^\d+$/.test(text) ? Number.parseInt(text, 10) : Number.NaN;
  if (!Number.isSafeInteger(seconds)) {
    throw new ClickHouseServerError(374, `Invalid session timeout: '${text}'`);
  }
  if (seconds > MAX_SESSION_TIMEOUT_S) {
    throw new ClickHouseServerError(
      374,
      `Session timeout '${text}' is larger than max_session_timeout: ${MAX_SESSION_TIMEOUT_S}`,
    );
  }
  return seconds;
}

function readUser(searchParams: URLSearchParams, headers: IncomingHttpHeaders): string {
  const fromHeader = nonEmpty(headerValue(headers, 'x-clickhouse-user'));
  if (fromHeader !== undefined) return fromHeader;
  const authorization = headerValue(headers, 'authorization');
  if (authorization?.startsWith('Basic ') === true) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon === -1 ? decoded : decoded.slice(0, colon);
    if (user !== '') return user;
  }
  return nonEmpty(searchParams.get('user') ?? undefined) ?? 'default';
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
