import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createSketch,
  sketchAdd,
  sketchQuantile,
  sparseSketch,
  type SparseSketch,
} from '../../../engine/aggregate/index.ts';
import { seededRandom, testSeed } from '../../support/random.ts';

const QS = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1];
const spec = sparseSketch(0.01);
const sparseOf = (values: readonly number[]): SparseSketch => values.reduce(spec.add, spec.empty);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const part of Object.values(value)) deepFreeze(part);
    Object.freeze(value);
  }
  return value;
}

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true });

describe('sparse sketch', () => {
  it('gives the estimates of the contiguous sketch on the same values (zeros, negatives, -0)', () => {
    const seed = testSeed('sparse sketch vs sketch');
    const random = seededRandom(seed);
    for (let run = 0; run < 200; run += 1) {
      const n = 1 + Math.floor(random() * 80);
      const values = Array.from({ length: n }, () => {
        const r = random();
        if (r < 0.1) return 0;
        if (r < 0.12) return -0;
        const magnitude = Math.exp(6 * (random() - 0.3));
        return r < 0.3 ? -magnitude : magnitude;
      });
      const dense = values.reduce(sketchAdd, createSketch({ relativeAccuracy: 0.01 }));
      const sparse = sparseOf(values);
      expect(spec.count(sparse), `Reproduce with seed: ${seed}`).toBe(dense.count);
      for (const q of QS)
        expect(spec.quantile(sparse, q), `q ${q}, reproduce with seed: ${seed}`).toBe(
          sketchQuantile(dense, q),
        );
    }
  });

  it('adds in place to a copy exactly as add does, leaving the original alone', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(finite, fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY))),
        fc.array(fc.oneof(finite, fc.constantFrom(0, -0, Number.NaN))),
        (xs, ys) => {
          const original = deepFreeze(sparseOf(xs));
          let own = spec.copy(original);
          for (const y of ys) own = spec.addInPlace(own, y);
          expect(own).toEqual(sparseOf([...xs, ...ys]));
          expect(original).toEqual(sparseOf(xs));
        },
      ),
    );
  });

  it('merges in place into a copy exactly as merge does, leaving both inputs alone', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(finite, fc.constantFrom(0, -0, Number.NaN))),
        fc.array(fc.oneof(finite, fc.constantFrom(0, -0, Number.NaN))),
        (xs, ys) => {
          const [a, b] = [deepFreeze(sparseOf(xs)), deepFreeze(sparseOf(ys))];
          expect(spec.mergeInPlace(spec.copy(a), b)).toEqual(spec.merge(a, b));
          expect(spec.mergeInPlace(spec.copy(a), b)).toEqual(sparseOf([...xs, ...ys]));
          expect([a, b]).toEqual([sparseOf(xs), sparseOf(ys)]);
        },
      ),
    );
  });

  it('is within the relative accuracy of the exact lower quantile', () => {
    const seed = testSeed('sparse sketch accuracy');
    const random = seededRandom(seed);
    const values = Array.from({ length: 500 }, () => 5 + random() * 300);
    const sorted = [...values].sort((a, b) => a - b);
    const sketch = sparseOf(values);
    for (const q of QS) {
      const exact = sorted[Math.floor(q * (sorted.length - 1))] ?? Number.NaN;
      const estimate = spec.quantile(sketch, q) ?? Number.NaN;
      expect(Math.abs(estimate - exact), `q ${q}, reproduce with seed: ${seed}`).toBeLessThanOrEqual(
        0.01 * exact * (1 + 1e-9),
      );
    }
  });

  it('is canonical: merging parts in any order equals adding everything, inputs untouched', () => {
    fc.assert(
      fc.property(fc.array(finite, { maxLength: 40 }), fc.array(finite, { maxLength: 40 }), (xs, ys) => {
        const left = deepFreeze(sparseOf(xs));
        const right = deepFreeze(sparseOf(ys));
        const all = sparseOf([...xs, ...ys]);
        expect(spec.merge(left, right)).toEqual(all);
        expect(spec.merge(right, left)).toEqual(all);
        expect(spec.merge(spec.empty, left)).toBe(left);
        expect(JSON.parse(JSON.stringify(all))).toEqual(all);
      }),
    );
  });

  it('skips non-finite values and rejects a bad accuracy or quantile', () => {
    const s = sparseOf([1, Number.NaN, Number.POSITIVE_INFINITY, 2]);
    expect(spec.count(s)).toBe(2);
    expect(spec.quantile(spec.empty, 0.5)).toBeNull();
    expect(() => spec.quantile(s, 1.5)).toThrow(/quantile must be in \[0, 1\]/);
    expect(() => sparseSketch(0)).toThrow(/relativeAccuracy must be in \(0, 1\)/);
  });
});
