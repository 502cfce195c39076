/** Every operator on the TestDriver, which runs the same Task code as the Kafka runner. */
import { describe, expect, it } from 'vitest';
import { combine, count, max, sum } from '../../../engine/aggregate/index.ts';
import { TestDriver } from '../../../engine/testing/test-driver.ts';
import { defineTopology, type WindowResult } from '../../../engine/topology/builder.ts';
import { avro, json, jsonMatching, type AvroSchemaDefinition } from '../../../engine/topology/codecs.ts';
import { clickhouseSink, kafkaSink } from '../../../engine/topology/sinks.ts';
import {
  SessionWindows,
  TimeWindows,
  type FixedWindows,
  type SessionWindowsSpec,
} from '../../../engine/windows/index.ts';

interface Reading {
  sensor: string;
  t: number;
  v: number;
}

const isReading = (value: unknown): value is Reading =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Reading).sensor === 'string' &&
  typeof (value as Reading).t === 'number' &&
  typeof (value as Reading).v === 'number';

const memory = <V>(name: string) => kafkaSink<V>({ topic: name, codec: { kind: 'json' } });

function readings(options: { ooo?: number; idle?: number } = {}) {
  return (t: Parameters<Parameters<typeof defineTopology>[1]>[0]) =>
    t.stream('readings', {
      topic: 'readings',
      codec: json(isReading),
      timestampOf: (r) => r.t,
      maxOutOfOrdernessMs: options.ooo ?? 0,
      idleTimeoutMs: options.idle ?? 60_000,
    });
}

describe('stateless operators', () => {
  it('map, filter, flatMap, selectKey and branch', () => {
    const graph = defineTopology('stateless', (t) => {
      const parts = readings()(t)
        .filter((r) => r.v >= 0)
        .map((r) => ({ ...r, v: r.v * 2 }))
        .flatMap((r) => [r, { ...r, sensor: `${r.sensor}-copy` }])
        .selectKey((r) => r.sensor)
        .branch({ copies: (r) => r.sensor.endsWith('-copy'), big: (r) => r.v > 10 });
      parts.copies.to(memory('copies'));
      parts.big.to(memory('big'));
      parts.other.to(memory('small'));
    });
    const driver = new TestDriver(graph);
    driver.pipe('readings', { sensor: 'a', t: 1, v: 3 });
    driver.pipe('readings', { sensor: 'b', t: 2, v: -1 });
    driver.pipe('readings', { sensor: 'c', t: 3, v: 9 });
    expect(driver.output<Reading>('copies').map((r) => [r.key, r.value.v])).toEqual([
      ['a-copy', 6],
      ['c-copy', 18],
    ]);
    expect(driver.output<Reading>('big').map((r) => r.key)).toEqual(['c']);
    expect(driver.output<Reading>('small').map((r) => [r.key, r.timestampMs])).toEqual([['a', 1]]);
  });

  it('joins with the latest table value, inner or left', () => {
    const graph = defineTopology('join', (t) => {
      const names = t.table('names', {
        topic: 'names',
        codec: json((v): v is { label: string } => typeof v === 'object'),
      });
      const stream = readings()(t);
      stream
        .join(names, (r, n) => `${r.sensor}:${n?.label ?? '?'}`, { keyOf: (r) => r.sensor })
        .to(memory('left'));
      stream
        .join(names, (r, n) => `${r.sensor}:${n?.label ?? '?'}`, { keyOf: (r) => r.sensor, inner: true })
        .to(memory('inner'));
    });
    const driver = new TestDriver(graph);
    driver.pipe('readings', { sensor: 'a', t: 1, v: 1 });
    driver.pipe('names', { label: 'Alpha' }, { key: 'a' });
    driver.pipe('readings', { sensor: 'a', t: 2, v: 1 });
    driver.pipe('names', { label: 'Alef' }, { key: 'a' });
    driver.pipe('readings', { sensor: 'a', t: 3, v: 1 });
    expect(driver.output('left').map((r) => r.value)).toEqual(['a:?', 'a:Alpha', 'a:Alef']);
    expect(driver.output('inner').map((r) => r.value)).toEqual(['a:Alpha', 'a:Alef']);
  });
});

describe('keyed state', () => {
  const graph = defineTopology('state', (t) => {
    readings()(t)
      .selectKey((r) => r.sensor)
      .process<{ total: number }, { sensor: string; total: number }>('totals', {
        init: () => ({ total: 0 }),
        process: (state, record, emit) => {
          const total = state.total + record.value.v;
          emit({ sensor: record.value.sensor, total });
          return total >= 100 ? undefined : { total };
        },
      })
      .to(memory('totals'));
  });

  it('keeps state per key and deletes it when the processor returns undefined', () => {
    const driver = new TestDriver(graph);
    for (const [sensor, v] of [
      ['a', 10],
      ['b', 1],
      ['a', 95],
      ['a', 5],
    ] as const)
      driver.pipe('readings', { sensor, t: 0, v });
    expect(driver.output<{ total: number }>('totals').map((r) => [r.key, r.value.total])).toEqual([
      ['a', 10],
      ['b', 1],
      ['a', 105],
      ['a', 5],
    ]);
  });

  it('restores state from the changelog after a restart', () => {
    const driver = new TestDriver(graph);
    driver.pipe('readings', { sensor: 'a', t: 0, v: 10 });
    driver.restart();
    expect(driver.changelog('totals')).toEqual([{ key: 'readings-0/"a"', value: { total: 10 } }]);
    driver.pipe('readings', { sensor: 'a', t: 1, v: 7 });
    expect(driver.output<{ total: number }>('totals').map((r) => r.value.total)).toEqual([10, 17]);
  });
});

