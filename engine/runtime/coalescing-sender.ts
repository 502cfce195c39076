/**
 * Sends for live (eager) sinks, coalesced: while one round of sends is in flight, what every partition
 * enqueues waits, and the next round sends all of it at once, one request per sink. Under load that
 * turns many small sends (one per batch and partition) into few large ones, so the sends keep up and
 * their latency stays near one round trip; when idle, a send goes out at once. Rounds run one after
 * another in enqueue order, so records of a key stay in order.
 */

export class CoalescingSender<S, T> {
  readonly #send: (sink: S, items: readonly T[]) => Promise<void>;
  #queue: Array<{ sink: S; items: readonly T[]; resolve: () => void; reject: (error: unknown) => void }> = [];
  #running = false;

  constructor(send: (sink: S, items: readonly T[]) => Promise<void>) {
    this.#send = send;
  }

  /** Resolves once the items are acknowledged; rejects if the round that carried them failed. */
  enqueue(sink: S, items: readonly T[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ sink, items, resolve, reject });
      void this.#pump();
    });
  }

  async #pump(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const round = this.#queue.splice(0);
        const bySink = new Map<S, T[]>();
        for (const entry of round) {
          const list = bySink.get(entry.sink);
          if (list === undefined) bySink.set(entry.sink, [...entry.items]);
          else for (const item of entry.items) list.push(item);
        }
        try {
          await Promise.all([...bySink].map(([sink, items]) => this.#send(sink, items)));
          for (const entry of round) entry.resolve();
        } catch (error) {
          for (const entry of round) entry.reject(error);
        }
      }
    } finally {
      this.#running = false;
    }
  }
}
