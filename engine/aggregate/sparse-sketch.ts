/**
 * A quantile sketch for windows of few values: the buckets of `sketch.ts` (same mapping, same lower /
 * nearest-rank quantile, same relative-error guarantee, and the same estimates as an unbounded
 * `sketch.ts` sketch of the same values) kept as one bucket index per value, sorted, instead of
 * contiguous bucket counts.
 *
 * Why: a window of ten RTT values between 20 and 200 ms spans about 115 buckets at 1 %, so the
 * contiguous store holds about 115 counts, mostly zeros, and writes all of them to the changelog at
 * every flush. Here it is ten small integers.
 *
 * Size: one integer per value, so it grows with the window's count (a contiguous store is bounded by
 * its bucket limit instead). Use it where a window holds tens or hundreds of values, such as per-second
 * samples in 10 s windows; use `sketch.ts` for unbounded counts.
 *
 * The state is plain JSON, a function of the multiset of values added (canonical: `merge` deep-equals
 * the sketch of the concatenation, in any order), and never mutated (except by `addInPlace`, on a private
 * `copy`). Non-finite values are skipped; -0 is kept as 0.
 */
import { StadionError } from '../errors.ts';

/** `[zeroCount, min, max, positive bucket indices ascending, negative magnitudes' indices ascending]`. */
export type SparseSketch = readonly [
  zeroCount: number,
  min: number | null,
  max: number | null,
  positive: readonly number[],
  negative: readonly number[],
];

/** The operations at one relative accuracy. */
export interface SparseSketchSpec {
  readonly relativeAccuracy: number;
  /** The sketch of no values. */
  readonly empty: SparseSketch;
  readonly add: (sketch: SparseSketch, value: number) => SparseSketch;
  readonly merge: (a: SparseSketch, b: SparseSketch) => SparseSketch;
  /** Values kept (non-finite ones skipped). */
  readonly count: (sketch: SparseSketch) => number;
  /** The q-quantile (`0 <= q <= 1`) within the relative accuracy, or null when empty. */
  readonly quantile: (sketch: SparseSketch, q: number) => number | null;
  /** A copy sharing no array with `sketch`, for `addInPlace`. */
  readonly copy: (sketch: SparseSketch) => SparseSketch;
  /** `add` by mutating `sketch`, which must be a private `copy`; returns it. */
  readonly addInPlace: (sketch: SparseSketch, value: number) => SparseSketch;
  /** `merge` by mutating `sketch`, which must be a private `copy`; returns it. */
  readonly mergeInPlace: (sketch: SparseSketch, other: SparseSketch) => SparseSketch;
}

type MutableSketch = [number, number | null, number | null, number[], number[]];

const EMPTY: SparseSketch = Object.freeze([0, null, null, Object.freeze([]), Object.freeze([])] as const);

/** Inserts `index` into `sorted` in order, in place. */
function insertSortedInPlace(sorted: number[], index: number): void {
  let at = sorted.length;
  sorted.push(index);
  while (at > 0 && (sorted[at - 1] as number) > index) {
    sorted[at] = sorted[at - 1] as number;
    at -= 1;
  }
  sorted[at] = index;
}

/** Merges sorted `b` into sorted `a`, in place (from the back: no element is overwritten before it is read). */
function mergeSortedInPlace(a: number[], b: readonly number[]): void {
  let i = a.length - 1;
  let j = b.length - 1;
  for (const x of b) a.push(x);
  for (let k = a.length - 1; j >= 0; k -= 1) {
    if (i >= 0 && (a[i] as number) > (b[j] as number)) a[k] = a[i--] as number;
    else a[k] = b[j--] as number;
  }
}

function mergeSorted(a: readonly number[], b: readonly number[]): readonly number[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out = new Array<number>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x <= y) {
      out[k] = x;
      i += 1;
    } else {
      out[k] = y;
      j += 1;
    }
    k += 1;
  }
  while (i < a.length) out[k++] = a[i++] as number;
  while (j < b.length) out[k++] = b[j++] as number;
  return out;
}

