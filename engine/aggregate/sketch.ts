/**
 * A mergeable quantile sketch with a relative-error guarantee, after DDSketch (Masson, Rim and Lee,
 * VLDB 2019). Pure functions over plain JSON state; nothing is mutated.
 *
 * - With relative accuracy `a`, `gamma = (1 + a) / (1 - a)`. A value `x > 0` goes to bucket
 *   `i = ceil(ln(x) / ln(gamma))`, which covers `(gamma^(i-1), gamma^i]`; the bucket is reported as
 *   `(1 - a) * gamma^i`, within relative error `a` of every value in it. Negative values are kept the
 *   same way by magnitude in a second store; zeros are counted apart. Non-finite values are skipped.
 * - Quantile definition (lower / nearest rank): for `n` values sorted ascending, `x_q` is the element
 *   at 0-based rank `floor(q * (n - 1))`; so q = 0 is the minimum and q = 1 the maximum (both exact).
 * - Guarantee: `|quantile(s, q) - x_q| <= a * |x_q|` (up to floating-point rounding), as long as the
 *   bucket of `x_q` was not collapsed (below).
 * - Bounded size: each store keeps at most `maxBuckets` contiguous buckets (default 2048). When a store
 *   would span more, its lowest-magnitude buckets are folded into the lowest one kept, losing accuracy
 *   only for the values of smallest magnitude. `maxBuckets` buckets span a factor of gamma^maxBuckets:
 *   with 2048, about 6e17 at a = 0.01 (17 decades) but only about 60 at a = 0.001, so raise
 *   `maxBuckets` with the accuracy.
 * - Canonical: the state is a function of the multiset of values added (each store is trimmed so its
 *   first and last counts are non-zero), so `merge(a, b)` deep-equals the sketch of the concatenation,
 *   in any order.
 */
import { StadionError } from '../errors.ts';

/** Relative accuracy of a sketch unless configured. @default 0.01 */
export const DEFAULT_RELATIVE_ACCURACY = 0.01;
/** Buckets kept per store (positive, negative) unless configured. @default 2048 */
export const DEFAULT_MAX_BUCKETS = 2048;

/** Contiguous bucket counts: `counts[j]` is the count of bucket `offset + j`; empty, or both ends > 0. */
export interface BucketStore {
  readonly offset: number;
  readonly counts: readonly number[];
}

export interface SketchState {
  readonly relativeAccuracy: number;
  readonly maxBuckets: number;
  /** Values added (excluding skipped non-finite ones). */
  readonly count: number;
  readonly zeroCount: number;
  readonly min: number | null;
  readonly max: number | null;
  /** Buckets of the values > 0. */
  readonly positive: BucketStore;
  /** Buckets of the magnitudes of the values < 0. */
  readonly negative: BucketStore;
}

export interface SketchOptions {
  /** Relative accuracy `a`, in (0, 1). @default DEFAULT_RELATIVE_ACCURACY */
  readonly relativeAccuracy?: number;
  /** Buckets kept per store, an integer >= 1. @default DEFAULT_MAX_BUCKETS */
  readonly maxBuckets?: number;
}

const EMPTY_STORE: BucketStore = Object.freeze({ offset: 0, counts: Object.freeze([]) });

/** An empty sketch. Throws StadionError('CONFIG_INVALID') for options out of range. */
export function createSketch(options: SketchOptions = {}): SketchState {
  const relativeAccuracy = options.relativeAccuracy ?? DEFAULT_RELATIVE_ACCURACY;
  const maxBuckets = options.maxBuckets ?? DEFAULT_MAX_BUCKETS;
  if (!(relativeAccuracy > 0 && relativeAccuracy < 1)) {
    throw new StadionError(
      'CONFIG_INVALID',
      `sketch relativeAccuracy must be in (0, 1), got ${String(relativeAccuracy)}`,
    );
  }
  if (!Number.isSafeInteger(maxBuckets) || maxBuckets < 1) {
    throw new StadionError(
      'CONFIG_INVALID',
      `sketch maxBuckets must be an integer >= 1, got ${String(maxBuckets)}`,
    );
  }
  return {
    relativeAccuracy,
    maxBuckets,
    count: 0,
    zeroCount: 0,
    min: null,
    max: null,
    positive: EMPTY_STORE,
    negative: EMPTY_STORE,
  };
}

function lnGamma(relativeAccuracy: number): number {
  return Math.log((1 + relativeAccuracy) / (1 - relativeAccuracy));
}

