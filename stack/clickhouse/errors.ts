/**
 * ClickHouse's error shape on the HTTP interface: a numeric code and a name (`60`, `UNKNOWN_TABLE`), a
 * body `Code: 60. DB::Exception: <message>. (UNKNOWN_TABLE) (version <v>)`, the code again in the
 * `X-ClickHouse-Exception-Code` header and an HTTP status chosen from the code the way the server chooses
 * it. chDB's errors already carry `Code: N. DB::Exception: ...`; the code and name are read from there.
 */

/** Error codes this server raises itself (the engine raises the rest), with ClickHouse's names. */
export const CLICKHOUSE_ERROR_NAMES: Readonly<Record<number, string>> = {
  36: 'BAD_ARGUMENTS',
  48: 'NOT_IMPLEMENTED',
  49: 'LOGICAL_ERROR',
  62: 'SYNTAX_ERROR',
  115: 'UNKNOWN_SETTING',
  159: 'TIMEOUT_EXCEEDED',
  164: 'READONLY',
  89: 'UNKNOWN_COMPRESSION_METHOD',
  202: 'TOO_MANY_SIMULTANEOUS_QUERIES',
  210: 'NETWORK_ERROR',
  211: 'EMPTY_QUERY',
  216: 'QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING',
  229: 'QUERY_IS_TOO_LARGE',
  271: 'CANNOT_DECOMPRESS',
  372: 'SESSION_NOT_FOUND',
  373: 'SESSION_IS_LOCKED',
  374: 'INVALID_SESSION_TIMEOUT',
  394: 'QUERY_WAS_CANCELLED',
  456: 'UNKNOWN_QUERY_PARAMETER',
  457: 'BAD_QUERY_PARAMETER',
  1001: 'STD_EXCEPTION',
};

/** The code used when a failure carries none (ClickHouse's code for a plain C++ exception). */
export const UNKNOWN_ERROR_CODE = 1001;

/** A failure to report to the HTTP client the way ClickHouse reports it. */
export class ClickHouseServerError extends Error {
  override readonly name = 'ClickHouseServerError';
  readonly code: number;
  /** ClickHouse's name for the code, e.g. `UNKNOWN_TABLE`. */
  readonly type: string;
  /**
   * The complete text after `Code: N. ` when it came from the engine (kept verbatim), or undefined for
   * errors raised here, whose text is built from `message`.
   */
  readonly engineText: string | undefined;

  constructor(
    code: number,
    message: string,
    options: { type?: string; engineText?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.type = options.type ?? CLICKHOUSE_ERROR_NAMES[code] ?? 'UNKNOWN_EXCEPTION';
    this.engineText = options.engineText;
  }
}

/** `Code: 60. ...` anywhere in a message: the first one is the outermost exception. */
const CODE_RE = /Code: (\d+)\./;
/** The `(UNKNOWN_TABLE)` marker: at least three capitals, as @clickhouse/client reads it. */
const TYPE_RE = /\(((?=[A-Z0-9_]*[A-Z]{3})[A-Z0-9_]+)\)/;

/** Turns anything chDB (or our own code) threw into a ClickHouseServerError. */
export function toClickHouseError(error: unknown): ClickHouseServerError {
  if (error instanceof ClickHouseServerError) return error;
  const text = error instanceof Error ? error.message : String(error);
  const codeMatch = CODE_RE.exec(text);
  const codeText = codeMatch?.[1];
  if (codeMatch === null || codeText === undefined) {
    return new ClickHouseServerError(UNKNOWN_ERROR_CODE, text, { cause: error });
  }
  const code = Number.parseInt(codeText, 10);
  const type = TYPE_RE.exec(text.slice(codeMatch.index))?.[1] ?? CLICKHOUSE_ERROR_NAMES[code];
  const engineText = text.slice(codeMatch.index).trimEnd();
  return new ClickHouseServerError(code, text, {
    cause: error,
    engineText,
    ...(type === undefined ? {} : { type }),
  });
}

/** The error text ClickHouse writes in the body (without the final newline). */
export function formatErrorText(error: ClickHouseServerError, serverVersion: string): string {
  const versionSuffix = ` (version ${serverVersion})`;
  if (error.engineText !== undefined) {
    return /\(version [^)]*\)$/.test(error.engineText) ? error.engineText : error.engineText + versionSuffix;
  }
  const message = error.message.trimEnd();
  const sentence = message.endsWith('.') ? message : `${message}.`;
  return `Code: ${error.code}. DB::Exception: ${sentence} (${error.type})${versionSuffix}`;
}

/** Codes answered with 400 Bad Request (ClickHouse's exceptionCodeToHTTPStatus, verified against errorCodeToName). */
const BAD_REQUEST_CODES: ReadonlySet<number> = new Set([
  36, 427, 6, 25, 26, 38, 41, 72, 441, 675, 676, 27, 376, 15, 44, 37, 123, 8, 167, 168, 223, 62, 117, 53, 321,
]);

/** Codes answered with 404 Not Found: UNKNOWN_TABLE, _FUNCTION, _IDENTIFIER, _TYPE, _STORAGE, _DATABASE, ... */
const NOT_FOUND_CODES: ReadonlySet<number> = new Set([
  60, 46, 47, 50, 56, 81, 115, 152, 63, 73, 336, 78, 511,
]);

/** Authentication failures: UNKNOWN_USER, WRONG_PASSWORD, AUTHENTICATION_FAILED, SET_NON_GRANTED_ROLE, ACCESS_DENIED. */
const FORBIDDEN_CODES: ReadonlySet<number> = new Set([192, 193, 516, 512, 497]);

/** The HTTP status ClickHouse answers with for an exception code. */
export function httpStatusForCode(code: number): number {
  if (code === 194) return 401; // REQUIRED_PASSWORD
  if (FORBIDDEN_CODES.has(code)) return 403;
  if (BAD_REQUEST_CODES.has(code)) return 400;
  if (NOT_FOUND_CODES.has(code)) return 404;
  if (code === 229) return 413; // QUERY_IS_TOO_LARGE
  if (code === 48) return 501; // NOT_IMPLEMENTED
  if (code === 209 || code === 76 || code === 439) return 503; // SOCKET_TIMEOUT, CANNOT_OPEN_FILE, CANNOT_SCHEDULE_TASK
  if (code === 381) return 411; // HTTP_LENGTH_REQUIRED
  if (code === 159) return 408; // TIMEOUT_EXCEEDED
  return 500;
}

/** `X-ClickHouse-Exception-Tag` marker that frames an error written after rows were already sent. */
const STREAM_EXCEPTION_MARKER = '__exception__';

/**
 * The block ClickHouse (25.11+) appends to a response whose rows were already on the way when the query
 * failed, framed by the response's exception tag so clients can tell it from data:
 * `\r\n__exception__\r\n<tag>\r\n<text>\n<bytes of text+1> <tag>\r\n__exception__\r\n`.
 */
export function streamExceptionBlock(text: string, tag: string): string {
  const length = Buffer.byteLength(text) + 1;
  return `\r\n${STREAM_EXCEPTION_MARKER}\r\n${tag}\r\n${text}\n${length} ${tag}\r\n${STREAM_EXCEPTION_MARKER}\r\n`;
}
