/**
 * A fixed number of chDB connections shared by requests without a session: a request leases one for its
 * whole life and waits in a first-come-first-served queue while all are busy, so a long analyst query
 * takes one connection and inserts keep flowing on the others. A connection whose state a request
 * changed (settings, database, query parameters, temporary tables) is closed on release and replaced by
 * a fresh one, so no request sees another's state. Waiting is bounded by a deadline and by the client
 * going away.
 *
 * chDB shuts its engine down when the last connection on a directory closes and starts it again (about
 * 15 ms) on the next one, so the pool keeps one extra connection open, unused, for its whole life.
 */
import type { Logger } from '../../engine/log.ts';
import type { ChdbConnection, ChdbConnectionFactory } from './chdb-connection.ts';
import { ClickHouseServerError } from './errors.ts';

export interface PoolLease {
  readonly connection: ChdbConnection;
  /** Hands the connection back; `discard` closes it instead (its state was changed). Idempotent. */
  release(options?: { discard?: boolean }): void;
}

interface Waiter {
  resolve(lease: PoolLease): void;
  reject(error: unknown): void;
  cleanup(): void;
}

export interface SessionPoolOptions {
  /** Number of connections. */
  size: number;
  open: ChdbConnectionFactory;
  logger: Logger;
}

export class ChdbSessionPool {
  readonly #size: number;
  readonly #open: ChdbConnectionFactory;
  readonly #logger: Logger;
  readonly #idle: ChdbConnection[] = [];
  readonly #waiters: Waiter[] = [];
  #leased = 0;
  #anchor: ChdbConnection | undefined;
  #closing = false;
  #drained: (() => void) | undefined;

  constructor(options: SessionPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new RangeError(`the session pool needs at least one connection, got ${options.size}`);
    }
    this.#size = options.size;
    this.#open = options.open;
    this.#logger = options.logger;
  }

  /** Connections in use, and requests waiting for one. */
  get stats(): { size: number; leased: number; queued: number } {
    return { size: this.#size, leased: this.#leased, queued: this.#waiters.length };
  }

  /** Starts the engine and opens the first connection ahead of the first request. */
  warmUp(): void {
    this.#anchor ??= this.#open();
    if (this.#idle.length + this.#leased === 0) this.#idle.push(this.#open());
  }

  /**
   * A connection for one request. Rejects with TOO_MANY_SIMULTANEOUS_QUERIES after `timeoutMs` in the
   * queue, with QUERY_WAS_CANCELLED when `signal` fires, and once the pool is closing.
   */
  acquire(options: { timeoutMs: number; signal?: AbortSignal }): Promise<PoolLease> {
    if (this.#closing) return Promise.reject(shuttingDown());
    if (options.signal?.aborted === true) return Promise.reject(cancelled());
    if (this.#waiters.length === 0 && this.#leased < this.#size) {
      try {
        return Promise.resolve(this.#lease(this.#idle.pop() ?? this.#open()));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
    return new Promise<PoolLease>((resolve, reject) => {
      const onAbort = (): void => {
        this.#dropWaiter(waiter);
        reject(cancelled());
      };
      const timer = setTimeout(() => {
        this.#dropWaiter(waiter);
        reject(
          new ClickHouseServerError(
            202,
            `Too many simultaneous queries: waited ${options.timeoutMs} ms for one of the ${this.#size} chDB sessions`,
          ),
        );
      }, options.timeoutMs);
      const waiter: Waiter = {
        resolve,
        reject,
        cleanup: () => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
        },
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Refuses new requests, fails the queued ones, waits for the leased connections and closes all. */
  async close(): Promise<void> {
    this.#closing = true;
    for (const waiter of this.#waiters.splice(0)) {
      waiter.cleanup();
      waiter.reject(shuttingDown());
    }
    if (this.#leased > 0) {
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
      });
    }
    for (const connection of this.#idle.splice(0)) this.#closeConnection(connection);
    if (this.#anchor !== undefined) this.#closeConnection(this.#anchor);
    this.#anchor = undefined;
  }

  #lease(connection: ChdbConnection): PoolLease {
    this.#leased += 1;
    let released = false;
    return {
      connection,
      release: (options = {}) => {
        if (released) return;
        released = true;
        this.#leased -= 1;
        this.#return(connection, options.discard === true);
      },
    };
  }

  #return(connection: ChdbConnection, discard: boolean): void {
    let usable: ChdbConnection | undefined = connection;
    if (discard || this.#closing) {
      this.#closeConnection(connection);
      usable = undefined;
    }
    if (this.#closing) {
      if (this.#leased === 0) this.#drained?.();
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter === undefined) {
      if (usable !== undefined) this.#idle.push(usable);
      return;
    }
    waiter.cleanup();
    try {
      waiter.resolve(this.#lease(usable ?? this.#open()));
    } catch (error) {
      waiter.reject(error);
    }
  }

  #dropWaiter(waiter: Waiter): void {
    waiter.cleanup();
    const index = this.#waiters.indexOf(waiter);
    if (index !== -1) this.#waiters.splice(index, 1);
  }

  #closeConnection(connection: ChdbConnection): void {
    try {
      connection.close();
    } catch (error) {
      this.#logger.warn('closing a chDB connection failed', { error });
    }
  }
}

function shuttingDown(): ClickHouseServerError {
  return new ClickHouseServerError(210, 'The server is shutting down');
}

function cancelled(): ClickHouseServerError {
  return new ClickHouseServerError(
    394,
    'The client went away while the query was waiting for a chDB session',
  );
}
