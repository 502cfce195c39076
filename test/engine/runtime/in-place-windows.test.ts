/**
 * Window accumulators added to in place (an aggregator's optional `inPlace` path): results equal the
 * pure path's, across restarts, and what went to the changelog is never changed afterwards, not even
 * through a restored state.
 */
import { describe, expect, it } from 'vitest';
import type { Aggregator } from '../../../engine/aggregate/index.ts';
import { TestDriver } from '../../../engine/testing/test-driver.ts';
import { defineTopology, type WindowResult } from '../../../engine/topology/builder.ts';
import { kafkaSink } from '../../../engine/topology/sinks.ts';
import { keyedSamples } from './keyed-samples.ts';
import { TimeWindows } from '../../../engine/windows/index.ts';

interface Sample {
  key: string;
  t: number;
  v: number;
}
type Acc = readonly number[];

const pure: Aggregator<Sample, Acc, string> = {
  kind: 'values',
  initialize: () => [],
  add: (acc, s) => [...acc, s.v],
  merge: (a, b) => [...a, ...b],
  result: (acc) => acc.join(','),
};
const withInPlace: Aggregator<Sample, Acc, string> = {
  ...pure,
  inPlace: {
    copy: (acc) => acc.slice(),
    add: (acc, s) => {
      (acc as number[]).push(s.v);
      return acc;
    },
  },
};

function topology(aggregator: Aggregator<Sample, Acc, string>) {
  return defineTopology('in-place', (t) => {
    keyedSamples<Sample>(t)
      .window(TimeWindows.ofSizeAndGrace(10_000, 0))
      .aggregate('values', aggregator)
      .final()
      .to(kafkaSink({ topic: 'out', codec: { kind: 'json' } }));
  });
}

const samples: Sample[] = [];
for (let t = 0; t < 60_000; t += 1_000) {
  samples.push({ key: 'a', t, v: t / 1000 });
  samples.push({ key: 'b', t: t + 500, v: -t / 1000 });
}

function run(aggregator: Aggregator<Sample, Acc, string>, restartEvery: number) {
  const driver = new TestDriver(topology(aggregator));
  const logged: string[] = [];
  samples.forEach((s, i) => {
    driver.pipe('samples', s, { key: s.key });
    if (i % restartEvery === restartEvery - 1) {
      driver.restart();
      // Everything logged so far, as it was logged: later adds must not change it.
      logged.push(JSON.stringify(driver.changelog('values')));
    }
  });
  driver.advanceWatermark('samples', Number.MAX_SAFE_INTEGER);
  const results = driver
    .output<WindowResult<string>>('out')
    .map((r) => `${String(r.value.key)}@${r.value.windowStartMs}:${r.value.value}`);
  return { results, logged, finalLog: JSON.stringify(driver.changelog('values')) };
}

describe('windows with an in-place aggregator', () => {
  it('give the results of the pure path, with restarts mid-window', () => {
    const reference = run(pure, Number.MAX_SAFE_INTEGER).results;
    expect(reference.length).toBe(12);
    for (const every of [3, 7, 13]) expect(run(withInPlace, every).results).toEqual(reference);
  });

  it('never change a changelog entry after it was written, through a restored state either', () => {
    const { logged, finalLog } = run(withInPlace, 5);
    const final = JSON.parse(finalLog) as unknown[];
    for (const snapshot of logged) {
      const earlier = JSON.parse(snapshot) as unknown[];
      expect(final.slice(0, earlier.length)).toEqual(earlier);
    }
    expect(run(pure, 5).finalLog).toBe(finalLog);
  });
});
