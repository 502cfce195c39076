/** Aggregators for windowed and keyed aggregations; see aggregator.ts for the contract. */
export { addAll, type Aggregator, type InPlaceAdd, type NumericSelection } from './aggregator.ts';
export { count, last, max, mean, min, sum, type LastState, type MeanState } from './basic.ts';
export {
  combine,
  type CombinedAcc,
  type CombinedInput,
  type CombinedResult,
  type SomeAggregator,
} from './combine.ts';
export { quantileKey, quantiles, type QuantilesOptions } from './quantiles.ts';
export {
  DEFAULT_MAX_BUCKETS,
  DEFAULT_RELATIVE_ACCURACY,
  createSketch,
  sketchAdd,
  sketchMerge,
  sketchQuantile,
  type BucketStore,
  type SketchOptions,
  type SketchState,
} from './sketch.ts';
export { sparseSketch, type SparseSketch, type SparseSketchSpec } from './sparse-sketch.ts';
