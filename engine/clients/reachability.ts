/**
 * Checks that each configured service answers, and says which one did not, where it was looked for,
 * and what was tried. Used by the CLI before it starts work, so a typo in a URL fails in a second
 * with a readable message instead of a retry loop.
 */
import type { StadionConfig } from '../config/config.ts';
import { StadionError, describeError } from '../errors.ts';
import { silentLogger } from '../log.ts';
import { createClickHouse } from './clickhouse.ts';
import { createKafka } from './kafka.ts';

/** How long each service gets to answer. @default 5 s */
export const DEFAULT_REACHABILITY_TIMEOUT_MS = 5_000;

export type ServiceName = 'kafka' | 'schemaRegistry' | 'clickhouse';

export async function checkServices(
  config: StadionConfig,
  services: readonly ServiceName[] = ['kafka', 'schemaRegistry', 'clickhouse'],
  timeoutMs = DEFAULT_REACHABILITY_TIMEOUT_MS,
): Promise<void> {
  const checks: Record<ServiceName, () => Promise<void>> = {
    kafka: () => checkKafka(config, timeoutMs),
    schemaRegistry: () => checkRegistry(config, timeoutMs),
    clickhouse: () => checkClickHouse(config, timeoutMs),
  };
  const results = await Promise.allSettled(services.map((name) => checks[name]()));
  const failures = results.flatMap((result) =>
    result.status === 'rejected' ? [describeError(result.reason)] : [],
  );
  if (failures.length > 0) throw new StadionError('SERVICE_UNREACHABLE', failures.join('; '));
}

async function checkKafka(config: StadionConfig, timeoutMs: number): Promise<void> {
  const kafka = createKafka({ ...config.kafka }, { logger: silentLogger });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await withTimeout(
      (async () => {
        await admin.connect();
        await admin.describeCluster();
      })(),
      timeoutMs,
    );
  } catch (error) {
    throw new StadionError(
      'SERVICE_UNREACHABLE',
      `Kafka did not answer at ${config.kafka.brokers.join(',')} (KAFKA_BROKERS from ${config.origins.kafka}; tried connect + Metadata): ${describeError(error)}`,
      { cause: error },
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function checkRegistry(config: StadionConfig, timeoutMs: number): Promise<void> {
  const url = `${config.schemaRegistry.url}/subjects`;
  const headers: Record<string, string> = { accept: 'application/vnd.schemaregistry.v1+json' };
  const auth = config.schemaRegistry.auth;
  if (auth !== undefined) {
    headers['authorization'] = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  }
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
  } catch (error) {
    throw new StadionError(
      'SERVICE_UNREACHABLE',
      `Schema Registry did not answer at ${config.schemaRegistry.url} (SCHEMA_REGISTRY_URL from ${config.origins.schemaRegistry}; tried GET ${url}): ${describeError(error)}`,
      { cause: error },
    );
  }
}

async function checkClickHouse(config: StadionConfig, timeoutMs: number): Promise<void> {
  const client = createClickHouse(config.clickhouse, { requestTimeoutMs: timeoutMs });
  try {
    const result = await client.ping();
    if (!result.success) throw result.error;
    await client.query({ query: 'SELECT 1', format: 'JSONEachRow' }).then((rs) => rs.json());
  } catch (error) {
    throw new StadionError(
      'SERVICE_UNREACHABLE',
      `ClickHouse did not answer at ${config.clickhouse.url} (CLICKHOUSE_URL from ${config.origins.clickhouse}; tried GET /ping and SELECT 1): ${describeError(error)}`,
      { cause: error },
    );
  } finally {
    await client.close();
  }
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
