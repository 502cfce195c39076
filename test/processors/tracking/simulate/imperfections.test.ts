import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyArrivalImperfections,
  latenessOfDeliveries,
} from '../../../../processors/tracking/simulate/imperfections.ts';
import { createRng } from '../../../../processors/shared/random.ts';

const frames = (count: number): Array<{ frameNumber: number }> =>
  Array.from({ length: count }, (_, frameNumber) => ({ frameNumber }));

describe('applyArrivalImperfections', () => {
  it('drops, duplicates and delays at about the configured rates', () => {
    const seed = 11;
    const input = frames(50_000);
    const { frames: arrived, report } = applyArrivalImperfections(
      input,
      { dropRate: 0.01, duplicateRate: 0.005, reorderRate: 0.02, maxReorderFrames: 3 },
      createRng(seed),
    );
    // Binomial counts within 5 standard deviations.
    const within = (count: number, n: number, p: number): boolean =>
      Math.abs(count - n * p) < 5 * Math.sqrt(n * p * (1 - p));
    expect(within(report.droppedFrameNumbers.length, 50_000, 0.01), `seed ${seed}`).toBe(true);
    const delivered = 50_000 - report.droppedFrameNumbers.length;
    expect(within(report.duplicatedFrameNumbers.length, delivered, 0.005), `seed ${seed}`).toBe(true);
    expect(arrived.length).toBe(delivered + report.duplicatedFrameNumbers.length);
    expect(report.lateFrameNumbers.length).toBeGreaterThan(0.5 * 0.02 * delivered);
    expect(report.lateFrameNumbers.length).toBeLessThan(2 * 0.02 * delivered);
    expect(report.maxLatenessFrames).toBe(3);
  });

  it('keeps every frame that is not dropped, and no delivery is later than maxReorderFrames', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 0, max: 400 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 6 }),
        (seed, count, dropRate, duplicateRate, reorderRate, maxReorderFrames) => {
          const { frames: arrived, report } = applyArrivalImperfections(
            frames(count),
            { dropRate, duplicateRate, reorderRate, maxReorderFrames },
            createRng(seed),
          );
          const dropped = new Set(report.droppedFrameNumbers);
          const expected = frames(count)
            .map((f) => f.frameNumber)
            .filter((n) => !dropped.has(n));
          expect([...new Set(arrived.map((f) => f.frameNumber))].sort((a, b) => a - b)).toEqual(expected);
          const lateness = latenessOfDeliveries(arrived);
          expect(Math.max(0, ...lateness)).toBeLessThanOrEqual(maxReorderFrames);
          expect(Math.max(0, ...lateness)).toBe(report.maxLatenessFrames);
          if (maxReorderFrames === 0 && duplicateRate === 0) {
            expect(arrived.map((f) => f.frameNumber)).toEqual(expected);
          }
        },
      ),
      { seed: 20240804 },
    );
  });
});

describe('latenessOfDeliveries', () => {
  it('counts the distinct later frames that arrived first', () => {
    const order = [0, 2, 3, 1, 3, 4, 1].map((frameNumber) => ({ frameNumber }));
    expect(latenessOfDeliveries(order)).toEqual([0, 0, 0, 2, 0, 0, 3]);
  });
});
