/**
 * The local stack: the mock Kafka broker (its own process), the Schema Registry and the ClickHouse HTTP
 * interface over chDB (both in this process), all on loopback, under one data directory.
 *
 * Exactly one stack may run per data directory: a pid file guards it. Once every part answers, the
 * endpoints are written to `<dataDir>/stack.env`, which every other stadion command reads when the
 * KAFKA_BROKERS / SCHEMA_REGISTRY_URL / CLICKHOUSE_URL variables are not set.
 */
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { STACK_ENV_FILE, formatEnvFile } from '../engine/config/config.ts';
import { StadionError } from '../engine/errors.ts';
import { silentLogger, type Logger } from '../engine/log.ts';
import { startMockBroker, type MockBroker } from './broker/launcher.ts';
import { startClickHouseServer, type ClickHouseServer } from './clickhouse/server.ts';
import { startSchemaRegistry, type SchemaRegistryServer } from './registry/server.ts';

/** The pid file that marks a data directory as in use by a running stack. */
export const STACK_PID_FILE = 'stack.pid';
/** Number of mock brokers. @default 3 */
export const DEFAULT_LOCAL_BROKERS = 3;
/** Registry port. @default 8081 (Confluent's) */
export const DEFAULT_REGISTRY_PORT = 8081;
/** ClickHouse HTTP port. @default 8123 (ClickHouse's) */
export const DEFAULT_CLICKHOUSE_PORT = 8123;

export interface LocalStackOptions {
  /** Absolute data directory; holds registry/, clickhouse/, stack.env and stack.pid. */
  dataDir: string;
  /** @default DEFAULT_LOCAL_BROKERS */
  brokers?: number;
  /** Topics the broker creates at start. */
  topics?: ReadonlyArray<{ name: string; partitions: number }>;
  /** 0 picks a free port. @default DEFAULT_REGISTRY_PORT */
  registryPort?: number;
  /** 0 picks a free port. @default DEFAULT_CLICKHOUSE_PORT */
  clickhousePort?: number;
  /**
   * Batches each partition keeps before the oldest vanish (the stock mock keeps 100,000). Only to
   * demonstrate and test data-loss detection. @default the launcher's (100,000,000 when patched)
   */
  partitionMaxBatches?: number;
  /** @default silentLogger */
  logger?: Logger;
}

export interface LocalStackEndpoints {
  KAFKA_BROKERS: string;
  SCHEMA_REGISTRY_URL: string;
  CLICKHOUSE_URL: string;
  STADION_BROKER_CONTROL: string;
}

export interface LocalStack {
  readonly endpoints: LocalStackEndpoints;
  readonly broker: MockBroker;
  readonly envFilePath: string;
  /** Stops every part, removes the env and pid files. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const logger = options.logger ?? silentLogger;
  const { dataDir } = options;
  await mkdir(dataDir, { recursive: true });
  const pidPath = join(dataDir, STACK_PID_FILE);
  const envFilePath = join(dataDir, STACK_ENV_FILE);
  await claimDataDir(pidPath, dataDir);

  const started: Array<{ name: string; stop: () => Promise<void> }> = [];
  const stopAll = async (): Promise<void> => {
    for (const part of started.reverse()) {
      try {
        await part.stop();
      } catch (error) {
        logger.warn('stopping a part of the local stack failed', { part: part.name, error });
      }
    }
    started.length = 0;
  };

  try {
    const [broker, registry, clickhouse] = await Promise.all([
      startMockBroker({
        brokers: options.brokers ?? DEFAULT_LOCAL_BROKERS,
        topics: options.topics ?? [],
        ...(options.partitionMaxBatches === undefined
          ? {}
          : { partitionMaxBatches: options.partitionMaxBatches }),
        logger: logger.child({ component: 'mock-broker' }),
      }).then((b: MockBroker) => {
        started.push({ name: 'broker', stop: () => b.stop() });
        return b;
      }),
      startSchemaRegistry({
        dataDir: join(dataDir, 'registry'),
        port: options.registryPort ?? DEFAULT_REGISTRY_PORT,
        logger: logger.child({ component: 'schema-registry' }),
      }).then((r: SchemaRegistryServer) => {
        started.push({ name: 'registry', stop: () => r.close() });
        return r;
      }),
      startClickHouseServer({
        dataDir: join(dataDir, 'clickhouse'),
        port: options.clickhousePort ?? DEFAULT_CLICKHOUSE_PORT,
        logger: logger.child({ component: 'clickhouse' }),
      }).then((c: ClickHouseServer) => {
        started.push({ name: 'clickhouse', stop: () => c.close() });
        return c;
      }),
    ]);
    // An unpatched broker (stock librdkafka) has already logged its DATA_LOSS warning.
    const endpoints: LocalStackEndpoints = {
      KAFKA_BROKERS: broker.bootstrap,
      SCHEMA_REGISTRY_URL: registry.url,
      CLICKHOUSE_URL: clickhouse.url,
      STADION_BROKER_CONTROL: broker.controlAddress,
    };
    const temporary = `${envFilePath}.tmp`;
    await writeFile(
      temporary,
      formatEnvFile({ ...endpoints }, `written by "stadion up" (pid ${process.pid}); removed when it stops`),
    );
    await rename(temporary, envFilePath);

    let stopping: Promise<void> | undefined;
    return {
      endpoints,
      broker,
      envFilePath,
      stop: () => {
        stopping ??= (async () => {
          await rm(envFilePath, { force: true });
          await stopAll();
          await rm(pidPath, { force: true });
        })();
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    await rm(pidPath, { force: true });
    throw error;
  }
}

/** Takes the data directory, or says which process holds it. A pid file left by a dead process is taken over. */
async function claimDataDir(pidPath: string, dataDir: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(pidPath, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(await readFile(pidPath, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
      throw new StadionError(
        'STACK_ALREADY_RUNNING',
        `the local stack is already running on ${dataDir} (pid ${holder}); its endpoints are in ${join(dataDir, STACK_ENV_FILE)}`,
      );
    }
    await rm(pidPath, { force: true }); // stale: its process is gone
  }
  throw new StadionError('INTERNAL', `could not claim ${pidPath}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
