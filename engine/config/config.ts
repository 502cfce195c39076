/**
 * Stadion's configuration, in one typed and validated place.
 *
 * Sources, first match wins: command-line flags, environment variables, then the env file that
 * `stadion up` writes into the data directory (so every command finds the local stack by itself).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StadionError } from '../errors.ts';
import { DEFAULT_LOG_LEVEL, isLogLevel, type LogLevel } from '../log.ts';

/** Where the local stack keeps its data and its env file. */
export const DEFAULT_DATA_DIR = '.stadion';
/** The env file `stadion up` writes inside the data directory. */
export const STACK_ENV_FILE = 'stack.env';
/** Client id kafkajs announces to the brokers. */
export const DEFAULT_KAFKA_CLIENT_ID = 'stadion';
/** Database used when CLICKHOUSE_DATABASE is not set. */
export const DEFAULT_CLICKHOUSE_DATABASE = 'default';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';
const SASL_MECHANISMS: readonly SaslMechanism[] = ['plain', 'scram-sha-256', 'scram-sha-512'];

export interface KafkaConfig {
  /** Bootstrap brokers, `host:port` each. */
  brokers: readonly string[];
  /** @default DEFAULT_KAFKA_CLIENT_ID */
  clientId: string;
  /** TLS to the brokers (KAFKA_SSL=true). @default false */
  ssl: boolean;
  /** SASL credentials (KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD). */
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
  /** Control address of the local mock broker launcher, when the local stack runs. */
  localControl?: string;
}

export interface SchemaRegistryConfig {
  url: string;
  /** Basic auth (SCHEMA_REGISTRY_USERNAME / SCHEMA_REGISTRY_PASSWORD). */
  auth?: { username: string; password: string };
}

export interface ClickHouseConfig {
  url: string;
  /** @default 'default' (CLICKHOUSE_USER) */
  username: string;
  /** @default '' (CLICKHOUSE_PASSWORD) */
  password: string;
  /** @default DEFAULT_CLICKHOUSE_DATABASE (CLICKHOUSE_DATABASE) */
  database: string;
}

export interface StadionConfig {
  /** Absolute path of the data directory. @default ./.stadion (STADION_DATA_DIR) */
  dataDir: string;
  /** @default DEFAULT_LOG_LEVEL (STADION_LOG_LEVEL) */
  logLevel: LogLevel;
  kafka: KafkaConfig;
  schemaRegistry: SchemaRegistryConfig;
  clickhouse: ClickHouseConfig;
  /** Where each endpoint came from, for error messages ("flag", "environment", the env file path). */
  origins: Readonly<Record<'kafka' | 'schemaRegistry' | 'clickhouse', string>>;
}

