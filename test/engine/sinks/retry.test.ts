import { describe, expect, it } from 'vitest';
import { isTransientClickHouseError } from '../../../engine/sinks/clickhouse-writer.ts';
import { retryUntilDone } from '../../../engine/sinks/retry.ts';
import { silentLogger } from '../../../engine/log.ts';

describe('retryUntilDone', () => {
  it('retries transient failures with growing delays until the write passes', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await retryUntilDone(
      () => {
        calls += 1;
        return calls < 4 ? Promise.reject(new Error('ECONNREFUSED')) : Promise.resolve('done');
      },
      {
        isTransient: () => true,
        initialDelayMs: 1,
        maxDelayMs: 4,
        logger: silentLogger,
        what: 'x',
        onRetry: (_e, _n, d) => delays.push(d),
      },
    );
    expect(result).toBe('done');
    expect(delays).toEqual([1, 2, 4]);
  });

  it('fails at once on a permanent error, and stops retrying when aborted', async () => {
    await expect(
      retryUntilDone(() => Promise.reject(new Error('bad rows')), {
        isTransient: () => false,
        logger: silentLogger,
        what: 'x',
      }),
    ).rejects.toThrow('bad rows');
    const controller = new AbortController();
    controller.abort();
    await expect(
      retryUntilDone(() => Promise.reject(new Error('down')), {
        isTransient: () => true,
        signal: controller.signal,
        logger: silentLogger,
        what: 'insert',
      }),
    ).rejects.toThrow(/insert: gave up after 1 attempts/);
  });
});

describe('isTransientClickHouseError', () => {
  it('retries network errors and overload codes, not mistakes in the rows or the table', () => {
    expect(
      isTransientClickHouseError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    ).toBe(true);
    expect(isTransientClickHouseError(new Error('socket hang up'))).toBe(true);
    expect(isTransientClickHouseError(Object.assign(new Error('x'), { code: '241' }))).toBe(true);
    expect(isTransientClickHouseError(Object.assign(new Error('x'), { code: '60' }))).toBe(false);
    expect(isTransientClickHouseError(Object.assign(new Error('x'), { code: '27' }))).toBe(false);
  });
});
