import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StadionError } from '../../../engine/errors.ts';
import { TimeWindows, type FixedWindows, type TimeWindow } from '../../../engine/windows/index.ts';

/** Every epoch-aligned window with a non-negative start that contains `t`, by enumeration. */
function bruteForce(t: number, sizeMs: number, advanceMs: number): TimeWindow[] {
  const windows: TimeWindow[] = [];
  for (let startMs = 0; startMs <= t; startMs += advanceMs) {
    if (t < startMs + sizeMs) windows.push({ startMs, endMs: startMs + sizeMs });
  }
  return windows;
}

const hopping = fc
  .integer({ min: 1, max: 400 })
  .chain((sizeMs) =>
    fc.record({ sizeMs: fc.constant(sizeMs), advanceMs: fc.integer({ min: 1, max: sizeMs }) }),
  );

function expectConfigError(build: () => unknown, mentions: string): void {
  let thrown: unknown;
  try {
    build();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(StadionError);
  expect((thrown as StadionError).code).toBe('CONFIG_INVALID');
  expect((thrown as StadionError).message).toContain(mentions);
}

describe('TimeWindows', () => {
  it('puts a record in exactly one tumbling window, aligned to the epoch', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 0, max: 2 ** 45 }),
        (sizeMs, t) => {
          const windows = TimeWindows.ofSizeAndGrace(sizeMs, 0).windowsFor(t);
          expect(windows).toEqual([{ startMs: t - (t % sizeMs), endMs: t - (t % sizeMs) + sizeMs }]);
        },
      ),
    );
  });

  it('returns exactly the hopping windows that contain the timestamp, oldest first', () => {
    fc.assert(
      fc.property(hopping, fc.integer({ min: 0, max: 3_000 }), ({ sizeMs, advanceMs }, t) => {
        const windows = TimeWindows.ofSizeAndGrace(sizeMs, 0).advanceBy(advanceMs).windowsFor(t);
        expect(windows).toEqual(bruteForce(t, sizeMs, advanceMs));
      }),
    );
  });

  it('on epoch-millisecond timestamps: aligned, contiguous, complete, size/advance windows when the advance divides the size', () => {
    fc.assert(
      fc.property(
        hopping,
        fc.integer({ min: 1_500_000_000_000, max: 2_500_000_000_000 }),
        ({ sizeMs, advanceMs }, t) => {
          const windows = TimeWindows.ofSizeAndGrace(sizeMs, 0).advanceBy(advanceMs).windowsFor(t);
          expect(windows.length).toBeGreaterThanOrEqual(Math.floor(sizeMs / advanceMs));
          expect(windows.length).toBeLessThanOrEqual(Math.ceil(sizeMs / advanceMs));
          if (sizeMs % advanceMs === 0) expect(windows).toHaveLength(sizeMs / advanceMs);
          windows.forEach((w, i) => {
            expect(w.startMs % advanceMs).toBe(0);
            expect(w.endMs - w.startMs).toBe(sizeMs);
            expect(w.startMs <= t && t < w.endMs).toBe(true);
            if (i > 0) expect(w.startMs - (windows[i - 1]?.startMs ?? 0)).toBe(advanceMs);
          });
          const first = windows[0];
          const lastWindow = windows[windows.length - 1];
          if (first === undefined || lastWindow === undefined) throw new Error('no windows');
          expect(first.startMs - advanceMs + sizeMs).toBeLessThanOrEqual(t); // the one before ends at or before t
          expect(lastWindow.startMs + advanceMs).toBeGreaterThan(t); // the one after starts after t
        },
      ),
    );
  });

  it('starts no window before the epoch (Kafka Streams), so early records are in fewer windows', () => {
    const windows = TimeWindows.ofSizeAndGrace(10, 0).advanceBy(5);
    expect(windows.windowsFor(3)).toEqual([{ startMs: 0, endMs: 10 }]);
    expect(windows.windowsFor(7)).toEqual([
      { startMs: 0, endMs: 10 },
      { startMs: 5, endMs: 15 },
    ]);
    expect(windows.windowsFor(0)).toEqual([{ startMs: 0, endMs: 10 }]);
  });

  it('closes a window once the watermark reaches end + grace', () => {
    fc.assert(
      fc.property(
        hopping,
        fc.integer({ min: 0, max: 1_000 }),
        fc.integer({ min: 0, max: 5_000 }),
        fc.integer({ min: -10, max: 6_000 }),
        ({ sizeMs, advanceMs }, graceMs, t, watermarkMs) => {
          const windows = TimeWindows.ofSizeAndGrace(sizeMs, graceMs).advanceBy(advanceMs);
          for (const w of windows.windowsFor(t))
            expect(windows.isClosed(w, watermarkMs)).toBe(watermarkMs >= w.endMs + graceMs);
        },
      ),
    );
    const tumbling = TimeWindows.ofSizeAndGrace(10, 5);
    expect(tumbling.isClosed({ startMs: 0, endMs: 10 }, 14)).toBe(false);
    expect(tumbling.isClosed({ startMs: 0, endMs: 10 }, 15)).toBe(true);
    expect(tumbling.isClosed({ startMs: 0, endMs: 10 }, Number.NEGATIVE_INFINITY)).toBe(false);
  });

  it('describes itself and is immutable', () => {
    const tumbling = TimeWindows.ofSizeAndGrace(10_000, 2_000);
    expect(tumbling).toMatchObject({ kind: 'tumbling', sizeMs: 10_000, advanceMs: 10_000, graceMs: 2_000 });
    const hoppingWindows: FixedWindows = tumbling.advanceBy(5_000);
    expect(hoppingWindows).toMatchObject({
      kind: 'hopping',
      sizeMs: 10_000,
      advanceMs: 5_000,
      graceMs: 2_000,
    });
    expect(tumbling.advanceBy(10_000).kind).toBe('tumbling');
    expect(Object.isFrozen(tumbling)).toBe(true);
    expect(Object.isFrozen(hoppingWindows)).toBe(true);
  });

  it('rejects invalid sizes, graces and advances with readable CONFIG_INVALID errors', () => {
    for (const sizeMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expectConfigError(() => TimeWindows.ofSizeAndGrace(sizeMs, 0), 'sizeMs must be an integer >= 1');
    }
    for (const graceMs of [-1, 0.5, Number.NaN]) {
      expectConfigError(
        () => TimeWindows.ofSizeAndGrace(10, graceMs),
        'graceMs must be a non-negative integer',
      );
    }
    for (const advanceMs of [0, -5, 2.5]) {
      expectConfigError(
        () => TimeWindows.ofSizeAndGrace(10, 0).advanceBy(advanceMs),
        'advanceMs must be an integer >= 1',
      );
    }
    expectConfigError(
      () => TimeWindows.ofSizeAndGrace(10, 0).advanceBy(11),
      'must not exceed the window size (10)',
    );
  });

  it('throws on event times that are negative, fractional or not finite', () => {
    const windows = TimeWindows.ofSizeAndGrace(10, 0);
    for (const t of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => windows.windowsFor(t)).toThrow(/non-negative integer of milliseconds/);
    }
  });
});