/** Flags a command may pass; each overrides the environment variable of the same meaning. */
export interface ConfigFlags {
  dataDir?: string | undefined;
  kafkaBrokers?: string | undefined;
  schemaRegistryUrl?: string | undefined;
  clickhouseUrl?: string | undefined;
  logLevel?: string | undefined;
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** The data directory alone, for commands (like `up`) that create the endpoints rather than read them. */
export function resolveDataDir(flags: ConfigFlags, env: Environment, cwd: string = process.cwd()): string {
  return resolve(cwd, nonEmpty(flags.dataDir) ?? nonEmpty(env['STADION_DATA_DIR']) ?? DEFAULT_DATA_DIR);
}

export function resolveLogLevel(flags: ConfigFlags, env: Environment): LogLevel {
  const raw = nonEmpty(flags.logLevel) ?? nonEmpty(env['STADION_LOG_LEVEL']);
  if (raw === undefined) return DEFAULT_LOG_LEVEL;
  if (!isLogLevel(raw)) {
    throw new StadionError('CONFIG_INVALID', `log level "${raw}" is not one of debug, info, warn, error`);
  }
  return raw;
}

/**
 * Reads and validates the whole configuration. Throws StadionError('CONFIG_INVALID') naming the
 * variable and the value at fault, or telling how to get an endpoint when none is configured.
 */
export function loadConfig(
  flags: ConfigFlags = {},
  env: Environment = process.env,
  cwd?: string,
): StadionConfig {
  const dataDir = resolveDataDir(flags, env, cwd);
  const envFilePath = join(dataDir, STACK_ENV_FILE);
  const fileEnv = existsSync(envFilePath) ? parseEnvFile(readFileSync(envFilePath, 'utf8')) : {};
  const fileOrigin = `the local stack's env file ${envFilePath}`;

  const pick = (flag: string | undefined, name: string): { value: string; origin: string } | undefined => {
    const fromFlag = nonEmpty(flag);
    if (fromFlag !== undefined) return { value: fromFlag, origin: 'command-line flag' };
    const fromEnv = nonEmpty(env[name]);
    if (fromEnv !== undefined) return { value: fromEnv, origin: `environment variable ${name}` };
    const fromFile = nonEmpty(fileEnv[name]);
    if (fromFile !== undefined) return { value: fromFile, origin: fileOrigin };
    return undefined;
  };
  const required = (flag: string | undefined, name: string): { value: string; origin: string } => {
    const found = pick(flag, name);
    if (found === undefined) {
      throw new StadionError(
        'CONFIG_INVALID',
        `${name} is not set and no local stack runs on ${dataDir} (no ${STACK_ENV_FILE} there): ` +
          `start one with "npx stadion up" or set ${name}`,
      );
    }
    return found;
  };

  const brokers = required(flags.kafkaBrokers, 'KAFKA_BROKERS');
  const registry = required(flags.schemaRegistryUrl, 'SCHEMA_REGISTRY_URL');
  const clickhouse = required(flags.clickhouseUrl, 'CLICKHOUSE_URL');
  const value = (name: string): string | undefined => pick(undefined, name)?.value;

  const kafka: KafkaConfig = {
    brokers: parseBrokerList(brokers.value, brokers.origin),
    clientId: value('KAFKA_CLIENT_ID') ?? DEFAULT_KAFKA_CLIENT_ID,
    ssl: parseBoolean(value('KAFKA_SSL'), 'KAFKA_SSL', false),
  };
  const mechanism = value('KAFKA_SASL_MECHANISM');
  if (mechanism !== undefined) {
    const lower = mechanism.toLowerCase();
    if (!isSaslMechanism(lower)) {
      throw new StadionError(
        'CONFIG_INVALID',
        `KAFKA_SASL_MECHANISM "${mechanism}" is not one of ${SASL_MECHANISMS.join(', ')}`,
      );
    }
    kafka.sasl = {
      mechanism: lower,
      username: requiredWith(value('KAFKA_SASL_USERNAME'), 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_MECHANISM'),
      password: requiredWith(value('KAFKA_SASL_PASSWORD'), 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_MECHANISM'),
    };
  }
  // The control address belongs to the stack that wrote the env file: only use it when the brokers did too.
  const control = nonEmpty(fileEnv['STADION_BROKER_CONTROL']);
  if (control !== undefined && brokers.origin === fileOrigin) kafka.localControl = control;
  else if (nonEmpty(env['STADION_BROKER_CONTROL']) !== undefined)
    kafka.localControl = env['STADION_BROKER_CONTROL'];

  const schemaRegistry: SchemaRegistryConfig = {
    url: parseHttpUrl(registry.value, 'SCHEMA_REGISTRY_URL', registry.origin),
  };
  const registryUser = value('SCHEMA_REGISTRY_USERNAME');
  if (registryUser !== undefined) {
    schemaRegistry.auth = {
      username: registryUser,
      password: requiredWith(
        value('SCHEMA_REGISTRY_PASSWORD'),
        'SCHEMA_REGISTRY_PASSWORD',
        'SCHEMA_REGISTRY_USERNAME',
      ),
    };
  }

  return {
    dataDir,
    logLevel: resolveLogLevel(flags, env),
    kafka,
    schemaRegistry,
    clickhouse: {
      url: parseHttpUrl(clickhouse.value, 'CLICKHOUSE_URL', clickhouse.origin),
      username: value('CLICKHOUSE_USER') ?? 'default',
      password: value('CLICKHOUSE_PASSWORD') ?? '',
      database: value('CLICKHOUSE_DATABASE') ?? DEFAULT_CLICKHOUSE_DATABASE,
    },
    origins: { kafka: brokers.origin, schemaRegistry: registry.origin, clickhouse: clickhouse.origin },
  };
}

/** `host:port[,host:port...]`; hosts may be names, IPv4 or bracketed IPv6. */
export function parseBrokerList(raw: string, origin = 'KAFKA_BROKERS'): string[] {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) {
    throw new StadionError(
      'CONFIG_INVALID',
      `KAFKA_BROKERS from ${origin} is empty: expected host:port[,host:port...]`,
    );
  }
  for (const entry of entries) {
    const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(entry);
    const port = match?.[2] === undefined ? Number.NaN : Number(match[2]);
    if (match === null || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new StadionError(
        'CONFIG_INVALID',
        `KAFKA_BROKERS from ${origin}: "${entry}" is not host:port with a port from 1 to 65535 (whole value "${raw}")`,
      );
    }
  }
  return entries;
}

/** An http(s) URL without a trailing slash. */
export function parseHttpUrl(raw: string, name: string, origin = name): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new StadionError('CONFIG_INVALID', `${name} from ${origin}: "${raw}" is not a URL`, {
      cause: error,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new StadionError(
      'CONFIG_INVALID',
      `${name} from ${origin}: "${raw}" must be an http:// or https:// URL`,
    );
  }
  return url.toString().replace(/\/$/, '');
}

export function parseBoolean(raw: string | undefined, name: string, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
  if (['0', 'false', 'no', 'off'].includes(lower)) return false;
  throw new StadionError('CONFIG_INVALID', `${name} "${raw}" is not a boolean (true/false)`);
}

/** `KEY=value` lines; `#` comments and blank lines ignored; no quoting or expansion. */
export function parseEnvFile(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) continue;
    result[trimmed.slice(0, eq).trim()] = trimmed.slice(eq + 1).trim();
  }
  return result;
}

export function formatEnvFile(values: Readonly<Record<string, string>>, header: string): string {
  const lines = [`# ${header}`, ...Object.entries(values).map(([key, value]) => `${key}=${value}`)];
  return `${lines.join('\n')}\n`;
}

function isSaslMechanism(value: string): value is SaslMechanism {
  return (SASL_MECHANISMS as readonly string[]).includes(value);
}

function requiredWith(value: string | undefined, name: string, because: string): string {
  if (value === undefined)
    throw new StadionError('CONFIG_INVALID', `${name} must be set when ${because} is set`);
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
