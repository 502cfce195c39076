import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  STACK_ENV_FILE,
  formatEnvFile,
  loadConfig,
  parseBoolean,
  parseBrokerList,
  parseEnvFile,
  parseHttpUrl,
} from '../../../engine/config/config.ts';
import { StadionError } from '../../../engine/errors.ts';

const ENDPOINTS = {
  KAFKA_BROKERS: 'k1:9092,k2:9093',
  SCHEMA_REGISTRY_URL: 'http://registry:8081/',
  CLICKHOUSE_URL: 'https://ch.example:8443',
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stadion-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function configError(run: () => unknown): StadionError {
  try {
    run();
  } catch (error) {
    if (error instanceof StadionError) return error;
    throw error;
  }
  throw new Error('expected a StadionError');
}

describe('parseBrokerList', () => {
  it('accepts host:port lists with names, IPv4 and IPv6', () => {
    expect(parseBrokerList(' a:1, 10.0.0.1:9092,[::1]:65535 ')).toEqual([
      'a:1',
      '10.0.0.1:9092',
      '[::1]:65535',
    ]);
  });
  it.each(['', 'nohost', 'a:0', 'a:70000', 'a:b', 'a b:1', 'http://a:1'])(
    'refuses %j with the value named',
    (raw) => {
      const error = configError(() => parseBrokerList(raw));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain('KAFKA_BROKERS');
    },
  );
});

describe('parseHttpUrl', () => {
  it('normalises the trailing slash', () => {
    expect(parseHttpUrl('http://x:1/', 'U')).toBe('http://x:1');
  });
  it('refuses non-http and malformed URLs, naming the variable', () => {
    expect(configError(() => parseHttpUrl('ftp://x', 'CLICKHOUSE_URL')).message).toMatch(
      /CLICKHOUSE_URL.*http/,
    );
    expect(configError(() => parseHttpUrl('not a url', 'CLICKHOUSE_URL')).message).toMatch(/not a URL/);
  });
});

describe('parseBoolean and env files', () => {
  it('reads booleans strictly', () => {
    expect(parseBoolean('TRUE', 'X', false)).toBe(true);
    expect(parseBoolean('off', 'X', true)).toBe(false);
    expect(parseBoolean(undefined, 'X', true)).toBe(true);
    expect(configError(() => parseBoolean('maybe', 'KAFKA_SSL', false)).message).toContain('KAFKA_SSL');
  });
  it('round-trips an env file', () => {
    const text = formatEnvFile({ A: '1', B: 'x=y' }, 'header');
    expect(parseEnvFile(text)).toEqual({ A: '1', B: 'x=y' });
  });
});

describe('loadConfig', () => {
  it('reads the environment, with defaults', () => {
    const config = loadConfig({ dataDir: dir }, ENDPOINTS);
    expect(config.kafka.brokers).toEqual(['k1:9092', 'k2:9093']);
    expect(config.kafka.ssl).toBe(false);
    expect(config.kafka.sasl).toBeUndefined();
    expect(config.schemaRegistry.url).toBe('http://registry:8081');
    expect(config.clickhouse).toEqual({
      url: 'https://ch.example:8443',
      username: 'default',
      password: '',
      database: 'default',
    });
    expect(config.origins.kafka).toBe('environment variable KAFKA_BROKERS');
    expect(config.logLevel).toBe('info');
  });

  it('lets flags win over the environment, and the environment over the env file', async () => {
    await writeFile(
      join(dir, STACK_ENV_FILE),
      formatEnvFile(
        {
          KAFKA_BROKERS: 'file:1',
          SCHEMA_REGISTRY_URL: 'http://file:2',
          CLICKHOUSE_URL: 'http://file:3',
          STADION_BROKER_CONTROL: '127.0.0.1:4',
        },
        'test',
      ),
    );
    const fromFile = loadConfig({ dataDir: dir }, {});
    expect(fromFile.kafka.brokers).toEqual(['file:1']);
    expect(fromFile.kafka.localControl).toBe('127.0.0.1:4');
    expect(fromFile.origins.clickhouse).toContain(STACK_ENV_FILE);

    const mixed = loadConfig({ dataDir: dir, clickhouseUrl: 'http://flag:5' }, { KAFKA_BROKERS: 'env:6' });
    expect(mixed.kafka.brokers).toEqual(['env:6']);
    expect(mixed.kafka.localControl).toBeUndefined(); // the control port belongs to the file's broker only
    expect(mixed.schemaRegistry.url).toBe('http://file:2');
    expect(mixed.clickhouse.url).toBe('http://flag:5');
    expect(mixed.origins.clickhouse).toBe('command-line flag');
  });

  it('says how to get a stack when nothing is configured', () => {
    const error = configError(() => loadConfig({ dataDir: dir }, {}));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('KAFKA_BROKERS is not set');
    expect(error.message).toContain('stadion up');
  });

  it('passes SASL, TLS, registry auth and ClickHouse credentials through', () => {
    const config = loadConfig(
      { dataDir: dir },
      {
        ...ENDPOINTS,
        KAFKA_SSL: 'true',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
        SCHEMA_REGISTRY_USERNAME: 'ru',
        SCHEMA_REGISTRY_PASSWORD: 'rp',
        CLICKHOUSE_USER: 'cu',
        CLICKHOUSE_PASSWORD: 'cp',
        CLICKHOUSE_DATABASE: 'stats',
      },
    );
    expect(config.kafka.ssl).toBe(true);
    expect(config.kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'u', password: 'p' });
    expect(config.schemaRegistry.auth).toEqual({ username: 'ru', password: 'rp' });
    expect(config.clickhouse).toMatchObject({ username: 'cu', password: 'cp', database: 'stats' });
  });

  it('refuses half-given credentials and unknown mechanisms', () => {
    expect(
      configError(() => loadConfig({ dataDir: dir }, { ...ENDPOINTS, KAFKA_SASL_MECHANISM: 'plain' }))
        .message,
    ).toBe('KAFKA_SASL_USERNAME must be set when KAFKA_SASL_MECHANISM is set');
    expect(
      configError(() => loadConfig({ dataDir: dir }, { ...ENDPOINTS, KAFKA_SASL_MECHANISM: 'kerberos' }))
        .message,
    ).toContain('kerberos');
    expect(configError(() => loadConfig({ dataDir: dir, logLevel: 'loud' }, ENDPOINTS)).message).toContain(
      'loud',
    );
  });

  it('names the origin of a malformed value', () => {
    const error = configError(() =>
      loadConfig({ dataDir: dir, kafkaBrokers: 'broker-without-port' }, ENDPOINTS),
    );
    expect(error.message).toContain('command-line flag');
    expect(error.message).toContain('broker-without-port');
  });
});
