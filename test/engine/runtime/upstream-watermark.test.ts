/**
 * A stream whose watermark comes from the topology that writes its topic (UpstreamWatermark): its
 * records' times do not move the watermark, only the runner's advances do, and idle partitions are
 * neither held back by it nor advance it.
 */
import { describe, expect, it } from 'vitest';
import { count } from '../../../engine/aggregate/index.ts';
import { idleAdvances } from '../../../engine/runtime/idle.ts';
import { Task } from '../../../engine/runtime/task.ts';
import { TestDriver } from '../../../engine/testing/test-driver.ts';
import { defineTopology } from '../../../engine/topology/builder.ts';
import { json } from '../../../engine/topology/codecs.ts';
import { kafkaSink } from '../../../engine/topology/sinks.ts';
import { TimeWindows } from '../../../engine/windows/index.ts';

interface Event {
  key: string;
  t: number;
}
const event = json((v): v is Event => typeof v === 'object' && v !== null);

const topology = defineTopology('upstream', (t) => {
  t.stream('derived', {
    topic: 'derived',
    codec: event,
    timestampOf: (e) => e.t,
    watermarkFrom: { topology: 'producer', topic: 'input', holdBackMs: 250 },
  })
    .selectKey((e) => e.key)
    .window(TimeWindows.ofSizeAndGrace(10_000, 0))
    .aggregate('counts', count<Event>())
    .final()
    .to(kafkaSink({ topic: 'out', codec: { kind: 'json' } }));
  t.stream('own', { topic: 'own', codec: event, timestampOf: (e) => e.t });
});

describe('upstream watermark', () => {
  it('closes windows only when the watermark is advanced, not by the records’ times', () => {
    const driver = new TestDriver(topology);
    driver.pipe('derived', { key: 'a', t: 1_000 });
    driver.pipe('derived', { key: 'a', t: 25_000 });
    expect(driver.output('out')).toEqual([]);
    driver.advanceWatermark('derived', 10_000);
    expect(driver.output('out').map((r) => r.value)).toEqual([
      { key: 'a', windowStartMs: 0, windowEndMs: 10_000, value: 1 },
    ]);
  });

  it('is left out of idle advances, both as an idle task and as an active one', () => {
    const derivedSource = topology.sources.find((s) => s.name === 'derived');
    const ownSource = topology.sources.find((s) => s.name === 'own');
    if (derivedSource === undefined || ownSource === undefined) throw new Error('sources missing');
    expect(derivedSource.watermarkFrom).toEqual({ topology: 'producer', topic: 'input', holdBackMs: 250 });
    const tables = { get: () => undefined };
    const derived = new Task(derivedSource, 0, tables);
    const own = new Task(ownSource, 0, tables);
    derived.advanceWatermark(500_000);
    own.advanceWatermark(100_000);
    // `own` idle, `derived` active far ahead: `own` is not moved up to it.
    const now = 1_000_000;
    const activity = new Map([
      [derived.id, now],
      [own.id, 0],
    ]);
    expect(idleAdvances([derived, own], activity, now)).toEqual([]);
    // `derived` idle behind an active task: not moved either.
    const other = new Task(ownSource, 1, tables);
    other.advanceWatermark(900_000);
    activity.set(derived.id, 0).set(other.id, now);
    expect(idleAdvances([derived, other], activity, now)).toEqual([]);
  });

  it('rejects a negative hold-back', () => {
    expect(() =>
      defineTopology('bad', (t) => {
        t.stream('derived', {
          topic: 'derived',
          codec: event,
          watermarkFrom: { topology: 'g', topic: 'input', holdBackMs: -1 },
        });
      }),
    ).toThrow(/holdBackMs/);
  });
});
