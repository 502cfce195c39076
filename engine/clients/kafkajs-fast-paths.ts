/**
 * Faster versions of kafkajs 2.2.4's per-record protocol code, byte for byte the same output. kafkajs is
 * no longer released; its per-record paths cost the telemetry pipeline about a quarter of its time and
 * half of everything it allocated:
 *
 * - a produce groups its messages by partition copying the partition's list once per message, so a
 *   send of n messages to one partition costs n²/2 copies (kafkajs pull request #1576, never merged);
 * - each produced record gets two zero-filled 512-byte buffers (the record and its header), and every
 *   varint written allocates a Buffer from an array;
 * - each fetched record's timestamp and offset are computed with BigInt: a parse of the batch's first
 *   timestamp and offset, several BigInt operations per varint byte, two additions and two decimal
 *   conversions.
 *
 * How: three modules are replaced in Node's module cache before kafkajs loads them. The modules that
 * use them keep the function they got at load, so this only works when this module runs first:
 * bin/stadion.js and the test setup import it before anything else (a static import ahead of kafkajs'
 * in an ES module is not enough: Node may load the CommonJS kafkajs first). The varint writers of
 * kafkajs' Encoder class are replaced on its prototype, which works at any time. Anything outside the fast paths' range
 * (a 64-bit value beyond 2^52, a key or value that is neither a string nor a Buffer, a header without a
 * value) goes to kafkajs' own code, so errors and edge cases stay kafkajs'. Only kafkajs 2.2.4 is
 * patched. `STADION_KAFKAJS_FAST_PATHS=off` turns all of it off.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The kafkajs version whose internals this module knows. */
export const KAFKAJS_FAST_PATHS_VERSION = '2.2.4';

const MODULES = {
  group: 'kafkajs/src/producer/groupMessagesPerPartition.js',
  recordEncoder: 'kafkajs/src/protocol/recordBatch/record/v0/index.js',
  recordDecoder: 'kafkajs/src/protocol/recordBatch/record/v0/decoder.js',
  encoder: 'kafkajs/src/protocol/encoder.js',
  timestampTypes: 'kafkajs/src/protocol/timestampTypes.js',
} as const;

/** kafkajs' protocol Encoder, as far as used here. */
export interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
  writeVarInt(value: number): KafkajsEncoder;
  writeUVarInt(value: number): KafkajsEncoder;
  writeVarLong(value: unknown): KafkajsEncoder;
}

interface EncoderClass {
  new (initialSize?: number): KafkajsEncoder;
  prototype: KafkajsEncoder;
  sizeOfVarLong(value: unknown): number;
}

/** kafkajs' protocol Decoder, as far as used here. */
export interface KafkajsDecoder {
  buffer: Buffer;
  offset: number;
  readInt8(): number;
  readVarInt(): number;
  readVarIntString(): string | null;
  readVarIntBytes(): Buffer | null;
}

type HeaderValue = string | Buffer;

export interface RecordInput {
  offsetDelta?: number;
  timestampDelta?: unknown;
  key?: unknown;
  value?: unknown;
  headers?: unknown;
}

export interface BatchContext {
  firstOffset?: string;
  firstTimestamp?: string;
  magicByte?: number;
  isControlBatch?: boolean;
  timestampType?: number;
  maxTimestamp?: string;
}

export interface DecodedRecord {
  magicByte: number | undefined;
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, unknown>;
  isControlRecord: boolean;
  batchContext: BatchContext;
}

export interface GroupArgs {
  topic: string;
  partitionMetadata: readonly unknown[];
  messages: readonly unknown[];
  partitioner: (args: { topic: string; partitionMetadata: readonly unknown[]; message: unknown }) => number;
}

type RecordEncoderFn = (record: RecordInput) => KafkajsEncoder;
type RecordDecoderFn = (decoder: KafkajsDecoder, batchContext?: BatchContext) => DecodedRecord;
type GroupFn = (args: GroupArgs) => Record<string, unknown[]>;

