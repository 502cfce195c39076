/**
 * Event-time semantics end to end on the TestDriver: any arrival order whose disorder stays within the
 * allowed out-of-orderness gives exactly the final window results of the in-order input.
 */
import { describe, expect, it } from 'vitest';
import { combine, count, max, quantiles, sum } from '../../../engine/aggregate/index.ts';
import { TestDriver } from '../../../engine/testing/test-driver.ts';
import { defineTopology } from '../../../engine/topology/builder.ts';
import { json } from '../../../engine/topology/codecs.ts';
import { kafkaSink } from '../../../engine/topology/sinks.ts';
import {
  SessionWindows,
  TimeWindows,
  type FixedWindows,
  type SessionWindowsSpec,
} from '../../../engine/windows/index.ts';
import { seededRandom } from '../../support/random.ts';

interface Sample {
  key: string;
  t: number;
  v: number;
}
const OUT_OF_ORDERNESS_MS = 500;

function topology(windows: FixedWindows | SessionWindowsSpec) {
  return defineTopology('shuffle', (t) => {
    t.stream('samples', {
      topic: 'samples',
      codec: json((v): v is Sample => typeof v === 'object' && v !== null),
      timestampOf: (s) => s.t,
      maxOutOfOrdernessMs: OUT_OF_ORDERNESS_MS,
    })
      .selectKey((s) => s.key)
      .window(windows)
      .aggregate(
        'agg',
        combine({
          n: count<Sample>(),
          total: sum((s: Sample) => s.v),
          top: max((s: Sample) => s.v),
          q: quantiles((s: Sample) => s.v, { quantiles: [0.5, 0.99] }),
        }),
      )
      .final()
      .to(kafkaSink({ topic: 'out', codec: { kind: 'json' } }));
  });
}

function samples(random: () => number): Sample[] {
  const list: Sample[] = [];
  let t = 1_000;
  for (let i = 0; i < 600; i += 1) {
    t += Math.floor(random() * 40) + (random() < 0.02 ? 3_000 : 0); // occasional gaps split sessions
    list.push({ key: `k${Math.floor(random() * 4)}`, t, v: Math.round(random() * 1000) });
  }
  return list;
}

/** Moves each sample later in the arrival order by at most `OUT_OF_ORDERNESS_MS` of event time. */
function boundedShuffle(list: readonly Sample[], random: () => number): Sample[] {
  const keyed = list.map((s) => ({ s, arrival: s.t + random() * OUT_OF_ORDERNESS_MS }));
  keyed.sort((a, b) => a.arrival - b.arrival);
  return keyed.map((k) => k.s);
}

function finalResults(windows: FixedWindows | SessionWindowsSpec, input: readonly Sample[]): string[] {
  const driver = new TestDriver(topology(windows));
  for (const s of input) driver.pipe('samples', s, { key: s.key });
  driver.advanceWatermark('samples', Number.MAX_SAFE_INTEGER);
  expect(driver.lateRecords()).toEqual([]);
  return driver
    .output('out')
    .map((r) => JSON.stringify(r.value))
    .sort();
}

describe.each([
  ['tumbling', TimeWindows.ofSizeAndGrace(1_000, 0)],
  ['hopping', TimeWindows.ofSizeAndGrace(1_000, 0).advanceBy(250)],
  ['session', SessionWindows.withGapAndGrace(200, 0)],
] as const)('%s windows', (_name, windows) => {
  it('give the same final results for in-order input and seeded bounded shuffles', () => {
    for (let round = 0; round < 20; round += 1) {
      const seed = 1_000 + round * 7919;
      const random = seededRandom(seed);
      const input = samples(random);
      const shuffled = boundedShuffle(input, random);
      try {
        expect(finalResults(windows, shuffled)).toEqual(finalResults(windows, input));
      } catch (error) {
        console.error(`Reproduce with seed: ${seed}`);
        throw error;
      }
    }
  });
});
