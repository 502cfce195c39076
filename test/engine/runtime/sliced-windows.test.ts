/**
 * Hopping windows emitted final are sliced into panes: the results must be exactly those of putting
 * each record in every open window containing it (checked against a direct computation, with
 * disorder, late records and restarts), while a record changes one stored value only.
 */
import { describe, expect, it } from 'vitest';
import { combine, count, max, min, sum } from '../../../engine/aggregate/index.ts';
import { TestDriver } from '../../../engine/testing/test-driver.ts';
import { defineTopology } from '../../../engine/topology/builder.ts';
import { json } from '../../../engine/topology/codecs.ts';
import { kafkaSink } from '../../../engine/topology/sinks.ts';
import { TimeWindows } from '../../../engine/windows/index.ts';
import { seededRandom, testSeed } from '../../support/random.ts';

interface Sample {
  key: string;
  t: number;
  v: number;
}
const SIZE_MS = 1_000;
const ADVANCE_MS = 250;
const GRACE_MS = 300;
const OUT_OF_ORDERNESS_MS = 200;

const topology = defineTopology('sliced', (t) => {
  t.stream('samples', {
    topic: 'samples',
    codec: json((v): v is Sample => typeof v === 'object' && v !== null),
    timestampOf: (s) => s.t,
    maxOutOfOrdernessMs: OUT_OF_ORDERNESS_MS,
  })
    .selectKey((s) => s.key)
    .window(TimeWindows.ofSizeAndGrace(SIZE_MS, GRACE_MS).advanceBy(ADVANCE_MS))
    .aggregate(
      'agg',
      combine({
        n: count<Sample>(),
        total: sum((s: Sample) => s.v),
        low: min((s: Sample) => s.v),
        high: max((s: Sample) => s.v),
      }),
    )
    .final()
    .to(kafkaSink({ topic: 'out', codec: { kind: 'json' } }));
});

/** Records in arrival order: mostly increasing times, some disorder, a few far too late, some gaps. */
function arrivals(random: () => number): Sample[] {
  const list: Sample[] = [];
  let t = 0;
  for (let i = 0; i < 800; i += 1) {
    t += Math.floor(random() * 30) + (random() < 0.01 ? 4_000 : 0);
    const jitter = Math.floor(random() * OUT_OF_ORDERNESS_MS * 2); // beyond the allowed disorder at times
    const late = random() < 0.01 ? 2_000 : 0;
    list.push({
      key: `k${Math.floor(random() * 3)}`,
      t: Math.max(0, t - jitter - late),
      v: Math.floor(random() * 1000),
    });
  }
  // At least one record far too late, whatever the seed drew (some seeds draw none).
  const newest = Math.max(...list.map((s) => s.t));
  list.push({ key: 'k0', t: Math.max(0, newest - 3_000), v: Math.floor(random() * 1000) });
  return list;
}

/** The windows by definition: each record goes to every window containing it that is still open. */
function expected(input: readonly Sample[]): { results: string[]; late: number } {
  const windows = new Map<string, { key: string; start: number; values: number[] }>();
  let maxT = Number.NEGATIVE_INFINITY;
  let late = 0;
  for (const s of input) {
    maxT = Math.max(maxT, s.t);
    const watermark = maxT - OUT_OF_ORDERNESS_MS;
    let accepted = false;
    const lowest = Math.max(0, s.t - SIZE_MS + 1);
    for (let start = Math.ceil(lowest / ADVANCE_MS) * ADVANCE_MS; start <= s.t; start += ADVANCE_MS) {
      if (watermark >= start + SIZE_MS + GRACE_MS) continue;
      accepted = true;
      const id = `${s.key}|${start}`;
      const w = windows.get(id) ?? { key: s.key, start, values: [] };
      w.values.push(s.v);
      windows.set(id, w);
    }
    if (!accepted) late += 1;
  }
  const results = [...windows.values()].map((w) =>
    summary(w.key, w.start, w.start + SIZE_MS, {
      n: w.values.length,
      total: w.values.reduce((a, b) => a + b, 0),
      low: Math.min(...w.values),
      high: Math.max(...w.values),
    }),
  );
  return { results: results.sort(), late };
}

function summary(key: string, start: number, end: number, v: Record<string, number>): string {
  return `${key}@${start}-${end}:${v['n']}/${v['total']}/${v['low']}/${v['high']}`;
}

function run(input: readonly Sample[], restartAt: ReadonlySet<number>): { results: string[]; late: number } {
  const driver = new TestDriver(topology);
  input.forEach((s, i) => {
    if (restartAt.has(i)) driver.restart();
    driver.pipe('samples', s, { key: s.key });
  });
  driver.advanceWatermark('samples', Number.MAX_SAFE_INTEGER);
  const results = driver
    .output<{ key: string; windowStartMs: number; windowEndMs: number; value: Record<string, number> }>('out')
    .map((r) => summary(r.value.key, r.value.windowStartMs, r.value.windowEndMs, r.value.value));
  return { results: results.sort(), late: driver.lateRecords().length };
}

describe('sliced hopping windows', () => {
  it('give exactly the windows of their definition, with disorder, late records and restarts', () => {
    const base = testSeed('sliced hopping windows');
    for (let round = 0; round < 10; round += 1) {
      const seed = base + round;
      try {
        const random = seededRandom(seed);
        const input = arrivals(random);
        const restarts = new Set([0, 0, 0].map(() => Math.floor(random() * input.length)));
        const truth = expected(input);
        expect(truth.late).toBeGreaterThan(0);
        expect(run(input, new Set())).toEqual(truth);
        expect(run(input, restarts)).toEqual(truth);
      } catch (error) {
        console.error(`Reproduce with seed: ${seed}`);
        throw error;
      }
    }
  });

  it('keep one stored value per key and pane, not one per window', () => {
    const driver = new TestDriver(topology);
    driver.pipe('samples', { key: 'a', t: 5_010, v: 1 }, { key: 'a' });
    driver.pipe('samples', { key: 'a', t: 5_020, v: 2 }, { key: 'a' });
    driver.commit();
    // The record lies in four windows; the store changed one pane.
    expect(driver.changelog('agg')).toHaveLength(1);
    driver.advanceWatermark('samples', 100_000);
    expect(driver.output('out')).toHaveLength(SIZE_MS / ADVANCE_MS);
    driver.commit();
    // Emitting the last window forgot the pane without a tombstone: a restore drops it by the
    // committed watermark, so no window comes out again.
    expect(driver.changelog('agg')).toHaveLength(1);
    driver.restart();
    driver.advanceWatermark('samples', 200_000);
    expect(driver.output('out')).toHaveLength(SIZE_MS / ADVANCE_MS);
  });
});
