/**
 * Turning source bytes into values: Avro in the Confluent wire format (magic byte 0, 4-byte schema id,
 * Avro binary), resolved from the writer's schema to the source's reader schema, or JSON. Failures
 * are results with a dead-letter code, never exceptions.
 */
import avsc from 'avsc';
import type { AvroCodec, JsonCodec, ValueCodec } from '../topology/codecs.ts';
import type { DecodeResult } from './dead-letter.ts';

/** Where writer schemas come from: the Schema Registry over HTTP, or an in-memory map in tests. */
export interface WriterSchemas {
  /** The schema text registered under this id, or undefined when the registry does not know it. */
  schemaById(id: number): Promise<string | undefined>;
}

export interface Decoder {
  /**
   * Synchronous when it can be (JSON; Avro whose writer schema was seen before), so the hot path
   * awaits nothing; a promise only while a writer schema is fetched.
   */
  decode(bytes: Buffer | null): DecodeResult<unknown> | Promise<DecodeResult<unknown>>;
}

/** The writer schema of an Avro message: its registry id and text (the message is not decoded). */
export interface WriterOf {
  readonly id: number;
  readonly schemaText: string;
}

/**
 * Checks the Confluent header of an Avro message and that its writer schema resolves to the reader
 * schema, without decoding the body (for bulk loads, where ClickHouse decodes it).
 */
export function createHeaderChecker(
  codec: AvroCodec<unknown>,
  schemas: WriterSchemas,
): (bytes: Buffer | null) => DecodeResult<WriterOf> | Promise<DecodeResult<WriterOf>> {
  const decoder = new AvroDecoder(codec, schemas);
  return (bytes) => decoder.writerOf(bytes);
}

export function createDecoder(codec: ValueCodec<unknown>, schemas: WriterSchemas): Decoder {
  return codec.kind === 'avro' ? new AvroDecoder(codec, schemas) : new JsonDecoder(codec);
}

class JsonDecoder implements Decoder {
  readonly #codec: JsonCodec<unknown>;

  constructor(codec: JsonCodec<unknown>) {
    this.#codec = codec;
  }

  decode(bytes: Buffer | null): DecodeResult<unknown> {
    if (bytes === null)
      return { ok: false, code: 'UNDECODABLE', message: 'null value (tombstone) on a stream' };
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      return { ok: false, code: 'UNDECODABLE', message: `not JSON: ${(error as Error).message}` };
    }
    if (!this.#codec.validate(parsed)) {
      const reason = this.#codec.explain?.(parsed) ?? 'the validation function refused it';
      return { ok: false, code: 'VALIDATION_FAILED', message: reason };
    }
    return { ok: true, value: parsed };
  }
}

class AvroDecoder implements Decoder {
  readonly #codec: AvroCodec<unknown>;
  readonly #schemas: WriterSchemas;
  readonly #reader: avsc.Type;
  /** Per writer schema id: a resolver to the reader type, or the reason there is none. */
  readonly #resolvers = new Map<
    number,
    { writer: avsc.Type; resolver: avsc.Resolver; text: string } | { error: DecodeResult<never> }
  >();

  /** writerOf's answers, by schema id. */
  readonly #writers = new Map<number, DecodeResult<WriterOf>>();

  constructor(codec: AvroCodec<unknown>, schemas: WriterSchemas) {
    this.#codec = codec;
    this.#schemas = schemas;
    this.#reader = avsc.Type.forSchema(codec.schema);
  }

