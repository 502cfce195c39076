import { describe, expect, it } from 'vitest';
import { addAll, quantileKey, quantiles } from '../../../engine/aggregate/index.ts';
import { doubleSample, itObeysTheAggregatorLaws, type Sample } from './laws.ts';

const v = (s: Sample) => s.v;

describe('quantiles', () => {
  itObeysTheAggregatorLaws(quantiles(v, { quantiles: [0.5, 0.99] }), doubleSample);
  itObeysTheAggregatorLaws(
    quantiles(v, { quantiles: [0.5], relativeAccuracy: 0.1, maxBuckets: 3 }),
    doubleSample,
  );

  it('names results p<percent>, with _ for the decimal point', () => {
    expect([0, 0.07, 0.5, 0.95, 0.99, 0.999, 0.9999, 1].map(quantileKey)).toEqual([
      'p0',
      'p7',
      'p50',
      'p95',
      'p99',
      'p99_9',
      'p99_99',
      'p100',
    ]);
  });

  it('reports each quantile within the accuracy, null when there are no values', () => {
    const agg = quantiles(v, { quantiles: [0, 0.5, 0.9, 1], relativeAccuracy: 0.02 });
    expect(agg.result(agg.initialize())).toEqual({ p0: null, p50: null, p90: null, p100: null });
    const values = Array.from({ length: 1_001 }, (_, i) => ({ v: i }));
    const result = agg.result(addAll(agg, [...values, { v: null }, { v: Number.NaN }]));
    expect(result['p0']).toBe(0);
    expect(result['p100']).toBe(1_000);
    expect(Math.abs((result['p50'] ?? 0) - 500)).toBeLessThanOrEqual(500 * 0.02);
    expect(Math.abs((result['p90'] ?? 0) - 900)).toBeLessThanOrEqual(900 * 0.02);
  });

  it('rejects bad options when built, with CONFIG_INVALID', () => {
    const bad = [
      { quantiles: [] },
      { quantiles: [1.5] },
      { quantiles: [Number.NaN] },
      { quantiles: [0.5, 0.5] },
      { quantiles: [0.5], relativeAccuracy: 1 },
      { quantiles: [0.5], maxBuckets: 0 },
    ];
    for (const options of bad) {
      expect(() => quantiles(v, options)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
  });
});
