import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StadionError } from '../../../engine/errors.ts';
import {
  SessionWindows,
  mergeSession,
  sessionWindowFor,
  type SessionWindow,
} from '../../../engine/windows/index.ts';
import { seededRandom, testSeed } from '../../support/random.ts';

/** Inserts the timestamps one by one, as the window operator does; returns the sessions sorted by start. */
function insertAll(timestamps: readonly number[], gapMs: number): SessionWindow[] {
  let sessions: SessionWindow[] = [];
  for (const t of timestamps) {
    const { window, replaced } = mergeSession(sessions, t, gapMs);
    sessions = [...sessions.filter((s) => !replaced.includes(s)), window];
  }
  return sessions.sort((a, b) => a.startMs - b.startMs);
}

/** The reference: sort, and cut wherever two neighbours are more than the gap apart. */
function reference(timestamps: readonly number[], gapMs: number): SessionWindow[] {
  const sorted = [...timestamps].sort((a, b) => a - b);
  const sessions: Array<{ startMs: number; endMs: number }> = [];
  for (const t of sorted) {
    const current = sessions[sessions.length - 1];
    if (current !== undefined && t - current.endMs <= gapMs) current.endMs = t;
    else sessions.push({ startMs: t, endMs: t });
  }
  return sessions;
}

function expectValidSessions(sessions: readonly SessionWindow[], gapMs: number): void {
  const sorted = [...sessions].sort((a, b) => a.startMs - b.startMs);
  sorted.forEach((s, i) => {
    expect(s.startMs).toBeLessThanOrEqual(s.endMs);
    const previous = sorted[i - 1];
    if (previous !== undefined) expect(s.startMs - previous.endMs).toBeGreaterThan(gapMs);
  });
}

const timestamps = fc.array(fc.integer({ min: 0, max: 2_000 }), { maxLength: 60 });
const gap = fc.integer({ min: 1, max: 100 });

describe('mergeSession', () => {
  it('keeps sessions non-overlapping and more than the gap apart after every insert', () => {
    fc.assert(
      fc.property(timestamps, gap, (ts, gapMs) => {
        let sessions: SessionWindow[] = [];
        for (const t of ts) {
          const { window, replaced } = mergeSession(sessions, t, gapMs);
          expect(window.startMs <= t && t <= window.endMs).toBe(true);
          for (const old of replaced) {
            expect(sessions).toContain(old);
            expect(window.startMs <= old.startMs && old.endMs <= window.endMs).toBe(true);
          }
          sessions = [...sessions.filter((s) => !replaced.includes(s)), window];
          expectValidSessions(sessions, gapMs);
        }
        for (const t of ts) expect(sessions.filter((s) => s.startMs <= t && t <= s.endMs)).toHaveLength(1);
      }),
    );
  });

  it('yields the same sessions whatever the arrival order (fast-check picks the order)', () => {
    fc.assert(
      fc.property(timestamps, gap, (ts, gapMs) => {
        expect(insertAll(ts, gapMs)).toEqual(reference(ts, gapMs));
      }),
    );
  });

  it('yields the same sessions for seeded shuffles of out-of-order input', () => {
    const baseSeed = testSeed('session shuffles');
    for (let run = 0; run < 200; run += 1) {
      const seed = baseSeed + run;
      const random = seededRandom(seed);
      const gapMs = 1 + Math.floor(random() * 50);
      const ts = Array.from({ length: 1 + Math.floor(random() * 200) }, () => Math.floor(random() * 5_000));
      const shuffled = [...ts];
      for (let i = shuffled.length - 1; i > 0; i -= 1) {
        const j = Math.floor(random() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j] ?? 0, shuffled[i] ?? 0];
      }
      expect(insertAll(shuffled, gapMs), `Reproduce with seed: ${seed}`).toEqual(reference(ts, gapMs));
    }
  });

  it('joins a record within the gap, inclusive, and merges the sessions it bridges', () => {
    expect(mergeSession([{ startMs: 0, endMs: 0 }], 5, 5)).toEqual({
      window: { startMs: 0, endMs: 5 },
      replaced: [{ startMs: 0, endMs: 0 }],
    });
    expect(mergeSession([{ startMs: 0, endMs: 0 }], 6, 5)).toEqual({
      window: { startMs: 6, endMs: 6 },
      replaced: [],
    });
    expect(mergeSession([{ startMs: 10, endMs: 20 }], 5, 5).window).toEqual({ startMs: 5, endMs: 20 });
    const bridged = mergeSession(
      [
        { startMs: 0, endMs: 0 },
        { startMs: 10, endMs: 12 },
        { startMs: 30, endMs: 30 },
      ],
      5,
      5,
    );
    expect(bridged.window).toEqual({ startMs: 0, endMs: 12 });
    expect(bridged.replaced).toEqual([
      { startMs: 0, endMs: 0 },
      { startMs: 10, endMs: 12 },
    ]);
    expect(mergeSession([{ startMs: 3, endMs: 9 }], 4, 5)).toEqual({
      window: { startMs: 3, endMs: 9 },
      replaced: [{ startMs: 3, endMs: 9 }],
    });
  });

  it('merges transitively when the existing sessions are themselves too close', () => {
    const existing = [
      { startMs: 0, endMs: 0 },
      { startMs: 4, endMs: 4 },
    ];
    expect(mergeSession(existing, 9, 5)).toEqual({ window: { startMs: 0, endMs: 9 }, replaced: existing });
  });

  it('validates its arguments', () => {
    expect(() => mergeSession([], -1, 5)).toThrow(StadionError);
    expect(() => mergeSession([], 1.5, 5)).toThrow(/non-negative integer/);
    expect(() => mergeSession([], 1, 0)).toThrow(/gapMs must be an integer >= 1/);
    expect(sessionWindowFor(42)).toEqual({ startMs: 42, endMs: 42 });
    expect(() => sessionWindowFor(-42)).toThrow(StadionError);
  });
});

describe('SessionWindows', () => {
  it('closes a session once the watermark reaches last event + gap + grace', () => {
    const spec = SessionWindows.withGapAndGrace(5, 100);
    expect(spec).toMatchObject({ kind: 'session', gapMs: 5, graceMs: 100 });
    expect(Object.isFrozen(spec)).toBe(true);
    expect(spec.isClosed({ startMs: 0, endMs: 10 }, 114)).toBe(false);
    expect(spec.isClosed({ startMs: 0, endMs: 10 }, 115)).toBe(true);
    expect(spec.isClosed({ startMs: 0, endMs: 10 }, Number.NEGATIVE_INFINITY)).toBe(false);
  });

  it('rejects invalid gaps and graces with CONFIG_INVALID', () => {
    for (const [gapMs, graceMs, mentions] of [
      [0, 0, 'gapMs'],
      [-5, 0, 'gapMs'],
      [2.5, 0, 'gapMs'],
      [5, -1, 'graceMs'],
      [5, Number.NaN, 'graceMs'],
    ] as const) {
      expect(() => SessionWindows.withGapAndGrace(gapMs, graceMs)).toThrow(
        expect.objectContaining({
          code: 'CONFIG_INVALID',
          message: expect.stringContaining(mentions) as unknown,
        }),
      );
    }
  });
});