/** The union of two stores, folding buckets below the top `maxBuckets` into the lowest one kept. */
function mergeStores(a: BucketStore, b: BucketStore, maxBuckets: number): BucketStore {
  if (a.counts.length === 0)
    return b.counts.length <= maxBuckets ? b : mergeStores(b, EMPTY_STORE, maxBuckets);
  if (b.counts.length === 0 && a.counts.length <= maxBuckets) return a;
  const stores = b.counts.length === 0 ? [a] : [a, b];
  const highest = Math.max(...stores.map((s) => s.offset + s.counts.length - 1));
  const lowest = Math.max(Math.min(...stores.map((s) => s.offset)), highest - maxBuckets + 1);
  const counts = new Array<number>(highest - lowest + 1).fill(0);
  for (const store of stores) {
    store.counts.forEach((n, j) => {
      const slot = Math.max(store.offset + j, lowest) - lowest;
      counts[slot] = (counts[slot] ?? 0) + n;
    });
  }
  return { offset: lowest, counts };
}

function addToStore(store: BucketStore, index: number, maxBuckets: number): BucketStore {
  const j = index - store.offset;
  if (store.counts.length > 0 && j >= 0 && j < store.counts.length) {
    const counts = store.counts.slice();
    counts[j] = (counts[j] ?? 0) + 1;
    return { offset: store.offset, counts };
  }
  return mergeStores(store, { offset: index, counts: [1] }, maxBuckets);
}

/** The sketch with `value` added; non-finite values are skipped (the input is returned). */
export function sketchAdd(state: SketchState, value: number): SketchState {
  if (!Number.isFinite(value)) return state;
  const x = value === 0 ? 0 : value;
  const base = {
    ...state,
    count: state.count + 1,
    min: state.min === null ? x : Math.min(state.min, x),
    max: state.max === null ? x : Math.max(state.max, x),
  };
  if (x === 0) return { ...base, zeroCount: state.zeroCount + 1 };
  // + 0 turns -0 (ceil of a value in (-1, 0)) into 0, so the state survives a JSON round trip unchanged.
  const index = Math.ceil(Math.log(Math.abs(x)) / lnGamma(state.relativeAccuracy)) + 0;
  return x > 0
    ? { ...base, positive: addToStore(state.positive, index, state.maxBuckets) }
    : { ...base, negative: addToStore(state.negative, index, state.maxBuckets) };
}

/** The sketch of both inputs' values. Throws StadionError('CONFIG_INVALID') if their accuracies differ. */
export function sketchMerge(a: SketchState, b: SketchState): SketchState {
  if (a.relativeAccuracy !== b.relativeAccuracy) {
    throw new StadionError(
      'CONFIG_INVALID',
      `cannot merge sketches of relative accuracy ${a.relativeAccuracy} and ${b.relativeAccuracy}`,
    );
  }
  if (b.count === 0 && b.maxBuckets >= a.maxBuckets) return a;
  if (a.count === 0 && a.maxBuckets >= b.maxBuckets) return b;
  const maxBuckets = Math.min(a.maxBuckets, b.maxBuckets);
  const pick = (x: number | null, y: number | null, f: (p: number, q: number) => number): number | null =>
    x === null ? y : y === null ? x : f(x, y);
  return {
    relativeAccuracy: a.relativeAccuracy,
    maxBuckets,
    count: a.count + b.count,
    zeroCount: a.zeroCount + b.zeroCount,
    min: pick(a.min, b.min, Math.min),
    max: pick(a.max, b.max, Math.max),
    positive: mergeStores(a.positive, b.positive, maxBuckets),
    negative: mergeStores(a.negative, b.negative, maxBuckets),
  };
}

/**
 * The q-quantile (`0 <= q <= 1`, lower / nearest-rank definition above) within the relative accuracy,
 * or null for an empty sketch. Throws StadionError('CONFIG_INVALID') for q out of range.
 */
export function sketchQuantile(state: SketchState, q: number): number | null {
  if (!(q >= 0 && q <= 1))
    throw new StadionError('CONFIG_INVALID', `quantile must be in [0, 1], got ${String(q)}`);
  if (state.count === 0 || state.min === null || state.max === null) return null;
  const rank = Math.floor(q * (state.count - 1));
  if (rank === 0) return state.min;
  if (rank === state.count - 1) return state.max;
  const { min, max } = state;
  const ln = lnGamma(state.relativeAccuracy);
  const bucketValue = (index: number): number => (1 - state.relativeAccuracy) * Math.exp(index * ln);
  const clamp = (v: number): number => Math.min(max, Math.max(min, v));
  let seen = 0;
  const { negative, positive } = state;
  for (let j = negative.counts.length - 1; j >= 0; j -= 1) {
    seen += negative.counts[j] ?? 0;
    if (seen > rank) return clamp(-bucketValue(negative.offset + j));
  }
  seen += state.zeroCount;
  if (seen > rank) return clamp(0);
  for (let j = 0; j < positive.counts.length; j += 1) {
    seen += positive.counts[j] ?? 0;
    if (seen > rank) return clamp(bucketValue(positive.offset + j));
  }
  return max;
}