describe('windows', () => {
  const windowed = (
    emit: 'final' | 'updates',
    windows: FixedWindows | SessionWindowsSpec = TimeWindows.ofSizeAndGrace(10, 5),
  ) =>
    defineTopology('windows', (t) => {
      const agg = readings()(t)
        .selectKey((r) => r.sensor)
        .window(windows)
        .onLate(memory<Reading>('late'))
        .aggregate(
          'w',
          combine({ n: count<Reading>(), total: sum((r: Reading) => r.v), top: max((r: Reading) => r.v) }),
        );
      (emit === 'final' ? agg.final() : agg.updates()).to(memory('out'));
    });
  type Out = WindowResult<{ n: number; total: number; top: number | null }>;
  const summary = (driver: TestDriver) =>
    driver
      .output<Out>('out')
      .map(
        (r) =>
          `${r.value.key}@${r.value.windowStartMs}-${r.value.windowEndMs}:${r.value.value.n}/${r.value.value.total}`,
      );

  it('emits tumbling windows once, when the watermark passes end + grace, and sends later records to the late sink', () => {
    const driver = new TestDriver(windowed('final'));
    driver.pipe('readings', { sensor: 'a', t: 1, v: 1 });
    driver.pipe('readings', { sensor: 'a', t: 9, v: 2 });
    driver.pipe('readings', { sensor: 'b', t: 12, v: 5 });
    driver.pipe('readings', { sensor: 'a', t: 3, v: 4 }); // out of order, within grace
    expect(summary(driver)).toEqual([]);
    driver.pipe('readings', { sensor: 'b', t: 15, v: 1 }); // watermark 15 = 10 + 5: [0,10) closes
    expect(summary(driver)).toEqual(['a@0-10:3/7']);
    driver.pipe('readings', { sensor: 'a', t: 2, v: 100 }); // late
    expect(driver.output<Reading>('late').map((r) => r.value.v)).toEqual([100]);
    expect(driver.lateRecords()).toHaveLength(1);
    driver.advanceWatermark('readings', 25);
    expect(summary(driver)).toEqual(['a@0-10:3/7', 'b@10-20:2/6']);
  });

  it('emits every update in updates mode', () => {
    const driver = new TestDriver(windowed('updates'));
    driver.pipe('readings', { sensor: 'a', t: 1, v: 1 });
    driver.pipe('readings', { sensor: 'a', t: 2, v: 2 });
    expect(summary(driver)).toEqual(['a@0-10:1/1', 'a@0-10:2/3']);
  });

  it('puts a record in every hopping window that contains it', () => {
    const driver = new TestDriver(windowed('final', TimeWindows.ofSizeAndGrace(10, 0).advanceBy(5)));
    driver.pipe('readings', { sensor: 'a', t: 7, v: 1 });
    driver.advanceWatermark('readings', 100);
    expect(summary(driver)).toEqual(['a@0-10:1/1', 'a@5-15:1/1']);
  });

  it('merges session windows that a record bridges', () => {
    const driver = new TestDriver(windowed('final', SessionWindows.withGapAndGrace(5, 100)));
    driver.pipe('readings', { sensor: 'a', t: 0, v: 1 });
    driver.pipe('readings', { sensor: 'a', t: 10, v: 2 }); // a second session: 10 - 0 > gap
    driver.pipe('readings', { sensor: 'a', t: 5, v: 4 }); // within the gap of both: one session
    driver.pipe('readings', { sensor: 'a', t: 30, v: 8 });
    driver.advanceWatermark('readings', 1_000);
    expect(summary(driver)).toEqual(['a@0-11:3/7', 'a@30-31:1/8']);
  });

  it('lets an idle partition stop holding windows open', () => {
    const graph = defineTopology('idle', (t) => {
      readings({ idle: 1_000 })(t)
        .selectKey((r) => r.sensor)
        .window(TimeWindows.ofSizeAndGrace(10, 0))
        .aggregate('w', count<Reading>())
        .final()
        .to(memory('out'));
    });
    const driver = new TestDriver(graph, { partitions: { readings: 2 } });
    driver.pipe('readings', { sensor: 'quiet', t: 1, v: 0 }, { partition: 0 });
    driver.pipe('readings', { sensor: 'busy', t: 50, v: 0 }, { partition: 1 });
    expect(driver.output('out')).toEqual([]); // partition 0's watermark is still 1
    driver.advanceWallClock(500);
    driver.pipe('readings', { sensor: 'busy', t: 60, v: 0 }, { partition: 1 });
    driver.advanceWallClock(600); // partition 0 idle for 1,100 ms; partition 1 active 600 ms ago
    expect(driver.output<WindowResult<number>>('out').map((r) => r.value.key)).toEqual(['busy', 'quiet']);
    expect(driver.watermarkMs('readings', 0)).toBe(60);
  });

  it('restores open windows from the changelog and completes them after a restart', () => {
    const driver = new TestDriver(windowed('final'));
    driver.pipe('readings', { sensor: 'a', t: 1, v: 1 });
    driver.restart();
    driver.pipe('readings', { sensor: 'a', t: 2, v: 2 });
    driver.advanceWatermark('readings', 100);
    expect(summary(driver)).toEqual(['a@0-10:2/3']);
  });
});

