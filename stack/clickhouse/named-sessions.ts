/**
 * HTTP sessions (`session_id`): each has a chDB connection of its own, so `SET`, `USE` and temporary
 * tables carry from one request to the next. One request at a time per session (a concurrent one gets
 * SESSION_IS_LOCKED, as from ClickHouse); a session idle for its timeout is closed.
 */
import type { Logger } from '../../engine/log.ts';
import type { ChdbConnection, ChdbConnectionFactory } from './chdb-connection.ts';
import { ClickHouseServerError } from './errors.ts';

/** How many sessions may be open at once. @default 64 */
export const DEFAULT_MAX_NAMED_SESSIONS = 64;

interface SessionEntry {
  readonly connection: ChdbConnection;
  busy: boolean;
  timer: NodeJS.Timeout | undefined;
}

export interface NamedSessionLease {
  readonly connection: ChdbConnection;
  /** Ends the request: `close` ends the session too (close_session=1, or its state is unknown). */
  release(options: { timeoutS: number; close?: boolean }): void;
}

export class NamedSessions {
  readonly #open: ChdbConnectionFactory;
  readonly #logger: Logger;
  readonly #maxSessions: number;
  readonly #sessions = new Map<string, SessionEntry>();
  #closing = false;
  #idleWaiters: Array<() => void> = [];

  constructor(options: { open: ChdbConnectionFactory; logger: Logger; maxSessions?: number }) {
    this.#open = options.open;
    this.#logger = options.logger;
    this.#maxSessions = options.maxSessions ?? DEFAULT_MAX_NAMED_SESSIONS;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** True when a session with this id is open. */
  has(id: string): boolean {
    return this.#sessions.has(id);
  }

  /** Takes the session for one request, creating it unless `mustExist`. */
  acquire(id: string, options: { mustExist: boolean }): NamedSessionLease {
    if (this.#closing) throw new ClickHouseServerError(210, 'The server is shutting down');
    let entry = this.#sessions.get(id);
    if (entry === undefined) {
      if (options.mustExist) throw new ClickHouseServerError(372, `Session ${id} not found`);
      if (this.#sessions.size >= this.#maxSessions) {
        throw new ClickHouseServerError(202, `Too many open sessions (${this.#maxSessions})`);
      }
      entry = { connection: this.#open(), busy: false, timer: undefined };
      this.#sessions.set(id, entry);
    }
    if (entry.busy) throw new ClickHouseServerError(373, `Session ${id} is locked by a concurrent client`);
    entry.busy = true;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    const taken = entry;
    let released = false;
    return {
      connection: taken.connection,
      release: ({ timeoutS, close }) => {
        if (released) return;
        released = true;
        taken.busy = false;
        if (close === true || timeoutS <= 0 || this.#closing) {
          this.#end(id, taken);
        } else {
          taken.timer = setTimeout(() => {
            this.#end(id, taken);
          }, timeoutS * 1000);
          taken.timer.unref();
        }
        if (![...this.#sessions.values()].some((session) => session.busy)) {
          for (const resolve of this.#idleWaiters.splice(0)) resolve();
        }
      },
    };
  }

  /** Closes every session once its current request is done. */
  async close(): Promise<void> {
    this.#closing = true;
    for (const [id, entry] of this.#sessions) {
      if (!entry.busy) this.#end(id, entry);
    }
    if ([...this.#sessions.values()].some((session) => session.busy)) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
    for (const [id, entry] of this.#sessions) this.#end(id, entry);
  }

  #end(id: string, entry: SessionEntry): void {
    clearTimeout(entry.timer);
    if (this.#sessions.get(id) === entry) this.#sessions.delete(id);
    try {
      entry.connection.close();
    } catch (error) {
      this.#logger.warn('closing a session connection failed', { sessionId: id, error });
    }
  }
}
