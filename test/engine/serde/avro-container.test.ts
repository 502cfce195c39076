import { Readable } from 'node:stream';
import avsc from 'avsc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { avroContainerOf, encodeAvroLong } from '../../../engine/serde/avro-container.ts';

const schema = {
  type: 'record',
  name: 'Reading',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'value', type: 'double' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
  ],
} as const;
const type = avsc.Type.forSchema(schema as unknown as avsc.Schema);

/** Reads an object container back with avsc's own decoder. */
async function readContainer(bytes: Buffer): Promise<unknown[]> {
  const values: unknown[] = [];
  const decoder = new avsc.streams.BlockDecoder();
  decoder.on('data', (value: unknown) => values.push(value));
  await new Promise<void>((resolve, reject) => {
    decoder.on('end', resolve);
    decoder.on('error', reject);
    Readable.from([bytes]).pipe(decoder);
  });
  return values;
}

describe('avroContainerOf', () => {
  it('holds the datums as they were encoded, readable by another Avro implementation', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            id: fc.string(),
            value: fc.double({ noNaN: true }),
            tags: fc.array(fc.string(), { maxLength: 3 }),
          }),
          { maxLength: 40 },
        ),
        async (values) => {
          const bytes = avroContainerOf(
            JSON.stringify(schema),
            values.length,
            Buffer.concat(values.map((v) => type.toBuffer(v))),
          );
          const read = await readContainer(bytes);
          expect(read.map((v) => type.toBuffer(v))).toEqual(values.map((v) => type.toBuffer(v)));
        },
      ),
      { seed: 20261124, numRuns: 50 },
    );
  });

  it('encodes Avro longs as zig-zag varints, beyond 32 bits too', () => {
    const long = avsc.Type.forSchema('long');
    for (const n of [0, -1, 1, 63, -64, 64, 300, -300, 2 ** 31, -(2 ** 31) - 1, 2 ** 40 + 7, -(2 ** 45)])
      expect(encodeAvroLong(n)).toEqual(long.toBuffer(n));
  });
});
