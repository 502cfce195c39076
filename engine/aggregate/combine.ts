/**
 * Several aggregators over one input, run as one: `combine({ n: count(), top: max(f) })` keeps one
 * accumulator per name (a plain object, so still JSON) and results keyed the same way. The input type
 * is what every part accepts (the intersection of their inputs).
 */
import type { Aggregator } from './aggregator.ts';

/** Any aggregator, for constraints (never / unknown keep it free of `any`). */
export type SomeAggregator = Aggregator<never, unknown, unknown>;

type InputOf<A> = A extends Aggregator<infer In, infer _Acc, infer _Out> ? In : never;
type AccOf<A> = A extends Aggregator<infer _In, infer Acc, infer _Out> ? Acc : never;
type OutOf<A> = A extends Aggregator<infer _In, infer _Acc, infer Out> ? Out : never;
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** The input a spec accepts: every part's input at once. */
export type CombinedInput<S> = Intersection<{ [K in keyof S]: InputOf<S[K]> }[keyof S]>;
/** One accumulator per name of the spec. */
export type CombinedAcc<S> = { readonly [K in keyof S]: AccOf<S[K]> };
/** One result per name of the spec. */
export type CombinedResult<S> = { [K in keyof S]: OutOf<S[K]> };

/** An untyped view of a part, for the implementation only. */
type Part = Aggregator<unknown, unknown, unknown>;

/** Several aggregators over one input, as one; results keyed like the spec. */
export function combine<S extends Record<string, SomeAggregator>>(
  spec: S,
): Aggregator<CombinedInput<S>, CombinedAcc<S>, CombinedResult<S>> {
  const parts = Object.entries(spec).map(([name, part]): [string, Part] => [name, part as unknown as Part]);
  const build = (f: (name: string, part: Part) => unknown) =>
    Object.fromEntries(parts.map(([name, part]) => [name, f(name, part)]));
  const field = (acc: unknown, name: string): unknown => (acc as Record<string, unknown>)[name];
  return Object.freeze({
    kind: 'combine',
    initialize: () => build((_, part) => part.initialize()) as CombinedAcc<S>,
    add: (acc: CombinedAcc<S>, value: CombinedInput<S>) =>
      build((name, part) => part.add(field(acc, name), value)) as CombinedAcc<S>,
    merge: (a: CombinedAcc<S>, b: CombinedAcc<S>) =>
      build((name, part) => part.merge(field(a, name), field(b, name))) as CombinedAcc<S>,
    result: (acc: CombinedAcc<S>) =>
      build((name, part) => part.result(field(acc, name))) as CombinedResult<S>,
  });
}
