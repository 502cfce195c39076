/**
 * Closed tumbling and hopping windows leave no tombstone in their changelog: a restore drops them by
 * the committed watermark, so none is emitted twice and none is lost.
 */
import { describe, expect, it } from 'vitest';
import { count } from '../../../engine/aggregate/index.ts';
import { storeKeyCloseMs } from '../../../engine/runtime/window-operator.ts';
import { TestDriver } from '../../../engine/testing/test-driver.ts';
import { defineTopology, type WindowResult } from '../../../engine/topology/builder.ts';
import { kafkaSink } from '../../../engine/topology/sinks.ts';
import { keyedSamples } from './keyed-samples.ts';
import { TimeWindows, type FixedWindows } from '../../../engine/windows/index.ts';

interface Sample {
  key: string;
  t: number;
}

function topology(windows: FixedWindows) {
  return defineTopology('expiry', (t) => {
    keyedSamples<Sample>(t)
      .window(windows)
      .aggregate('counts', count<Sample>())
      .final()
      .to(kafkaSink({ topic: 'out', codec: { kind: 'json' } }));
  });
}

const rows = (driver: TestDriver): string[] =>
  driver
    .output<WindowResult<number>>('out')
    .map((r) => `${String(r.value.key)}@${r.value.windowStartMs}:${r.value.value}`);

describe.each([
  ['tumbling', TimeWindows.ofSizeAndGrace(10_000, 1_000)],
  [
    'hopping (not sliced: the advance does not divide the size)',
    TimeWindows.ofSizeAndGrace(10_000, 1_000).advanceBy(4_000),
  ],
  ['sliced hopping', TimeWindows.ofSizeAndGrace(10_000, 1_000).advanceBy(5_000)],
] as const)('%s windows', (_name, windows) => {
  it('write no tombstone for a closed window, and a restart after the commit emits nothing twice', () => {
    const input: Sample[] = [];
    for (let t = 0; t < 60_000; t += 500) input.push({ key: t % 1000 === 0 ? 'a' : 'b', t });
    const reference = new TestDriver(topology(windows));
    for (const s of input) reference.pipe('samples', s, { key: s.key });
    reference.advanceWatermark('samples', Number.MAX_SAFE_INTEGER);

    const driver = new TestDriver(topology(windows));
    input.forEach((s, i) => {
      driver.pipe('samples', s, { key: s.key });
      if (i % 17 === 16) driver.restart(); // commits, then restores from the changelog
    });
    driver.advanceWatermark('samples', Number.MAX_SAFE_INTEGER);
    expect(rows(driver)).toEqual(rows(reference));
    expect(driver.changelog('counts').filter((e) => e.value === null)).toEqual([]);
    // An entry is the accumulator alone: key, start and end are in the store key.
    for (const entry of driver.changelog('counts')) {
      expect(entry.value).toEqual([expect.any(Number)]);
      expect(entry.key).toMatch(/^samples-0\/"[ab]"\|p?\d+$/);
    }
  });
});

describe('storeKeyCloseMs', () => {
  const windows = TimeWindows.ofSizeAndGrace(60_000, 250).advanceBy(10_000);
  it('reads the close time from a window or pane store key', () => {
    expect(storeKeyCloseMs(windows, '"a|b"|120000')).toBe(180_250);
    expect(storeKeyCloseMs(windows, '"a"|p120000')).toBe(180_250);
    expect(storeKeyCloseMs(windows, 'no window')).toBeUndefined();
    expect(storeKeyCloseMs(windows, '"a"|x')).toBeUndefined();
  });
});
