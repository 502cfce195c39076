import { describe, expect, it } from 'vitest';
import { bulkInsertStatement } from '../../../engine/runtime/bulk-load.ts';
import { clickhouseStructureOf } from '../../../engine/topology/bulk.ts';
import { defineTopology } from '../../../engine/topology/builder.ts';
import { avro, json } from '../../../engine/topology/codecs.ts';
import { kafkaSink } from '../../../engine/topology/sinks.ts';
import { trackingFrameSchema } from '../../../schemas/generated.ts';

describe('bulk loads', () => {
  it('maps an Avro schema to the structure ClickHouse reads it with', () => {
    expect(clickhouseStructureOf(trackingFrameSchema)).toBe(
      'sessionId String, frameNumber Int64, eventTimeMs Int64, athletes Array(Tuple(athleteId String, ' +
        'xM Float64, yM Float64, zM Float64, confidence Float32, ' +
        'keypoints Array(Tuple(xM Float32, yM Float32, zM Float32, confidence Float32))))',
    );
    expect(
      clickhouseStructureOf({
        type: 'record',
        name: 'R',
        fields: [
          { name: 'a', type: ['null', 'long'] },
          { name: 'b', type: { type: 'enum', name: 'E', symbols: ['X'] } },
          { name: 'c', type: 'E' },
          { name: 'd', type: { type: 'map', values: 'double' } },
        ],
      }),
    ).toBe('a Nullable(Int64), b String, c String, d Map(String, Float64)');
  });

  it('builds one INSERT ... SELECT from input(...) in the Avro format', () => {
    const graph = defineTopology('t', (t) => {
      t.bulkLoad('frames', {
        topic: 'frames',
        codec: avro(trackingFrameSchema),
        table: 'raw',
        select: 'SELECT sessionId FROM {input} WHERE frameNumber > 0',
      });
    });
    const spec = graph.sources[0]?.bulk;
    if (spec === undefined) throw new Error('no bulk spec');
    expect(bulkInsertStatement(spec)).toMatch(
      /^INSERT INTO raw SELECT sessionId FROM input\('sessionId String, .*\)'\) WHERE frameNumber > 0 FORMAT Avro$/,
    );
  });

  it('refuses a select that does not read {input}', () => {
    expect(() =>
      defineTopology('t', (t) => {
        t.bulkLoad('frames', {
          topic: 'f',
          codec: avro(trackingFrameSchema),
          table: 'raw',
          select: 'SELECT 1',
        });
      }),
    ).toThrow(/must read from \{input\}/);
  });

  it('loads a stream in bulk beside its processing, Avro only', () => {
    const graph = defineTopology('t', (t) => {
      t.stream('frames', {
        topic: 'frames',
        codec: avro(trackingFrameSchema),
        bulkLoad: { table: 'raw', select: 'SELECT sessionId FROM {input}' },
      }).to(kafkaSink({ topic: 'out', codec: { kind: 'json' } }));
    });
    const source = graph.sources[0];
    expect(source?.bulk?.name).toBe('raw');
    expect(source?.bulkOnly).toBeUndefined();
    expect(source?.children).toHaveLength(1);
    expect(() =>
      defineTopology('t', (t) => {
        t.stream('frames', {
          topic: 'f',
          codec: json((v): v is unknown => v !== undefined),
          bulkLoad: { table: 'raw', select: 'SELECT 1 FROM {input}' },
        });
      }),
    ).toThrow(/only Avro records/);
  });
});
