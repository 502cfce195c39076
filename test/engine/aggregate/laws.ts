/** Property tests of the aggregator laws (see engine/aggregate/aggregator.ts), shared by the aggregate tests. */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { addAll, type Aggregator } from '../../../engine/aggregate/index.ts';

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export interface LawOptions {
  /** False for aggregators whose merge prefers one side on ties (`last`). @default true */
  readonly commutative?: boolean;
  readonly numRuns?: number;
}

/** Registers one `it` per law for `aggregator` over inputs drawn from `input`. */
export function itObeysTheAggregatorLaws<In, Acc, Out>(
  aggregator: Aggregator<In, Acc, Out>,
  input: fc.Arbitrary<In>,
  options: LawOptions = {},
): void {
  const values = fc.array(input, { maxLength: 40 });
  const params = { numRuns: options.numRuns ?? 200 };
  const fold = (xs: readonly In[]): Acc => deepFreeze(addAll(aggregator, xs));

  it('never mutates accumulators or values (everything is deeply frozen)', () => {
    fc.assert(
      fc.property(values, values, (xs, ys) => {
        const a = fold(xs.map(deepFreeze));
        const b = fold(ys);
        const snapshot = JSON.stringify([a, b]);
        for (const y of ys) aggregator.add(a, y);
        aggregator.merge(a, b);
        aggregator.result(a);
        expect(JSON.stringify([a, b])).toBe(snapshot);
      }),
      params,
    );
  });

  const inPlace = aggregator.inPlace;
  if (inPlace !== undefined) {
    it('in place: a copy takes further values like add, and leaves its original alone', () => {
      fc.assert(
        fc.property(values, values, (xs, ys) => {
          const original = fold(xs); // deeply frozen: mutating what the copy shares with it throws
          let own = inPlace.copy(original);
          for (const y of ys) own = inPlace.add(own, deepFreeze(y));
          expect(own).toEqual(fold([...xs, ...ys]));
          expect(original).toEqual(fold(xs));
          let fresh = inPlace.copy(deepFreeze(aggregator.initialize()));
          for (const x of xs) fresh = inPlace.add(fresh, x);
          expect(fresh).toEqual(fold(xs));
        }),
        params,
      );
    });
    if (inPlace.merge !== undefined) {
      it('in place: merging into a copy equals merge, and leaves both inputs alone', () => {
        fc.assert(
          fc.property(values, values, (xs, ys) => {
            const [a, b] = [fold(xs), fold(ys)]; // deeply frozen
            expect(inPlace.merge?.(inPlace.copy(a), b)).toEqual(aggregator.merge(a, b));
            expect([a, b]).toEqual([fold(xs), fold(ys)]);
          }),
          params,
        );
      });
    }
  }

  it('adding xs then ys equals merging the two parts', () => {
    fc.assert(
      fc.property(values, values, (xs, ys) => {
        expect(aggregator.merge(fold(xs), fold(ys))).toEqual(fold([...xs, ...ys]));
      }),
      params,
    );
  });

  it('merge is associative, with initialize() as identity', () => {
    fc.assert(
      fc.property(values, values, values, (xs, ys, zs) => {
        const [a, b, c] = [fold(xs), fold(ys), fold(zs)];
        expect(aggregator.merge(aggregator.merge(a, b), c)).toEqual(
          aggregator.merge(a, aggregator.merge(b, c)),
        );
        const empty = deepFreeze(aggregator.initialize());
        expect(aggregator.merge(empty, a)).toEqual(a);
        expect(aggregator.merge(a, empty)).toEqual(a);
      }),
      params,
    );
  });

  if (options.commutative ?? true) {
    it('merge is commutative', () => {
      fc.assert(
        fc.property(values, values, (xs, ys) => {
          const [a, b] = [fold(xs), fold(ys)];
          expect(aggregator.merge(a, b)).toEqual(aggregator.merge(b, a));
        }),
        params,
      );
    });
  }

  it('behaves identically after a JSON round trip of its accumulator', () => {
    fc.assert(
      fc.property(values, values, (xs, ys) => {
        const acc = fold(xs);
        const restored = deepFreeze(roundTrip(acc));
        expect(restored).toEqual(acc);
        expect(aggregator.result(restored)).toEqual(aggregator.result(acc));
        expect(aggregator.result(addAll(aggregator, ys, restored))).toEqual(
          aggregator.result(addAll(aggregator, ys, acc)),
        );
        const other = fold(ys);
        expect(aggregator.result(aggregator.merge(restored, other))).toEqual(
          aggregator.result(aggregator.merge(acc, other)),
        );
        expect(roundTrip(aggregator.merge(restored, other))).toEqual(aggregator.merge(acc, other));
      }),
      params,
    );
  });
}

/** A record with a numeric field that is sometimes missing or not finite (those must be skipped). */
export interface Sample {
  readonly v: number | null;
}

export const integerSample: fc.Arbitrary<Sample> = fc.record({
  v: fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: -1_000_000, max: 1_000_000 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(null, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0),
    },
  ),
});

export const doubleSample: fc.Arbitrary<Sample> = fc.record({
  v: fc.oneof(
    { weight: 8, arbitrary: fc.double({ min: -1e12, max: 1e12, noNaN: true }) },
    { weight: 1, arbitrary: fc.constantFrom(null, Number.NaN, Number.POSITIVE_INFINITY, 0, -0) },
  ),
});