  /** Synchronous once the writer schema was seen, like `decode`. */
  writerOf(bytes: Buffer | null): DecodeResult<WriterOf> | Promise<DecodeResult<WriterOf>> {
    const cached = this.#cachedEntry(bytes);
    if (cached !== undefined && bytes !== null) {
      if ('error' in cached) return cached.error;
      // One answer per schema, not an object per record.
      const id = bytes.readInt32BE(1);
      let answer = this.#writers.get(id);
      if (answer === undefined) {
        answer = { ok: true, value: { id, schemaText: cached.text } };
        this.#writers.set(id, answer);
      }
      return answer;
    }
    return this.#header(bytes).then((header) =>
      header.ok ? { ok: true, value: { id: header.value.id, schemaText: header.value.entry.text } } : header,
    );
  }

  /** The resolution of a well-formed header's writer schema, if already known. */
  #cachedEntry(
    bytes: Buffer | null,
  ):
    | { writer: avsc.Type; resolver: avsc.Resolver; text: string }
    | { error: DecodeResult<never> }
    | undefined {
    if (bytes === null || bytes.length < 5 || bytes[0] !== 0) return undefined;
    return this.#resolvers.get(bytes.readInt32BE(1));
  }

  /** The wire-format header: the writer schema id and its resolution, or why there is none. */
  async #header(bytes: Buffer | null): Promise<
    DecodeResult<{
      id: number;
      entry: { writer: avsc.Type; resolver: avsc.Resolver; text: string };
      body: Buffer;
    }>
  > {
    if (bytes === null)
      return { ok: false, code: 'UNDECODABLE', message: 'null value (tombstone) on a stream' };
    if (bytes.length < 5 || bytes[0] !== 0) {
      return {
        ok: false,
        code: 'UNDECODABLE',
        message: 'not in the Confluent wire format (magic byte 0 + schema id)',
      };
    }
    const id = bytes.readInt32BE(1);
    const entry = await this.#entry(id);
    return 'error' in entry ? entry.error : { ok: true, value: { id, entry, body: bytes } };
  }

  async #entry(
    id: number,
  ): Promise<{ writer: avsc.Type; resolver: avsc.Resolver; text: string } | { error: DecodeResult<never> }> {
    let entry = this.#resolvers.get(id);
    if (entry === undefined) {
      entry = await this.#resolve(id);
      this.#resolvers.set(id, entry);
    }
    return entry;
  }

  decode(bytes: Buffer | null): DecodeResult<unknown> | Promise<DecodeResult<unknown>> {
    const cached = this.#cachedEntry(bytes);
    if (cached !== undefined && bytes !== null) {
      return 'error' in cached ? cached.error : this.#decodeBody(bytes.readInt32BE(1), cached, bytes);
    }
    return this.#header(bytes).then((header) =>
      header.ok ? this.#decodeBody(header.value.id, header.value.entry, header.value.body) : header,
    );
  }

  #decodeBody(
    id: number,
    entry: { writer: avsc.Type; resolver: avsc.Resolver; text: string },
    body: Buffer,
  ): DecodeResult<unknown> {
    let value: unknown;
    try {
      const result = this.#reader.decode(body, 5, entry.resolver);
      const decoded: unknown = result.value;
      const offset = result.offset;
      if (offset < 0)
        return { ok: false, code: 'UNDECODABLE', message: `Avro body truncated for schema ${id}` };
      if (offset !== body.length) {
        return {
          ok: false,
          code: 'UNDECODABLE',
          message: `Avro body is ${body.length - 5} bytes, schema ${id} read ${offset - 5}`,
        };
      }
      value = decoded;
    } catch (error) {
      return {
        ok: false,
        code: 'UNDECODABLE',
        message: `Avro body does not match schema ${id}: ${(error as Error).message}`,
      };
    }
    const check = this.#codec.validate?.(value);
    if (check !== undefined && !check.ok)
      return { ok: false, code: 'VALIDATION_FAILED', message: check.reason };
    return { ok: true, value };
  }

  async #resolve(
    id: number,
  ): Promise<{ writer: avsc.Type; resolver: avsc.Resolver; text: string } | { error: DecodeResult<never> }> {
    const text = await this.#schemas.schemaById(id);
    if (text === undefined) {
      return {
        error: { ok: false, code: 'UNKNOWN_SCHEMA_ID', message: `schema id ${id} is not in the registry` },
      };
    }
    try {
      const writer = avsc.Type.forSchema(JSON.parse(text) as avsc.Schema);
      return { writer, resolver: this.#reader.createResolver(writer), text };
    } catch (error) {
      return {
        error: {
          ok: false,
          code: 'SCHEMA_MISMATCH',
          message: `writer schema ${id} cannot be read as ${this.#codec.schema.name}: ${(error as Error).message}`,
        },
      };
    }
  }
}
