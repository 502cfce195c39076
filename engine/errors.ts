/**
 * The one error class of Stadion. Every failure the engine, the local stack or the CLI reports carries
 * a code from a closed set, a readable message and, where there is one, the underlying `cause`.
 */
export const ERROR_CODES = [
  /** A configuration value is malformed or missing. */
  'CONFIG_INVALID',
  /** A service (Kafka, registry, ClickHouse) did not answer where the configuration says it is. */
  'SERVICE_UNREACHABLE',
  /** The local stack is already running on this data directory. */
  'STACK_ALREADY_RUNNING',
  /** The local stack is not running (no env file, or its processes are gone). */
  'STACK_NOT_RUNNING',
  /** The native mock broker launcher is missing or failed. */
  'BROKER_LAUNCHER',
  /** A command sent to the broker's control interface was refused. */
  'BROKER_CONTROL',
  /** A consumer found its committed offset gone: records were lost before they were read. */
  'DATA_LOSS',
  /** A schema could not be registered, parsed or resolved. */
  'SCHEMA',
  /** ClickHouse answered with an error. */
  'CLICKHOUSE',
  /** A command-line invocation is malformed. */
  'USAGE',
  /** Anything that should not happen: a bug. */
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class StadionError extends Error {
  override readonly name = 'StadionError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A one-line description of any thrown value, for logs and CLI output. */
export function describeError(error: unknown): string {
  if (error instanceof StadionError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
