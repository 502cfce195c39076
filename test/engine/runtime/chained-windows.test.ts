/**
 * Windows fed by windows: a minute window aggregating 10 s window results must take the last 10 s
 * window too, although the watermark step that closes that one also reaches the minute window's close
 * (same grace). Tumbling and sliced hopping minute windows, a key present from the start and one that
 * starts mid-stream.
 */
import { describe, expect, it } from 'vitest';
import { count, sum } from '../../../engine/aggregate/index.ts';
import { TestDriver } from '../../../engine/testing/test-driver.ts';
import { defineTopology, type WindowResult } from '../../../engine/topology/builder.ts';
import { kafkaSink } from '../../../engine/topology/sinks.ts';
import { keyedSamples } from './keyed-samples.ts';
import { TimeWindows, type FixedWindows } from '../../../engine/windows/index.ts';

interface Sample {
  key: string;
  t: number;
}
const GRACE_MS = 500;

function topology(minutes: FixedWindows) {
  return defineTopology('chained', (t) => {
    keyedSamples<Sample>(t)
      .window(TimeWindows.ofSizeAndGrace(10_000, GRACE_MS))
      .aggregate('ten', count<Sample>())
      .final()
      .map((w) => w.value)
      .window(minutes)
      .aggregate(
        'minute',
        sum((n: number) => n),
      )
      .final()
      .to(kafkaSink({ topic: 'out', codec: { kind: 'json' } }));
  });
}

const samples: Sample[] = [];
for (let t = 0; t < 300_000; t += 1_000) {
  samples.push({ key: 'a', t });
  if (t >= 125_000) samples.push({ key: 'b', t: t + 500 });
}

function expected(minutes: FixedWindows): string[] {
  const rows: string[] = [];
  for (const key of ['a', 'b']) {
    const mine = samples.filter((s) => s.key === key);
    for (let start = 0; start < 300_000; start += minutes.advanceMs) {
      const n = mine.filter((s) => s.t >= start && s.t < start + minutes.sizeMs).length;
      if (n > 0) rows.push(`${key}@${start}:${n}`);
    }
  }
  return rows.sort();
}

describe.each([
  ['tumbling', TimeWindows.ofSizeAndGrace(60_000, GRACE_MS)],
  ['sliced hopping', TimeWindows.ofSizeAndGrace(60_000, GRACE_MS).advanceBy(10_000)],
] as const)('%s minute windows fed by 10 s windows', (_name, minutes) => {
  it('take every 10 s window, with the same grace, for a key present from the start or not', () => {
    const driver = new TestDriver(topology(minutes));
    for (const s of samples) driver.pipe('samples', s, { key: s.key });
    driver.advanceWatermark('samples', Number.MAX_SAFE_INTEGER);
    expect(driver.lateRecords()).toEqual([]);
    const got = driver
      .output<WindowResult<number>>('out')
      .map((r) => `${String(r.value.key)}@${r.value.windowStartMs}:${r.value.value}`)
      .sort();
    expect(got).toEqual(expected(minutes));
  });
});