/** What installing did. */
export interface FastPathsState {
  /** The module replacements are in place for kafkajs' producer and fetch decoding. */
  readonly modules: boolean;
  /** The Encoder prototype's varint writers are replaced. */
  readonly encoder: boolean;
  /** Why something is not in place. */
  readonly reason?: string;
}

/** kafkajs' own functions, kept for the parity tests and as the fallbacks. */
export interface KafkajsOriginals {
  readonly encodeRecord: RecordEncoderFn;
  readonly decodeRecord: RecordDecoderFn;
  readonly groupMessagesPerPartition: GroupFn;
  readonly writeUVarInt: (this: KafkajsEncoder, value: number) => KafkajsEncoder;
  readonly writeVarInt: (this: KafkajsEncoder, value: number) => KafkajsEncoder;
  readonly writeVarLong: (this: KafkajsEncoder, value: unknown) => KafkajsEncoder;
  readonly sizeOfVarLong: (value: unknown) => number;
  readonly Encoder: EncoderClass;
}

const TWO_52 = 2 ** 52;

function zigZag32(value: number): number {
  return (value << 1) ^ (value >> 31);
}

/** Bytes of a zig-zag varint of an int32 (kafkajs' Encoder.sizeOfVarInt). */
function sizeOfVarInt(value: number): number {
  let encoded = zigZag32(value);
  let bytes = 1;
  while ((encoded & 0xffffff80) !== 0) {
    bytes += 1;
    encoded >>>= 7;
  }
  return bytes;
}

/** A zig-zag 64-bit value from a safe integer below 2^52 in magnitude, as a non-negative number. */
function zigZag64(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

function sizeOfUnsignedVarLong(zigzagged: number): number {
  let z = zigzagged;
  let bytes = 1;
  while (z >= 128) {
    bytes += 1;
    z = Math.floor(z / 128);
  }
  return bytes;
}

function isSmallInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < TWO_52;
}

