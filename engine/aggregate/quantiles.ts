/**
 * Approximate quantiles of a numeric selection, over the mergeable sketch of sketch.ts: within
 * `relativeAccuracy` of the exact (lower / nearest-rank) quantile, in bounded space.
 *
 * Result keys are `p` + the percentage, with `_` for the decimal point: 0.5 -> 'p50', 0.99 -> 'p99',
 * 0.999 -> 'p99_9', 0 -> 'p0', 1 -> 'p100' (see `quantileKey`). Each is null when there are no values.
 */
import { StadionError } from '../errors.ts';
import { finiteOrNull, type Aggregator, type NumericSelection } from './aggregator.ts';
import {
  DEFAULT_MAX_BUCKETS,
  DEFAULT_RELATIVE_ACCURACY,
  createSketch,
  sketchAdd,
  sketchMerge,
  sketchQuantile,
  type SketchState,
} from './sketch.ts';

export interface QuantilesOptions {
  /** The quantiles to report, each in [0, 1], e.g. `[0.5, 0.95, 0.99]`. */
  readonly quantiles: readonly number[];
  /** Relative accuracy of every reported quantile, in (0, 1). @default DEFAULT_RELATIVE_ACCURACY (0.01) */
  readonly relativeAccuracy?: number;
  /** Sketch buckets kept per sign; see sketch.ts. @default DEFAULT_MAX_BUCKETS (2048) */
  readonly maxBuckets?: number;
}

/** The result key of quantile `q`: 0.5 -> 'p50', 0.999 -> 'p99_9' (at most 10 decimals of percent). */
export function quantileKey(q: number): string {
  const percent = (q * 100).toFixed(10).replace(/\.?0+$/, '');
  return `p${percent.replace('.', '_')}`;
}

/** Approximate quantiles of the selected numbers (non-finite selections are skipped). */
export function quantiles<In>(
  select: (value: In) => NumericSelection,
  options: QuantilesOptions,
): Aggregator<In, SketchState, Record<string, number | null>> {
  if (options.quantiles.length === 0) {
    throw new StadionError('CONFIG_INVALID', 'quantiles: at least one quantile is required');
  }
  const keyed = options.quantiles.map((q): [string, number] => {
    if (!(q >= 0 && q <= 1))
      throw new StadionError('CONFIG_INVALID', `quantiles: ${String(q)} is not in [0, 1]`);
    return [quantileKey(q), q];
  });
  const keys = new Set(keyed.map(([key]) => key));
  if (keys.size !== keyed.length) {
    throw new StadionError(
      'CONFIG_INVALID',
      `quantiles: duplicate quantiles in ${options.quantiles.join(', ')}`,
    );
  }
  const sketchOptions = {
    relativeAccuracy: options.relativeAccuracy ?? DEFAULT_RELATIVE_ACCURACY,
    maxBuckets: options.maxBuckets ?? DEFAULT_MAX_BUCKETS,
  };
  createSketch(sketchOptions); // validates the options now, not at the first record
  return Object.freeze({
    kind: 'quantiles',
    initialize: () => createSketch(sketchOptions),
    add: (acc: SketchState, value: In) => {
      const selected = finiteOrNull(select(value));
      return selected === null ? acc : sketchAdd(acc, selected);
    },
    merge: sketchMerge,
    result: (acc: SketchState) => Object.fromEntries(keyed.map(([key, q]) => [key, sketchQuantile(acc, q)])),
  });
}
