/**
 * "With no configuration, it starts embedded stand-ins": a command that needs the services uses the
 * configured ones (flags, environment, or the env file of a running `stadion up`) and, when none is
 * configured at all, starts a local stack of its own for the duration of the command.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  STACK_ENV_FILE,
  loadConfig,
  resolveDataDir,
  type ConfigFlags,
  type StadionConfig,
} from '../engine/config/config.ts';
import type { Logger } from '../engine/log.ts';
import { startLocalStack } from '../stack/local-stack.ts';

const ENDPOINT_VARIABLES = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'CLICKHOUSE_URL'] as const;

export interface ResolvedServices {
  config: StadionConfig;
  /** True when this command started the stack and must stop it. */
  embedded: boolean;
  stop(): Promise<void>;
}

export async function configuredOrEmbedded(flags: ConfigFlags, logger: Logger): Promise<ResolvedServices> {
  const dataDir = resolveDataDir(flags, process.env);
  const anyConfigured =
    flags.kafkaBrokers !== undefined ||
    flags.schemaRegistryUrl !== undefined ||
    flags.clickhouseUrl !== undefined ||
    ENDPOINT_VARIABLES.some((name) => (process.env[name] ?? '') !== '') ||
    existsSync(join(dataDir, STACK_ENV_FILE));
  if (anyConfigured) {
    return { config: loadConfig(flags), embedded: false, stop: () => Promise.resolve() };
  }
  logger.info('no services configured: starting an embedded local stack', { dataDir });
  const stack = await startLocalStack({ dataDir, registryPort: 0, clickhousePort: 0, logger });
  try {
    const config = loadConfig(flags, { ...process.env, ...stack.endpoints });
    return { config, embedded: true, stop: () => stack.stop() };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}
