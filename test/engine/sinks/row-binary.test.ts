import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteWriter, rowBinaryEncoder, valueWriterOf } from '../../../engine/sinks/row-binary.ts';

const columns = (spec: Array<[string, string, string?]>) =>
  spec.map(([name, type, defaultKind]) => ({ name, type, defaultKind: defaultKind ?? '' }));

describe('RowBinaryWithDefaults', () => {
  it('writes a flag byte per column, then the value in ClickHouse binary layout', () => {
    const encoder = rowBinaryEncoder(
      columns([
        ['s', 'LowCardinality(String)'],
        ['n', 'UInt16'],
        ['t', "DateTime64(3, 'UTC')"],
        ['x', 'Nullable(Float32)'],
        ['tags', 'Array(String)'],
        ['m', 'UInt8', 'MATERIALIZED'],
      ]),
    );
    if (encoder === undefined) throw new Error('no encoder');
    expect(encoder.columns).toEqual(['s', 'n', 't', 'x', 'tags']);
    const bytes = encoder.encode([{ s: 'ab', n: 258, t: 1_000, x: null, tags: ['z'] }, { s: 'c' }]);
    const t = Buffer.alloc(8);
    t.writeBigInt64LE(1000n);
    expect(bytes).toEqual(
      Buffer.concat([
        Buffer.from([0, 2, 0x61, 0x62]), // s
        Buffer.from([0, 2, 1]), // n = 258
        Buffer.from([0]),
        t,
        Buffer.from([0, 1]), // x: a value follows, which is null
        Buffer.from([0, 1, 1, 0x7a]), // tags
        Buffer.from([0, 1, 0x63, 1, 1, 1, 1]), // second row: s = 'c', the rest default
      ]),
    );
  });

  it('scales DateTime64 to its precision and takes ISO strings', () => {
    const write = valueWriterOf('DateTime64(6)');
    expect(write).toBeDefined();
    const encoder = rowBinaryEncoder(columns([['t', 'DateTime64(6)']]));
    const bytes = encoder?.encode([{ t: '1970-01-01T00:00:01.5Z' }]);
    expect(bytes?.readBigInt64LE(1)).toBe(1_500_000n);
  });

  it('leaves tables with types it does not know to JSON', () => {
    expect(rowBinaryEncoder(columns([['a', 'Map(String, UInt8)']]))).toBeUndefined();
    expect(rowBinaryEncoder(columns([['a', "Enum8('a' = 1)"]]))).toBeUndefined();
  });

  it('names the column of a value it cannot encode, and stays usable', () => {
    const encoder = rowBinaryEncoder(
      columns([
        ['a', 'String'],
        ['n', 'UInt32'],
      ]),
    );
    expect(() => encoder?.encode([{ a: 'x', n: 'many' }])).toThrow(/column n/);
    expect(encoder?.encode([{ a: 'y', n: 1 }])).toEqual(Buffer.from([0, 1, 0x79, 0, 1, 0, 0, 0]));
  });

  it('writes 64-bit integers from numbers exactly as from bigints', () => {
    const int64 = valueWriterOf('Int64');
    const uint64 = valueWriterOf('UInt64');
    const time = valueWriterOf("DateTime64(3, 'UTC')");
    if (int64 === undefined || uint64 === undefined || time === undefined) throw new Error('no writer');
    const bytesOf = (write: NonNullable<typeof int64>, value: unknown): Buffer => {
      const out = new ByteWriter(4);
      write(out, value);
      return out.take();
    };
    const expected = (n: bigint, signed: boolean): Buffer => {
      const b = Buffer.alloc(8);
      if (signed) b.writeBigInt64LE(n);
      else b.writeBigUInt64LE(n);
      return b;
    };
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(bytesOf(int64, n)).toEqual(expected(BigInt(n), true));
        expect(bytesOf(int64, String(n))).toEqual(expected(BigInt(n), true));
        expect(bytesOf(time, n)).toEqual(expected(BigInt(n), true));
        if (n >= 0) expect(bytesOf(uint64, n)).toEqual(expected(BigInt(n), false));
        else expect(() => bytesOf(uint64, n)).toThrow(/whole number/);
      }),
      { seed: 20261124, numRuns: 2000 },
    );
    expect(bytesOf(uint64, 2n ** 64n - 1n)).toEqual(expected(2n ** 64n - 1n, false));
    expect(bytesOf(int64, '-9223372036854775808')).toEqual(expected(-(2n ** 63n), true));
    expect(bytesOf(int64, 2 ** 60)).toEqual(expected(2n ** 60n, true));
  });

  it('encodes row by row into a writer, leaving it as it was when a row fails', () => {
    const encoder = rowBinaryEncoder(
      columns([
        ['a', 'String'],
        ['n', 'UInt32'],
      ]),
    );
    if (encoder === undefined) throw new Error('no encoder');
    const out = new ByteWriter(2);
    encoder.encodeRow(out, { a: 'x', n: 1 });
    expect(() => {
      encoder.encodeRow(out, { a: 'long enough to grow the buffer', n: -1 });
    }).toThrow(/column n/);
    encoder.encodeRow(out, { a: 'y', n: 2 });
    expect(out.take()).toEqual(
      encoder.encode([
        { a: 'x', n: 1 },
        { a: 'y', n: 2 },
      ]),
    );
  });
});
