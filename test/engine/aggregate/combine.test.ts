import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  addAll,
  combine,
  count,
  last,
  max,
  mean,
  min,
  quantiles,
  sum,
  type Aggregator,
} from '../../../engine/aggregate/index.ts';
import { itObeysTheAggregatorLaws } from './laws.ts';

interface Reading {
  readonly sensor: string;
  readonly speedMps: number | null;
}

const reading = fc.record({
  sensor: fc.constantFrom('a', 'b'),
  speedMps: fc.oneof(fc.integer({ min: -1_000, max: 1_000 }), fc.constant(null)),
});

const spec = {
  n: count<Reading>(),
  total: sum((r: Reading) => r.speedMps),
  low: min((r: Reading) => r.speedMps),
  high: max((r: Reading) => r.speedMps),
  avg: mean((r: Reading) => r.speedMps),
  speeds: quantiles((r: Reading) => r.speedMps, { quantiles: [0.5, 0.95] }),
};

describe('combine', () => {
  itObeysTheAggregatorLaws(combine(spec), reading);

  it('runs every part over the same input and keys the results like the spec', () => {
    const agg = combine(spec);
    const acc = addAll(agg, [
      { sensor: 'a', speedMps: 2 },
      { sensor: 'a', speedMps: 4 },
      { sensor: 'b', speedMps: null },
    ]);
    expect(agg.result(acc)).toEqual({ n: 3, total: 6, low: 2, high: 4, avg: 3, speeds: { p50: 2, p95: 2 } }); // lower quantile: rank floor(0.95 * (2 - 1)) = 0
    expect(agg.result(agg.initialize())).toEqual({
      n: 0,
      total: 0,
      low: null,
      high: null,
      avg: null,
      speeds: { p50: null, p95: null },
    });
    expect(Object.keys(acc)).toEqual(Object.keys(spec));
  });

  it('is typed from its spec', () => {
    const agg = combine({
      n: count(),
      top: max((r: Reading) => r.speedMps),
      who: last((r: Reading) => r.sensor),
    });
    expectTypeOf(agg).toEqualTypeOf<
      Aggregator<
        Reading,
        {
          readonly n: number;
          readonly top: number | null;
          readonly who: { readonly value: string; readonly timestampMs: number | null } | null;
        },
        { n: number; top: number | null; who: string | null }
      >
    >();
  });

  it('nests', () => {
    const agg = combine({
      outer: count<Reading>(),
      inner: combine({ n: count<Reading>(), s: sum((r: Reading) => r.speedMps) }),
    });
    const acc = addAll(agg, [{ sensor: 'a', speedMps: 5 }]);
    expect(agg.result(acc)).toEqual({ outer: 1, inner: { n: 1, s: 5 } });
  });
});