const pick = (x: number | null, y: number | null, f: (p: number, q: number) => number): number | null =>
  x === null ? y : y === null ? x : f(x, y);

// Module level: a closure made per call costs a name definition each time under tsx (keepNames).
const clamp = (v: number, min: number, max: number): number => Math.min(max, Math.max(min, v));

/** The sparse sketch operations at `relativeAccuracy` in (0, 1). Throws StadionError('CONFIG_INVALID'). */
export function sparseSketch(relativeAccuracy: number): SparseSketchSpec {
  if (!(relativeAccuracy > 0 && relativeAccuracy < 1)) {
    throw new StadionError(
      'CONFIG_INVALID',
      `sketch relativeAccuracy must be in (0, 1), got ${String(relativeAccuracy)}`,
    );
  }
  const lnGamma = Math.log((1 + relativeAccuracy) / (1 - relativeAccuracy));
  const bucketValue = (index: number): number => (1 - relativeAccuracy) * Math.exp(index * lnGamma);
  const count = (s: SparseSketch): number => s[0] + s[3].length + s[4].length;

  // + 0 turns -0 (ceil of a value in (-1, 0)) into 0, as in sketch.ts.
  const indexOf = (x: number): number => Math.ceil(Math.log(Math.abs(x)) / lnGamma) + 0;

  const copy = (s: SparseSketch): SparseSketch => [s[0], s[1], s[2], s[3].slice(), s[4].slice()];

  const addInPlace = (sketch: SparseSketch, value: number): SparseSketch => {
    if (!Number.isFinite(value)) return sketch;
    const s = sketch as MutableSketch;
    const x = value === 0 ? 0 : value;
    s[1] = s[1] === null ? x : Math.min(s[1], x);
    s[2] = s[2] === null ? x : Math.max(s[2], x);
    if (x === 0) s[0] += 1;
    else insertSortedInPlace(x > 0 ? s[3] : s[4], indexOf(x));
    return sketch;
  };

  const mergeInPlace = (sketch: SparseSketch, other: SparseSketch): SparseSketch => {
    if (count(other) === 0) return sketch;
    const s = sketch as MutableSketch;
    s[0] += other[0];
    s[1] = pick(s[1], other[1], Math.min);
    s[2] = pick(s[2], other[2], Math.max);
    mergeSortedInPlace(s[3], other[3]);
    mergeSortedInPlace(s[4], other[4]);
    return sketch;
  };

  const add = (s: SparseSketch, value: number): SparseSketch =>
    Number.isFinite(value) ? addInPlace(copy(s), value) : s;

  const merge = (a: SparseSketch, b: SparseSketch): SparseSketch => {
    if (count(b) === 0) return a;
    if (count(a) === 0) return b;
    return [
      a[0] + b[0],
      pick(a[1], b[1], Math.min),
      pick(a[2], b[2], Math.max),
      mergeSorted(a[3], b[3]),
      mergeSorted(a[4], b[4]),
    ];
  };

  const quantile = (s: SparseSketch, q: number): number | null => {
    if (!(q >= 0 && q <= 1))
      throw new StadionError('CONFIG_INVALID', `quantile must be in [0, 1], got ${String(q)}`);
    const [zeros, min, max, positive, negative] = s;
    const n = count(s);
    if (n === 0 || min === null || max === null) return null;
    const rank = Math.floor(q * (n - 1));
    if (rank === 0) return min;
    if (rank === n - 1) return max;
    // Ascending values: negatives by decreasing magnitude, zeros, positives by increasing index.
    if (rank < negative.length)
      return clamp(-bucketValue(negative[negative.length - 1 - rank] as number), min, max);
    if (rank < negative.length + zeros) return clamp(0, min, max);
    return clamp(bucketValue(positive[rank - negative.length - zeros] as number), min, max);
  };

  return Object.freeze({
    relativeAccuracy,
    empty: EMPTY,
    add,
    merge,
    count,
    quantile,
    copy,
    addInPlace,
    mergeInPlace,
  });
}
