/**
 * Structured JSON logs, one object per line on stderr (stdout stays free for command output).
 * Library code logs through a `Logger`; nothing in the library writes to the console directly.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

/** The level used when `STADION_LOG_LEVEL` is not set. */
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

export function isLogLevel(value: string): value is LogLevel {
  return value in LEVEL_RANK;
}

export interface JsonLoggerOptions {
  /** Lowest level written. @default DEFAULT_LOG_LEVEL */
  level?: LogLevel;
  /** Where lines go. @default process.stderr */
  write?: (line: string) => void;
  /** Fields added to every line. */
  fields?: LogFields;
}

export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const minRank = LEVEL_RANK[options.level ?? DEFAULT_LOG_LEVEL];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const base = options.fields ?? {};
  const emit = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (LEVEL_RANK[level] < minRank) return;
    const line = { time: new Date().toISOString(), level, msg: message, ...base, ...fields };
    write(`${JSON.stringify(line, errorReplacer)}\n`);
  };
  return {
    debug: (m, f) => {
      emit('debug', m, f);
    },
    info: (m, f) => {
      emit('info', m, f);
    },
    warn: (m, f) => {
      emit('warn', m, f);
    },
    error: (m, f) => {
      emit('error', m, f);
    },
    child: (fields) => createJsonLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

/** A logger that drops everything, for tests that do not look at logs. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
  }
  return value;
}
