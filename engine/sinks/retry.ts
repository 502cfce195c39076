/** Retrying a write with capped exponential backoff until it succeeds, fails for good, or is aborted. */
import { StadionError } from '../errors.ts';
import type { Logger } from '../log.ts';

export interface RetryOptions {
  /** First delay. @default 100 ms */
  initialDelayMs?: number;
  /** Largest delay. @default 10 s */
  maxDelayMs?: number;
  /** Stops retrying (shutdown, partition revoked). */
  signal?: AbortSignal;
  /** Called between attempts (e.g. a consumer heartbeat so the group keeps the partition). */
  between?: () => Promise<void>;
  /** Decides whether an error is worth retrying. */
  isTransient: (error: unknown) => boolean;
  /** Called for every failed attempt that will be retried. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  logger: Logger;
  what: string;
}

export async function retryUntilDone<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  let delayMs = options.initialDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  for (let n = 1; ; n += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!options.isTransient(error)) throw error;
      if (options.signal?.aborted === true) {
        throw new StadionError(
          'SERVICE_UNREACHABLE',
          `${options.what}: gave up after ${n} attempts (stopping)`,
          { cause: error },
        );
      }
      options.onRetry?.(error, n, delayMs);
      options.logger.warn(`${options.what} failed, retrying`, { attempt: n, delayMs, error });
      await sleep(delayMs, options.signal);
      await options.between?.();
      delayMs = Math.min(maxDelayMs, delayMs * 2);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
