/**
 * A Schema Registry on loopback speaking Confluent's REST API (v1), for the local stack. Avro only;
 * compatibility enforced by Avro schema resolution; state persisted in `dataDir` so ids, versions and
 * config survive a restart. See stack/registry/README.md for what it does and does not do.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen } from '../../engine/http/listen.ts';
import { silentLogger, type Logger } from '../../engine/log.ts';
import { DEFAULT_COMPATIBILITY, type CompatibilityLevel } from './compatibility.ts';
import { REGISTRY_ERROR_CODES, RegistryError } from './errors.ts';
import { createRegistryRequestListener } from './http.ts';
import { loadRegistryState, saveRegistryState } from './persistence.ts';
import type { RegistryAccess } from './routes.ts';
import { RegistryStore } from './store.ts';

export type { CompatibilityLevel } from './compatibility.ts';

/** Address the registry binds to. @default '127.0.0.1' */
export const DEFAULT_REGISTRY_HOST = '127.0.0.1';
/** Confluent's port. @default 8081 */
export const DEFAULT_REGISTRY_PORT = 8081;
export { DEFAULT_COMPATIBILITY };

export interface SchemaRegistryServerOptions {
  /** Persistence directory (created if missing). */
  dataDir: string;
  /** @default DEFAULT_REGISTRY_HOST */
  host?: string;
  /** 0 picks a free port. @default DEFAULT_REGISTRY_PORT */
  port?: number;
  /** Level used when neither PUT /config nor the subject set one. @default DEFAULT_COMPATIBILITY ('BACKWARD') */
  defaultCompatibility?: CompatibilityLevel;
  /** @default silentLogger */
  logger?: Logger;
}

export interface SchemaRegistryServer {
  /** Base URL, e.g. `http://127.0.0.1:8081` (no trailing slash). */
  readonly url: string;
  /** Stops listening and closes open connections. Safe to call twice. */
  close(): Promise<void>;
}

export async function startSchemaRegistry(
  options: SchemaRegistryServerOptions,
): Promise<SchemaRegistryServer> {
  const logger = options.logger ?? silentLogger;
  const host = options.host ?? DEFAULT_REGISTRY_HOST;
  const { dataDir } = options;
  const storeOptions = { defaultCompatibility: options.defaultCompatibility ?? DEFAULT_COMPATIBILITY };
  const access = createPersistedAccess(
    new RegistryStore(await loadRegistryState(dataDir), storeOptions),
    dataDir,
  );

  const server = createServer(createRegistryRequestListener({ access, logger }));
  await listen(server, host, options.port ?? DEFAULT_REGISTRY_PORT, 'the Schema Registry');
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info('schema registry listening', { url, dataDir });

  let closing: Promise<void> | undefined;
  return {
    url,
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error === undefined) resolve();
          else reject(error);
        });
        server.closeAllConnections();
      }).then(() => access.idle());
      return closing;
    },
  };
}

/**
 * Reads see the committed store; changes run one at a time on a copy that is written to disk before
 * it replaces the committed store. A failed write leaves the committed store as it was (50001).
 */
function createPersistedAccess(
  initial: RegistryStore,
  dataDir: string,
): RegistryAccess & { idle(): Promise<void> } {
  let committed = initial;
  let queue: Promise<unknown> = Promise.resolve();
  return {
    current: () => committed,
    mutate<T>(change: (draft: RegistryStore) => { value: T; changed: boolean }): Promise<T> {
      const run = queue.then(async () => {
        const draft = committed.clone();
        const { value, changed } = change(draft);
        if (!changed) return value;
        try {
          await saveRegistryState(dataDir, draft.toState());
        } catch (error) {
          throw new RegistryError(
            REGISTRY_ERROR_CODES.STORE_ERROR,
            `Error while writing the registry state: ${(error as Error).message}`,
            { cause: error },
          );
        }
        committed = draft;
        return value;
      });
      queue = run.catch(() => undefined);
      return run;
    },
    idle: () => queue.then(() => undefined),
  };
}