/** Writes an unsigned 32-bit varint at `at`; returns the end. */
function putUVarInt(buf: Buffer, at: number, value: number): number {
  let v = value;
  let i = at;
  while ((v & 0xffffff80) !== 0) {
    buf[i++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[i++] = v & 0x7f;
  return i;
}

/** Writes an unsigned varint of a non-negative number below 2^53; returns the end. */
function putUVarLong(buf: Buffer, at: number, value: number): number {
  let v = value;
  let i = at;
  while (v >= 128) {
    buf[i++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[i++] = v;
  return i;
}

/** Byte length of a key, value or header value: a string or Buffer; -1 for null; undefined otherwise. */
function byteLengthOf(value: unknown): number | undefined {
  if (value === null || value === undefined) return -1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (Buffer.isBuffer(value)) return value.length;
  return undefined;
}

/** Bytes of a varint-length-prefixed string or bytes of `length` bytes (-1: null). */
function sizeOfBytes(length: number): number {
  return length < 0 ? 1 : sizeOfVarInt(length) + length;
}

function putBytes(buf: Buffer, at: number, value: unknown, length: number): number {
  if (length < 0) return putUVarInt(buf, at, zigZag32(-1));
  const i = putUVarInt(buf, at, zigZag32(length));
  if (typeof value === 'string') buf.write(value, i, length, 'utf8');
  else (value as Buffer).copy(buf, i);
  return i + length;
}

/**
 * Records are carved from shared slabs instead of each getting a zero-filled buffer of its own; a slab
 * is never written twice, so a record's bytes stay valid as long as it is referenced.
 */
const SLAB_BYTES = 256 * 1024;
let slab = Buffer.allocUnsafe(SLAB_BYTES);
let slabUsed = 0;

function carve(length: number): Buffer {
  if (length > SLAB_BYTES / 4) return Buffer.allocUnsafe(length);
  if (slabUsed + length > SLAB_BYTES) {
    slab = Buffer.allocUnsafe(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + length);
  slabUsed += length;
  return out;
}

function makeFastEncodeRecord(original: RecordEncoderFn, Encoder: EncoderClass): RecordEncoderFn {
  return (record) => {
    // kafkajs' defaults apply to undefined only (a null timestamp delta or headers makes it throw).
    const offsetDelta = record.offsetDelta ?? 0;
    const timestampDelta = record.timestampDelta === undefined ? 0 : record.timestampDelta;
    const headers = record.headers === undefined ? {} : record.headers;
    const keyLength = byteLengthOf(record.key);
    const valueLength = byteLengthOf(record.value);
    if (
      headers === null ||
      typeof headers !== 'object' ||
      !isSmallInteger(timestampDelta) ||
      !Number.isInteger(offsetDelta) ||
      keyLength === undefined ||
      valueLength === undefined
    )
      return original(record);
    // Headers as kafkajs flattens them (an array value is one header per element), with their sizes.
    const headerKeys: string[] = [];
    const headerKeyLengths: number[] = [];
    const headerValues: HeaderValue[] = [];
    const headerLengths: number[] = [];
    let headersSize = 0;
    const named = headers as Record<string, unknown>;
    for (const name of Object.keys(named)) {
      const value = named[name];
      const keySize = Buffer.byteLength(name, 'utf8');
      for (const v of Array.isArray(value) ? (value as unknown[]) : [value]) {
        const length = byteLengthOf(v);
        if (length === undefined || length < 0) return original(record); // kafkajs throws on these
        headerKeys.push(name);
        headerKeyLengths.push(keySize);
        headerValues.push(v as HeaderValue);
        headerLengths.push(length);
        headersSize += sizeOfBytes(keySize) + sizeOfBytes(length);
      }
    }
    const zigzagTimestamp = zigZag64(timestampDelta);
    const sizeOfBody =
      1 +
      sizeOfUnsignedVarLong(zigzagTimestamp) +
      sizeOfVarInt(offsetDelta) +
      sizeOfBytes(keyLength) +
      sizeOfBytes(valueLength) +
      sizeOfVarInt(headerKeys.length) +
      headersSize;
    const total = sizeOfVarInt(sizeOfBody) + sizeOfBody;
    const buf = carve(total);
    let i = putUVarInt(buf, 0, zigZag32(sizeOfBody));
    buf[i++] = 0; // attributes
    i = putUVarLong(buf, i, zigzagTimestamp);
    i = putUVarInt(buf, i, zigZag32(offsetDelta));
    i = putBytes(buf, i, record.key, keyLength);
    i = putBytes(buf, i, record.value, valueLength);
    i = putUVarInt(buf, i, zigZag32(headerKeys.length));
    for (let h = 0; h < headerKeys.length; h += 1) {
      i = putBytes(buf, i, headerKeys[h], headerKeyLengths[h] as number);
      i = putBytes(buf, i, headerValues[h], headerLengths[h] as number);
    }
    // A real kafkajs Encoder (its methods and `buffer` getter), without its constructor's allocation.
    const encoder = Object.create(Encoder.prototype) as KafkajsEncoder;
    encoder.buf = buf;
    encoder.offset = i;
    return encoder;
  };
}

/** A zig-zag varlong read with numbers; undefined (nothing consumed) when it is 8 bytes or longer. */
function readSmallVarLong(decoder: KafkajsDecoder): number | undefined {
  const buf = decoder.buffer;
  let at = decoder.offset;
  let result = 0;
  let scale = 1;
  for (let n = 0; n < 7; n += 1) {
    const byte = buf[at++];
    if (byte === undefined) return undefined;
    result += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      decoder.offset = at;
      return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
    }
    scale *= 128;
  }
  return undefined;
}

function setHeader(headers: Record<string, unknown>, key: string, value: Buffer | null): void {
  const current = headers[key];
  const next =
    current === undefined ? value : Array.isArray(current) ? current.concat([value]) : [current, value];
  // Defined, not assigned: a header named __proto__ is a property, as in kafkajs' object spread.
  if (key === '__proto__')
    Object.defineProperty(headers, key, {
      value: next,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else headers[key] = next;
}

function makeFastDecodeRecord(original: RecordDecoderFn, logAppendTime: number): RecordDecoderFn {
  return (decoder, batchContext = {}) => {
    const start = decoder.offset;
    const {
      firstOffset,
      firstTimestamp,
      magicByte,
      isControlBatch = false,
      timestampType,
      maxTimestamp,
    } = batchContext;
    const first = Number(firstTimestamp);
    const firstAt = Number(firstOffset);
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(firstAt))
      return original(decoder, batchContext);
    const attributes = decoder.readInt8();
    const timestampDelta = readSmallVarLong(decoder);
    const offsetDelta = timestampDelta === undefined ? 0 : decoder.readVarInt();
    // Outside the numbers' exact range (or a varlong of 8 bytes or more): kafkajs decodes it.
    if (
      timestampDelta === undefined ||
      !Number.isSafeInteger(first + timestampDelta) ||
      !Number.isSafeInteger(firstAt + offsetDelta)
    ) {
      decoder.offset = start;
      return original(decoder, batchContext);
    }
    const timestamp =
      timestampType === logAppendTime && maxTimestamp ? maxTimestamp : String(first + timestampDelta);
    const offset = String(firstAt + offsetDelta);
    const key = decoder.readVarIntBytes();
    const value = decoder.readVarIntBytes();
    const headers: Record<string, unknown> = {};
    const count = decoder.readVarInt();
    for (let h = 0; h < count; h += 1) {
      const name = decoder.readVarIntString();
      const headerValue = decoder.readVarIntBytes();
      setHeader(headers, String(name), headerValue);
    }
    return {
      magicByte,
      attributes,
      timestamp,
      offset,
      key,
      value,
      headers,
      isControlRecord: isControlBatch,
      batchContext,
    };
  };
}

/** Linear where kafkajs' is quadratic; the same object (partitions in first-seen order, messages in order). */
function fastGroupMessagesPerPartition({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}: GroupArgs): Record<string, unknown[]> {
  if (partitionMetadata.length === 0) return {};
  const result: Record<string, unknown[]> = {};
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    const list = result[partition];
    if (list === undefined) result[partition] = [message];
    else list.push(message);
  }
  return result;
}

function fastWriteUVarInt(this: KafkajsEncoder, value: number): KafkajsEncoder {
  if (this.offset + 5 > this.buf.length)
    (this as unknown as { ensureAvailable(n: number): void }).ensureAvailable(5);
  this.offset = putUVarInt(this.buf, this.offset, value);
  return this;
}

function fastWriteVarInt(this: KafkajsEncoder, value: number): KafkajsEncoder {
  return fastWriteUVarInt.call(this, zigZag32(value));
}

function makeFastWriteVarLong(original: KafkajsOriginals['writeVarLong']) {
  return function writeVarLong(this: KafkajsEncoder, value: unknown): KafkajsEncoder {
    if (!isSmallInteger(value)) return original.call(this, value);
    if (this.offset + 8 > this.buf.length)
      (this as unknown as { ensureAvailable(n: number): void }).ensureAvailable(8);
    this.offset = putUVarLong(this.buf, this.offset, zigZag64(value));
    return this;
  };
}

function makeFastSizeOfVarLong(original: (value: unknown) => number) {
  return (value: unknown): number =>
    isSmallInteger(value) ? sizeOfUnsignedVarLong(zigZag64(value)) : original(value);
}

/**
 * What installing did, kept on the global object: Node's module cache outlives this module when a test
 * runner evaluates it again in the same process, and a second install would take the fast paths for
 * kafkajs' originals.
 */
const REGISTRY = Symbol.for('stadion.kafkajs-fast-paths');
interface Registry {
  state: FastPathsState;
  originals?: KafkajsOriginals;
}
const registry = globalThis as unknown as { [REGISTRY]?: Registry };

function replaceInCache(path: string, exports: unknown): void {
  const cached = require.cache[path];
  if (cached === undefined) throw new Error(`${path} is not loaded`);
  cached.exports = exports;
}

/**
 * Installs the fast paths (once; later calls return what the first did). Must run before kafkajs itself
 * is loaded for the module replacements to take effect.
 */
export function installKafkajsFastPaths(env: NodeJS.ProcessEnv = process.env): FastPathsState {
  const done = registry[REGISTRY];
  if (done !== undefined) return done.state;
  const installed = (state: FastPathsState, originals?: KafkajsOriginals): FastPathsState => {
    registry[REGISTRY] = originals === undefined ? { state } : { state, originals };
    return state;
  };
  if (env['STADION_KAFKAJS_FAST_PATHS'] === 'off')
    return installed({ modules: false, encoder: false, reason: 'STADION_KAFKAJS_FAST_PATHS=off' });
  const version = (require('kafkajs/package.json') as { version: string }).version;
  if (version !== KAFKAJS_FAST_PATHS_VERSION) {
    return installed({
      modules: false,
      encoder: false,
      reason: `kafkajs ${version}, not ${KAFKAJS_FAST_PATHS_VERSION}`,
    });
  }
  const kafkajsLoaded = require.cache[require.resolve('kafkajs')] !== undefined;
  const paths = Object.fromEntries(
    Object.entries(MODULES).map(([name, id]) => [name, require.resolve(id)]),
  ) as Record<keyof typeof MODULES, string>;
  const Encoder = require(paths.encoder) as EncoderClass;
  const encodeRecord = require(paths.recordEncoder) as RecordEncoderFn;
  const decodeRecord = require(paths.recordDecoder) as RecordDecoderFn;
  const group = require(paths.group) as GroupFn;
  const timestampTypes = require(paths.timestampTypes) as { LOG_APPEND_TIME: number };
  const proto = Encoder.prototype as unknown as {
    writeUVarInt: KafkajsOriginals['writeUVarInt'];
    writeVarInt: KafkajsOriginals['writeVarInt'];
    writeVarLong: KafkajsOriginals['writeVarLong'];
  };
  const originals: KafkajsOriginals = {
    encodeRecord,
    decodeRecord,
    groupMessagesPerPartition: group,
    writeUVarInt: proto.writeUVarInt,
    writeVarInt: proto.writeVarInt,
    writeVarLong: proto.writeVarLong,
    sizeOfVarLong: Encoder.sizeOfVarLong.bind(Encoder),
    Encoder,
  };
  proto.writeUVarInt = fastWriteUVarInt;
  proto.writeVarInt = fastWriteVarInt;
  proto.writeVarLong = makeFastWriteVarLong(originals.writeVarLong);
  Encoder.sizeOfVarLong = makeFastSizeOfVarLong(originals.sizeOfVarLong);
  if (kafkajsLoaded)
    return installed(
      { modules: false, encoder: true, reason: 'kafkajs was loaded before the fast paths' },
      originals,
    );
  replaceInCache(paths.recordEncoder, makeFastEncodeRecord(encodeRecord, Encoder));
  replaceInCache(paths.recordDecoder, makeFastDecodeRecord(decodeRecord, timestampTypes.LOG_APPEND_TIME));
  replaceInCache(paths.group, fastGroupMessagesPerPartition);
  return installed({ modules: true, encoder: true }, originals);
}

/** kafkajs' own functions (after installing), for tests. */
export function kafkajsOriginals(): KafkajsOriginals | undefined {
  return registry[REGISTRY]?.originals;
}

/** The fast functions themselves, for tests (built on the given originals). */
export function fastPathsFor(o: KafkajsOriginals, logAppendTime: number) {
  return {
    encodeRecord: makeFastEncodeRecord(o.encodeRecord, o.Encoder),
    decodeRecord: makeFastDecodeRecord(o.decodeRecord, logAppendTime),
    groupMessagesPerPartition: fastGroupMessagesPerPartition,
  };
}

installKafkajsFastPaths();
