/** Flags every command shares, and the parsing helpers the commands use. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { StadionError } from '../engine/errors.ts';
import type { ConfigFlags } from '../engine/config/config.ts';

export const COMMON_OPTIONS = {
  'data-dir': { type: 'string' },
  'kafka-brokers': { type: 'string' },
  'schema-registry-url': { type: 'string' },
  'clickhouse-url': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const COMMON_HELP = `Common options:
  --data-dir DIR              local stack data directory (STADION_DATA_DIR; default ./.stadion)
  --kafka-brokers LIST        host:port[,host:port] (KAFKA_BROKERS)
  --schema-registry-url URL   (SCHEMA_REGISTRY_URL)
  --clickhouse-url URL        (CLICKHOUSE_URL)
  --log-level LEVEL           debug | info | warn | error (STADION_LOG_LEVEL; default info)
  -h, --help                  this help`;

/** parseArgs with strict checking, turning its errors into a USAGE error that points at the command's help. */
export function parseCommand<T extends ParseArgsConfig>(
  command: string,
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new StadionError(
      'USAGE',
      `${command}: ${(error as Error).message} (see "stadion ${command} --help")`,
      {
        cause: error,
      },
    );
  }
}

export function configFlags(values: {
  'data-dir'?: string | undefined;
  'kafka-brokers'?: string | undefined;
  'schema-registry-url'?: string | undefined;
  'clickhouse-url'?: string | undefined;
  'log-level'?: string | undefined;
}): ConfigFlags {
  return {
    dataDir: values['data-dir'],
    kafkaBrokers: values['kafka-brokers'],
    schemaRegistryUrl: values['schema-registry-url'],
    clickhouseUrl: values['clickhouse-url'],
    logLevel: values['log-level'],
  };
}

export function parsePositiveInt(raw: string | undefined, name: string, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new StadionError('USAGE', `${name} must be a whole number >= ${min}, got "${raw}"`);
  }
  return value;
}

/** `name:partitions` as given to --topic. */
export function parseTopicSpec(raw: string): { name: string; partitions: number } {
  const match = /^([A-Za-z0-9._-]{1,249}):(\d+)$/.exec(raw);
  if (match?.[1] === undefined || match[2] === undefined || Number(match[2]) < 1) {
    throw new StadionError('USAGE', `--topic "${raw}" is not name:partitions (e.g. tracking.frames:6)`);
  }
  return { name: match[1], partitions: Number(match[2]) };
}
