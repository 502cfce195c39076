/**
 * The aggregator contract (after Quix Streams' `initialize` / `agg` / `result`, plus `merge`).
 *
 * An aggregator is a small immutable value. Its accumulators are PLAIN JSON data (numbers, strings,
 * booleans, null, arrays, plain objects; never NaN or Infinity, which JSON turns into null): they are
 * stored in changelog topics as JSON, so `JSON.parse(JSON.stringify(acc))` must behave exactly like
 * `acc`.
 *
 * Purity: `add` and `merge` never mutate their arguments; they return a new accumulator (which may
 * share unchanged parts with its inputs, since nothing mutates them). Callers may therefore keep old
 * accumulators, and the tests run every aggregator on deeply frozen values. The one exception is the
 * optional `inPlace` path, for callers that own a private copy.
 *
 * Laws, property-tested for every aggregator here:
 * - `merge` is associative and `initialize()` is its identity;
 * - `merge` is commutative (except `last`, whose merge prefers its right argument on ties);
 * - adding `xs` then `ys` equals `merge(add-all(xs), add-all(ys))`.
 */
export interface Aggregator<In, Acc, Out> {
  /** What it computes: 'count', 'sum', 'min', 'max', 'mean', 'last', 'quantiles', 'combine'. */
  readonly kind: string;
  /** The accumulator of no values. */
  initialize(): Acc;
  /** The accumulator with one more value; `acc` is not modified. */
  add(acc: Acc, value: In): Acc;
  /** The accumulator of both inputs' values (session merges, partial aggregates); inputs not modified. */
  merge(a: Acc, b: Acc): Acc;
  /** The output for an accumulator. */
  result(acc: Acc): Out;
  /**
   * Optional fast path for an owner that keeps an accumulator to itself, such as a window store
   * between flushes: fewer allocations per value. Must agree with `add` (property-tested).
   */
  readonly inPlace?: InPlaceAdd<In, Acc>;
}

/** Adding values to a private accumulator by mutating it. */
export interface InPlaceAdd<In, Acc> {
  /** An accumulator equal to `acc` that shares nothing mutable with it (`acc` may be frozen). */
  copy(acc: Acc): Acc;
  /** Adds `value` to `acc`, a private copy, by mutating it; returns it. Equal to `add(acc, value)`. */
  add(acc: Acc, value: In): Acc;
  /**
   * Merges `other` (not modified) into `acc`, a private copy, by mutating it; returns it. Equal to
   * `merge(acc, other)`. Optional: hopping windows merge their panes with it.
   */
  merge?(acc: Acc, other: Acc): Acc;
}

/** Adds every value, in order, to `acc` (by default a fresh accumulator). */
export function addAll<In, Acc, Out>(
  aggregator: Aggregator<In, Acc, Out>,
  values: Iterable<In>,
  acc: Acc = aggregator.initialize(),
): Acc {
  let current = acc;
  for (const value of values) current = aggregator.add(current, value);
  return current;
}

/** A value selected for a numeric aggregate: a number, or null / undefined when the record has none. */
export type NumericSelection = number | null | undefined;

/**
 * The number a numeric aggregate takes from a selection, or null to skip it. Like SQL aggregates with
 * NULL, non-finite selections (null, undefined, NaN, +-Infinity) are skipped: they cannot be kept in a
 * JSON accumulator. -0 becomes 0 for the same reason.
 */
export function finiteOrNull(selected: NumericSelection): number | null {
  if (typeof selected !== 'number' || !Number.isFinite(selected)) return null;
  return selected === 0 ? 0 : selected;
}
