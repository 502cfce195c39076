import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addAll, count, last, max, mean, min, sum } from '../../../engine/aggregate/index.ts';
import { doubleSample, integerSample, itObeysTheAggregatorLaws, type Sample } from './laws.ts';

const v = (s: Sample) => s.v;
const samples = (...values: Array<number | null>): Sample[] => values.map((x) => ({ v: x }));

describe('count', () => {
  itObeysTheAggregatorLaws(count<Sample>(), integerSample);
  it('counts every record, whatever its value', () => {
    const c = count<Sample>();
    expect(c.result(addAll(c, samples(1, null, Number.NaN)))).toBe(3);
    expect(c.result(c.initialize())).toBe(0);
  });
});

describe('sum', () => {
  itObeysTheAggregatorLaws(sum(v), integerSample);
  it('skips values that are not finite numbers', () => {
    const s = sum(v);
    expect(s.result(addAll(s, samples(1, 2, null, Number.NaN, Number.POSITIVE_INFINITY, 4)))).toBe(7);
    expect(s.result(s.initialize())).toBe(0);
  });
  it('is close to the exact sum on doubles, whatever the split', () => {
    const s = sum(v);
    fc.assert(
      fc.property(fc.array(doubleSample), fc.array(doubleSample), (xs, ys) => {
        const whole = s.result(addAll(s, [...xs, ...ys]));
        const split = s.result(s.merge(addAll(s, xs), addAll(s, ys)));
        const scale = [...xs, ...ys].reduce(
          (acc, x) => acc + (Number.isFinite(x.v) ? Math.abs(x.v ?? 0) : 0),
          0,
        );
        expect(Math.abs(whole - split)).toBeLessThanOrEqual(scale * 1e-12);
      }),
    );
  });
});

describe('min', () => {
  itObeysTheAggregatorLaws(min(v), integerSample);
  itObeysTheAggregatorLaws(min(v), doubleSample);
  it('is null for no values and skips non-finite ones', () => {
    const m = min(v);
    expect(m.result(m.initialize())).toBeNull();
    expect(m.result(addAll(m, samples(null, Number.NEGATIVE_INFINITY)))).toBeNull();
    expect(m.result(addAll(m, samples(3, -2, Number.NaN, 7)))).toBe(-2);
  });
});

describe('max', () => {
  itObeysTheAggregatorLaws(max(v), integerSample);
  itObeysTheAggregatorLaws(max(v), doubleSample);
  it('is null for no values and skips non-finite ones', () => {
    const m = max(v);
    expect(m.result(m.initialize())).toBeNull();
    expect(m.result(addAll(m, samples(3, -2, Number.POSITIVE_INFINITY, 7)))).toBe(7);
  });
});

describe('mean', () => {
  itObeysTheAggregatorLaws(mean(v), integerSample);
  it('averages the finite values; null for none', () => {
    const m = mean(v);
    expect(m.result(m.initialize())).toBeNull();
    expect(m.result(addAll(m, samples(1, 2, null, 6)))).toBe(3);
  });
});

interface Event {
  readonly t: number;
  readonly label: string;
}
const event = fc.record({ t: fc.integer({ min: 0, max: 20 }), label: fc.string({ maxLength: 3 }) });

describe('last by arrival', () => {
  itObeysTheAggregatorLaws(
    last((e: Event) => e.label),
    event,
    { commutative: false },
  );
  it('keeps the last value added; merge treats its right side as the later part', () => {
    const l = last((e: Event) => e.label);
    const acc = addAll(l, [
      { t: 5, label: 'a' },
      { t: 1, label: 'b' },
    ]);
    expect(l.result(acc)).toBe('b');
    expect(l.result(l.initialize())).toBeNull();
    expect(l.result(l.merge(acc, addAll(l, [{ t: 0, label: 'c' }])))).toBe('c');
  });
});

describe('last by event time', () => {
  const byTime = last(
    (e: Event) => e.label,
    (e) => e.t,
  );
  itObeysTheAggregatorLaws(byTime, event, { commutative: false });
  it('keeps the value with the greatest event time; the later arrival wins ties', () => {
    expect(
      byTime.result(
        addAll(byTime, [
          { t: 5, label: 'a' },
          { t: 1, label: 'b' },
          { t: 5, label: 'c' },
          { t: 3, label: 'd' },
        ]),
      ),
    ).toBe('c');
    expect(byTime.result(addAll(byTime, [{ t: Number.NaN, label: 'x' }]))).toBeNull();
  });
  it('matches a reference: greatest event time, last arrival among equal times', () => {
    fc.assert(
      fc.property(fc.array(event), (events) => {
        let expected: string | null = null;
        let bestMs = Number.NEGATIVE_INFINITY;
        for (const e of events) {
          if (e.t >= bestMs) [expected, bestMs] = [e.label, e.t];
        }
        expect(byTime.result(addAll(byTime, events))).toBe(expected);
      }),
    );
  });
  it('merges commutatively when the event times differ', () => {
    fc.assert(
      fc.property(fc.array(event), fc.array(event), (xs, ys) => {
        const [a, b] = [addAll(byTime, xs), addAll(byTime, ys)];
        fc.pre(a?.timestampMs !== b?.timestampMs);
        expect(byTime.merge(a, b)).toEqual(byTime.merge(b, a));
      }),
    );
  });
});
