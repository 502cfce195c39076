/**
 * The kafkajs fast paths give byte for byte what kafkajs 2.2.4's own code gives, and kafkajs' own errors
 * where they leave the fast path.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  fastPathsFor,
  installKafkajsFastPaths,
  kafkajsOriginals,
  type BatchContext,
  type KafkajsDecoder,
  type KafkajsOriginals,
  type RecordInput,
} from '../../../engine/clients/kafkajs-fast-paths.ts';
import { seededRandom, testSeed } from '../../support/random.ts';

const require = createRequire(import.meta.url);
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => KafkajsDecoder;
const Long = require('kafkajs/src/utils/long.js') as { fromValue(value: unknown): unknown };
const LOG_APPEND_TIME = 1;

const state = installKafkajsFastPaths();
const originals = kafkajsOriginals() as KafkajsOriginals;
const fast = fastPathsFor(originals, LOG_APPEND_TIME);

function randomText(random: () => number, maxLength: number): string {
  const alphabet = ['a', 'Z', '7', '/', 'é', '€', '𝄞', ' '];
  let out = '';
  const length = Math.floor(random() * maxLength);
  for (let i = 0; i < length; i += 1) out += alphabet[Math.floor(random() * alphabet.length)] ?? '';
  return out;
}

function randomBytes(random: () => number, maxLength: number): Buffer {
  return Buffer.from(
    Array.from({ length: Math.floor(random() * maxLength) }, () => Math.floor(random() * 256)),
  );
}

function randomKeyOrValue(random: () => number): string | Buffer | null | undefined {
  const r = random();
  if (r < 0.15) return null;
  if (r < 0.2) return undefined;
  if (r < 0.5) return randomText(random, 40);
  return randomBytes(random, r < 0.95 ? 300 : 3000);
}

function randomHeaders(random: () => number): Record<string, unknown> | undefined {
  const r = random();
  if (r < 0.3) return undefined;
  if (r < 0.4) return {};
  const headers: Record<string, unknown> = {};
  const count = 1 + Math.floor(random() * 3);
  for (let i = 0; i < count; i += 1) {
    const name = random() < 0.2 ? 'stadion.end-offset' : randomText(random, 12);
    headers[name] =
      random() < 0.3
        ? [randomText(random, 8), randomBytes(random, 8)]
        : random() < 0.5
          ? randomText(random, 20)
          : randomBytes(random, 20);
  }
  return headers;
}

function randomTimestampDelta(random: () => number): number {
  const r = random();
  if (r < 0.3) return Math.floor(random() * 1000);
  if (r < 0.5) return -Math.floor(random() * 1000);
  if (r < 0.8) return Math.floor((random() - 0.5) * 2 ** 40);
  return Math.floor((random() - 0.5) * 2 ** 52);
}

function randomRecord(random: () => number): RecordInput {
  const record: RecordInput = {
    offsetDelta: Math.floor(random() * 200_000),
    timestampDelta: randomTimestampDelta(random),
    key: randomKeyOrValue(random),
    value: randomKeyOrValue(random),
  };
  const headers = randomHeaders(random);
  if (headers !== undefined) record.headers = headers;
  if (random() < 0.05) delete record.timestampDelta;
  if (random() < 0.05) delete record.offsetDelta;
  return record;
}

describe('kafkajs fast paths', () => {
  it('are installed: module replacements and the Encoder varint writers', () => {
    expect(state).toEqual({ modules: true, encoder: true });
    expect(require('kafkajs/src/producer/groupMessagesPerPartition.js')).not.toBe(
      originals.groupMessagesPerPartition,
    );
    expect(require('kafkajs/src/protocol/recordBatch/record/v0/index.js')).not.toBe(originals.encodeRecord);
    expect(require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js')).not.toBe(originals.decodeRecord);
  });

  it('encode records as kafkajs does, byte for byte', () => {
    const seed = testSeed('kafkajs record encoder');
    const random = seededRandom(seed);
    for (let n = 0; n < 3_000; n += 1) {
      const record = randomRecord(random);
      const expected = originals.encodeRecord(record).buffer;
      const actual = fast.encodeRecord(record);
      expect(actual.buffer.equals(expected), `seed ${seed}, record ${n}`).toBe(true);
      expect(actual.offset).toBe(expected.length);
      expect(Buffer.isBuffer(actual.buf)).toBe(true);
    }
  });

  it('leave to kafkajs what its fast path does not cover, errors included', () => {
    const huge = { offsetDelta: 3, timestampDelta: 2 ** 60, key: 'k', value: 'v' };
    expect(fast.encodeRecord(huge).buffer.equals(originals.encodeRecord(huge).buffer)).toBe(true);
    const asLong = { timestampDelta: Long.fromValue(-5), key: null, value: Buffer.from('x') };
    expect(fast.encodeRecord(asLong).buffer.equals(originals.encodeRecord(asLong).buffer)).toBe(true);
    for (const bad of [
      { key: 42, value: 'v' },
      { key: 'k', value: 'v', headers: { h: null } },
      { key: 'k', value: 'v', headers: null },
      { key: 'k', value: 'v', timestampDelta: null },
      { key: 'k', value: 'v', timestampDelta: 1.5 },
    ]) {
      expect(() => originals.encodeRecord(bad)).toThrow();
      expect(() => fast.encodeRecord(bad)).toThrow();
    }
  });

  it('decode records as kafkajs does', () => {
    const seed = testSeed('kafkajs record decoder');
    const random = seededRandom(seed);
    for (let batch = 0; batch < 60; batch += 1) {
      const records = Array.from({ length: 1 + Math.floor(random() * 40) }, () => randomRecord(random));
      const bytes = Buffer.concat(records.map((r) => originals.encodeRecord(r).buffer));
      const firstTimestamp = String(
        random() < 0.9 ? 1_790_000_000_000 + Math.floor(random() * 1e9) : Math.floor(random() * 2 ** 62),
      );
      const context: BatchContext = {
        firstOffset: String(random() < 0.9 ? Math.floor(random() * 1e9) : 2 ** 53 - 10),
        firstTimestamp,
        magicByte: 2,
        isControlBatch: random() < 0.1,
        timestampType: random() < 0.2 ? LOG_APPEND_TIME : 0,
        maxTimestamp: random() < 0.5 ? String(Number(firstTimestamp) + 5) : '',
      };
      // As kafkajs' batch decoder: each record's bytes (length-prefixed) in a decoder of their own.
      const outer = new Decoder(bytes);
      for (let i = 0; i < records.length; i += 1) {
        const recordBytes = outer.readVarIntBytes() as Buffer;
        const expectedDecoder = new Decoder(recordBytes);
        const actualDecoder = new Decoder(recordBytes);
        const expected = originals.decodeRecord(expectedDecoder, context);
        const actual = fast.decodeRecord(actualDecoder, context);
        expect(actual, `seed ${seed}, batch ${batch}, record ${i}`).toEqual(expected);
        expect(Object.keys(actual.headers)).toEqual(Object.keys(expected.headers));
        expect(actualDecoder.offset).toBe(expectedDecoder.offset);
      }
    }
  });

  it('decode a header named __proto__ and repeated headers as kafkajs does', () => {
    const record = { key: 'k', value: 'v', headers: { a: ['1', '2', '3'], ['__proto__']: 'p', b: 'x' } };
    const bytes = new Decoder(originals.encodeRecord(record).buffer).readVarIntBytes() as Buffer;
    const context: BatchContext = { firstOffset: '10', firstTimestamp: '1000', magicByte: 2 };
    const expected = originals.decodeRecord(new Decoder(bytes), context);
    const actual = fast.decodeRecord(new Decoder(bytes), context);
    expect(actual).toEqual(expected);
    expect(Object.getPrototypeOf(actual.headers)).toBe(Object.prototype);
    expect(Object.keys(actual.headers)).toEqual(Object.keys(expected.headers));
  });

  it('write varints as kafkajs does', () => {
    const seed = testSeed('kafkajs varints');
    const random = seededRandom(seed);
    const values: unknown[] = [
      0,
      1,
      -1,
      63,
      64,
      -64,
      -65,
      2 ** 31 - 1,
      -(2 ** 31),
      2 ** 52 - 1,
      -(2 ** 52) + 1,
    ];
    for (let i = 0; i < 2_000; i += 1) values.push(Math.floor((random() - 0.5) * 2 ** (1 + random() * 52)));
    values.push(2 ** 60, Long.fromValue('-9223372036854775808'), '12345');
    const { Encoder } = originals;
    for (const value of values) {
      const long = (encoder: InstanceType<typeof Encoder>) =>
        originals.writeVarLong.call(encoder, value).buffer;
      expect(
        new Encoder().writeVarLong(value).buffer.equals(long(new Encoder())),
        `seed ${seed}, ${String(value)}`,
      ).toBe(true);
      expect(Encoder.sizeOfVarLong(value)).toBe(originals.sizeOfVarLong(value));
      if (typeof value === 'number' && Math.abs(value) < 2 ** 31) {
        const int = value | 0;
        expect(
          new Encoder().writeVarInt(int).buffer.equals(originals.writeVarInt.call(new Encoder(), int).buffer),
        ).toBe(true);
        const unsigned = Math.abs(int);
        expect(
          new Encoder(1)
            .writeUVarInt(unsigned)
            .buffer.equals(originals.writeUVarInt.call(new Encoder(1), unsigned).buffer),
        ).toBe(true);
      }
    }
  });

  it('group messages per partition as kafkajs does, in linear time', () => {
    const seed = testSeed('kafkajs group');
    const random = seededRandom(seed);
    const partitionMetadata = [{ partitionId: 0 }, { partitionId: 1 }, { partitionId: 2 }];
    const messages = Array.from({ length: 5_000 }, (_, i) => ({
      key: `k${i}`,
      partition: Math.floor(random() * 7),
    }));
    const partitioner = ({ message }: { message: unknown }) => (message as { partition: number }).partition;
    const args = { topic: 't', partitionMetadata, messages, partitioner };
    const expected = originals.groupMessagesPerPartition(args);
    const actual = fast.groupMessagesPerPartition(args);
    expect(actual).toEqual(expected);
    expect(Object.keys(actual)).toEqual(Object.keys(expected));
    expect(fast.groupMessagesPerPartition({ ...args, partitionMetadata: [] })).toEqual({});
  });
});
