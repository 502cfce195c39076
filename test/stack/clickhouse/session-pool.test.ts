import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../engine/log.ts';
import type { ChdbConnection } from '../../../stack/clickhouse/chdb-connection.ts';
import { NamedSessions } from '../../../stack/clickhouse/named-sessions.ts';
import { ChdbSessionPool } from '../../../stack/clickhouse/session-pool.ts';

/** Connections that only record their life. */
function fakeEngine(): { open: () => ChdbConnection; opened: number[]; closed: number[] } {
  const opened: number[] = [];
  const closed: number[] = [];
  const open = (): ChdbConnection => {
    const id = opened.length;
    opened.push(id);
    return {
      query: () => Promise.resolve({ bytes: new Uint8Array(), rows: 0, rowBytes: 0, elapsedS: 0 }),
      stream: () => ({ next: () => Promise.resolve(undefined), cancel: () => undefined }),
      close: () => closed.push(id),
    };
  };
  return { open, opened, closed };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ChdbSessionPool', () => {
  it('serves waiters first come, first served, and reuses connections', async () => {
    const engine = fakeEngine();
    const pool = new ChdbSessionPool({ size: 2, open: engine.open, logger: silentLogger });
    pool.warmUp();
    const first = await pool.acquire({ timeoutMs: 1000 });
    const second = await pool.acquire({ timeoutMs: 1000 });
    const order: number[] = [];
    const waiting = [1, 2, 3].map((n) =>
      pool.acquire({ timeoutMs: 1000 }).then((lease) => {
        order.push(n);
        return lease;
      }),
    );
    expect(pool.stats).toEqual({ size: 2, leased: 2, queued: 3 });
    first.release();
    const third = await waiting[0];
    second.release();
    third?.release();
    const [, fourth, fifth] = await Promise.all(waiting);
    expect(order).toEqual([1, 2, 3]);
    fourth?.release();
    fifth?.release();
    expect(engine.opened.length).toBe(3); // anchor + two pooled
    await pool.close();
    expect(engine.closed.sort()).toEqual([0, 1, 2]);
  });

  it('replaces a discarded connection with a fresh one', async () => {
    const engine = fakeEngine();
    const pool = new ChdbSessionPool({ size: 1, open: engine.open, logger: silentLogger });
    pool.warmUp();
    const lease = await pool.acquire({ timeoutMs: 1000 });
    const dirty = lease.connection;
    lease.release({ discard: true });
    lease.release({ discard: true }); // idempotent
    const next = await pool.acquire({ timeoutMs: 1000 });
    expect(next.connection).not.toBe(dirty);
    expect(engine.closed).toEqual([1]);
    next.release();
    await pool.close();
  });

  it('gives up on a waiter after the queue timeout or when its client leaves', async () => {
    vi.useFakeTimers();
    const pool = new ChdbSessionPool({ size: 1, open: fakeEngine().open, logger: silentLogger });
    const held = await pool.acquire({ timeoutMs: 1000 });
    const timedOut = pool.acquire({ timeoutMs: 1000 });
    const controller = new AbortController();
    const abandoned = pool.acquire({ timeoutMs: 60_000, signal: controller.signal });
    controller.abort();
    await expect(abandoned).rejects.toMatchObject({ code: 394 });
    vi.advanceTimersByTime(1001);
    await expect(timedOut).rejects.toMatchObject({ code: 202 });
    expect(pool.stats.queued).toBe(0);
    held.release();
    await pool.close();
  });

  it('fails queued requests on close and waits for leased ones', async () => {
    const engine = fakeEngine();
    const pool = new ChdbSessionPool({ size: 1, open: engine.open, logger: silentLogger });
    const held = await pool.acquire({ timeoutMs: 1000 });
    const queued = pool.acquire({ timeoutMs: 1000 });
    let closed = false;
    const closing = pool.close().then(() => {
      closed = true;
    });
    await expect(queued).rejects.toMatchObject({ code: 210 });
    await Promise.resolve();
    expect(closed).toBe(false);
    held.release();
    await closing;
    expect(engine.closed).toEqual([0]);
    await expect(pool.acquire({ timeoutMs: 1000 })).rejects.toMatchObject({ code: 210 });
  });
});

describe('NamedSessions', () => {
  it('keeps one connection per session and locks it for one request at a time', () => {
    const engine = fakeEngine();
    const sessions = new NamedSessions({ open: engine.open, logger: silentLogger });
    const lease = sessions.acquire('a', { mustExist: false });
    expect(() => sessions.acquire('a', { mustExist: false })).toThrow(
      expect.objectContaining({ code: 373 }) as Error,
    );
    lease.release({ timeoutS: 60 });
    const again = sessions.acquire('a', { mustExist: true });
    expect(again.connection).toBe(lease.connection);
    again.release({ timeoutS: 60, close: true });
    expect(sessions.has('a')).toBe(false);
    expect(() => sessions.acquire('a', { mustExist: true })).toThrow(
      expect.objectContaining({ code: 372 }) as Error,
    );
  });

  it('closes a session after its idle timeout', () => {
    vi.useFakeTimers();
    const engine = fakeEngine();
    const sessions = new NamedSessions({ open: engine.open, logger: silentLogger });
    sessions.acquire('idle', { mustExist: false }).release({ timeoutS: 5 });
    vi.advanceTimersByTime(4000);
    expect(sessions.has('idle')).toBe(true);
    vi.advanceTimersByTime(1001);
    expect(sessions.has('idle')).toBe(false);
    expect(engine.closed).toEqual([0]);
  });

  it('limits the number of open sessions and closes them all', async () => {
    const engine = fakeEngine();
    const sessions = new NamedSessions({ open: engine.open, logger: silentLogger, maxSessions: 1 });
    const busy = sessions.acquire('one', { mustExist: false });
    expect(() => sessions.acquire('two', { mustExist: false })).toThrow(
      expect.objectContaining({ code: 202 }) as Error,
    );
    const closing = sessions.close();
    busy.release({ timeoutS: 60 });
    await closing;
    expect(sessions.size).toBe(0);
    expect(engine.closed).toEqual([0]);
  });
});
