/**
 * The basic aggregators: count, sum, min, max, mean and last. All pure (see aggregator.ts); numeric
 * ones skip selections that are not finite numbers, like SQL aggregates skip NULL.
 *
 * Floating point: `sum` and `mean` add in arrival order, so partial sums merged in another order can
 * differ in the last bits; with integer values below 2^53 they are exact.
 */
import { finiteOrNull, type Aggregator, type NumericSelection } from './aggregator.ts';

/** The number of records (every record counts, whatever its value). */
export function count<In = unknown>(): Aggregator<In, number, number> {
  return Object.freeze({
    kind: 'count',
    initialize: () => 0,
    add: (acc: number) => acc + 1,
    merge: (a: number, b: number) => a + b,
    result: (acc: number) => acc,
  });
}

/** The sum of the selected numbers; 0 when there are none. */
export function sum<In>(select: (value: In) => NumericSelection): Aggregator<In, number, number> {
  return Object.freeze({
    kind: 'sum',
    initialize: () => 0,
    add: (acc: number, value: In) => acc + (finiteOrNull(select(value)) ?? 0),
    merge: (a: number, b: number) => a + b,
    result: (acc: number) => acc,
  });
}

function extreme<In>(
  kind: 'min' | 'max',
  select: (value: In) => NumericSelection,
  pick: (a: number, b: number) => number,
): Aggregator<In, number | null, number | null> {
  const merge = (a: number | null, b: number | null): number | null =>
    a === null ? b : b === null ? a : pick(a, b);
  return Object.freeze({
    kind,
    initialize: () => null,
    add: (acc: number | null, value: In) => merge(acc, finiteOrNull(select(value))),
    merge,
    result: (acc: number | null) => acc,
  });
}

/** The smallest selected number; null when there are none. */
export function min<In>(
  select: (value: In) => NumericSelection,
): Aggregator<In, number | null, number | null> {
  return extreme('min', select, Math.min);
}

/** The largest selected number; null when there are none. */
export function max<In>(
  select: (value: In) => NumericSelection,
): Aggregator<In, number | null, number | null> {
  return extreme('max', select, Math.max);
}

/** Accumulator of `mean`. */
export interface MeanState {
  readonly sum: number;
  readonly count: number;
}

/** The arithmetic mean of the selected numbers; null when there are none. */
export function mean<In>(select: (value: In) => NumericSelection): Aggregator<In, MeanState, number | null> {
  return Object.freeze({
    kind: 'mean',
    initialize: (): MeanState => ({ sum: 0, count: 0 }),
    add: (acc: MeanState, value: In): MeanState => {
      const selected = finiteOrNull(select(value));
      return selected === null ? acc : { sum: acc.sum + selected, count: acc.count + 1 };
    },
    merge: (a: MeanState, b: MeanState): MeanState => ({ sum: a.sum + b.sum, count: a.count + b.count }),
    result: (acc: MeanState) => (acc.count === 0 ? null : acc.sum / acc.count),
  });
}

/** Accumulator of `last`: the value kept and its event time (null when ordering by arrival). */
export interface LastState<T> {
  readonly value: T;
  readonly timestampMs: number | null;
}

/**
 * The last selected value (which must be JSON data); null when there are none.
 *
 * - Without `timestampOf`: the last by arrival. `merge(a, b)` treats `b` as the later part.
 * - With `timestampOf`: the value with the greatest event time; on equal times the later arrival wins,
 *   and `merge(a, b)` keeps `b` (the later part). Records whose time is not a finite number are
 *   skipped.
 *
 * So `merge` is associative and adding `xs` then `ys` equals `merge(all of xs, all of ys)`; it is
 * commutative only when the event times differ (never, when ordering by arrival).
 */
export function last<In, T>(
  select: (value: In) => T,
  timestampOf?: (value: In) => number,
): Aggregator<In, LastState<T> | null, T | null> {
  const merge = (a: LastState<T> | null, b: LastState<T> | null): LastState<T> | null => {
    if (a === null) return b;
    if (b === null) return a;
    if (a.timestampMs === null || b.timestampMs === null) return b;
    return b.timestampMs >= a.timestampMs ? b : a;
  };
  return Object.freeze({
    kind: 'last',
    initialize: () => null,
    add: (acc: LastState<T> | null, value: In): LastState<T> | null => {
      if (timestampOf === undefined) return { value: select(value), timestampMs: null };
      const timestampMs = timestampOf(value);
      if (!Number.isFinite(timestampMs)) return acc;
      return merge(acc, { value: select(value), timestampMs: timestampMs === 0 ? 0 : timestampMs });
    },
    merge,
    result: (acc: LastState<T> | null) => (acc === null ? null : acc.value),
  });
}