describe('bad records', () => {
  const schema: AvroSchemaDefinition = {
    type: 'record',
    name: 'R',
    fields: [
      { name: 'sensor', type: 'string' },
      { name: 't', type: 'long' },
      { name: 'v', type: 'double' },
    ],
  };
  const graph = defineTopology('bad', (t) => {
    t.stream('readings', {
      topic: 'readings',
      codec: avro<Reading>(schema, (r) => (r.v >= 0 ? { ok: true } : { ok: false, reason: 'negative' })),
      timestampOf: (r) => r.t,
    })
      .map((r) => {
        if (r.sensor === 'boom') throw new Error('exploded');
        return r;
      })
      .to(clickhouseSink({ table: 'r', toRow: (r) => ({ sensor: r.sensor }) }));
  });

  it('dead-letters undecodable bytes, unknown schema ids, mismatched schemas, failed validation and throwing functions', async () => {
    const driver = new TestDriver(graph);
    const id = driver.registerSchema(schema);
    const otherId = driver.registerSchema({
      type: 'record',
      name: 'R',
      fields: [{ name: 'sensor', type: 'int' }],
    });
    await driver.pipeBytes('readings', driver.avroBytes(id, { sensor: 'ok', t: 1, v: 1 }));
    await driver.pipeBytes('readings', Buffer.from('random bytes'));
    await driver.pipeBytes('readings', Buffer.from([0, 0, 0, 0, 99, 1, 2]));
    await driver.pipeBytes('readings', driver.avroBytes(otherId, { sensor: 3 }));
    await driver.pipeBytes('readings', driver.avroBytes(id, { sensor: 'neg', t: 1, v: -1 }));
    await driver.pipeBytes('readings', driver.avroBytes(id, { sensor: 'boom', t: 1, v: 1 }));
    await driver.pipeBytes('readings', driver.avroBytes(id, { sensor: 'ok2', t: 2, v: 1 }));
    expect(driver.rows('r')).toEqual([{ sensor: 'ok' }, { sensor: 'ok2' }]);
    expect(driver.deadLetters().map((d) => [d.offset, d.code])).toEqual([
      [1, 'UNDECODABLE'],
      [2, 'UNKNOWN_SCHEMA_ID'],
      [3, 'SCHEMA_MISMATCH'],
      [4, 'VALIDATION_FAILED'],
      [5, 'PROCESSING_FAILED'],
    ]);
  });

  it('skips without dead letters, or fails, by policy', async () => {
    const skipping = new TestDriver(graph, { badRecordPolicy: 'skip' });
    await skipping.pipeBytes('readings', Buffer.from('x'));
    expect(skipping.deadLetters()).toEqual([]);
    const failing = new TestDriver(graph, { badRecordPolicy: 'fail' });
    await expect(failing.pipeBytes('readings', Buffer.from('x'))).rejects.toThrow(/UNDECODABLE/);
  });
});

describe('JSON sources validated against an Avro schema', () => {
  it('accepts matching JSON and dead-letters the rest with the offending paths', async () => {
    const schema: AvroSchemaDefinition = {
      type: 'record',
      name: 'Probe',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'level', type: { type: 'enum', name: 'Level', symbols: ['LOW', 'HIGH'] } },
        { name: 'note', type: ['null', 'string'], default: null },
      ],
    };
    const graph = defineTopology('json-schema', (t) => {
      t.stream('probes', { topic: 'probes', codec: jsonMatching<{ id: string }>(schema) }).to(memory('ok'));
    });
    const driver = new TestDriver(graph);
    await driver.pipeBytes('probes', Buffer.from(JSON.stringify({ id: 'a', level: 'LOW', note: null })));
    await driver.pipeBytes('probes', Buffer.from(JSON.stringify({ id: 'b', level: 'MEDIUM', note: null })));
    await driver.pipeBytes('probes', Buffer.from('{"id":'));
    expect(driver.output<{ id: string }>('ok').map((r) => r.value.id)).toEqual(['a']);
    expect(driver.deadLetters().map((d) => [d.code, d.message])).toEqual([
      ['VALIDATION_FAILED', 'does not match Probe: level: "MEDIUM"'],
      ['UNDECODABLE', expect.stringContaining('not JSON') as string],
    ]);
  });
});
