/**
 * How a source's bytes become typed values. A codec is a description; the runtime turns it into a
 * decoder (Avro through the Schema Registry, in the Confluent wire format; JSON parsed and validated).
 * The TestDriver skips decoding when a test pipes values, and uses the same decoders when it pipes bytes.
 */
import avsc, { type Schema as AvscSchema } from 'avsc';
import type { Validation } from './record.ts';

/** An Avro schema as it appears in a .avsc file. */
export type AvroSchemaDefinition = Exclude<AvscSchema, string> & { name: string };

export interface AvroCodec<V> {
  readonly kind: 'avro';
  /** The reader schema: what the topology expects. Writers' schemas are resolved to it. */
  readonly schema: AvroSchemaDefinition;
  /** Extra checks after decoding; failures are dead-lettered with code VALIDATION_FAILED. */
  readonly validate?: (value: V) => Validation;
  /** Phantom: carries the value type. */
  readonly _value?: V;
}

export interface JsonCodec<V> {
  readonly kind: 'json';
  /** Decides whether parsed JSON is a V; failures are dead-lettered with code VALIDATION_FAILED. */
  readonly validate: (value: unknown) => value is V;
  /** Why validation failed, for the dead-letter record. */
  readonly explain?: (value: unknown) => string;
}

export type ValueCodec<V> = AvroCodec<V> | JsonCodec<V>;

export function avro<V>(schema: AvroSchemaDefinition, validate?: (value: V) => Validation): AvroCodec<V> {
  return validate === undefined ? { kind: 'avro', schema } : { kind: 'avro', schema, validate };
}

export function json<V>(
  validate: (value: unknown) => value is V,
  explain?: (value: unknown) => string,
): JsonCodec<V> {
  return explain === undefined ? { kind: 'json', validate } : { kind: 'json', validate, explain };
}

/**
 * Plain JSON validated against an Avro schema: for feeds that arrive as JSON but have a contract.
 * A value is accepted when it is a valid instance of the schema (types, required fields, enums);
 * the dead-letter message names every path that is not.
 */
export function jsonMatching<V>(schema: AvroSchemaDefinition): JsonCodec<V> {
  const type = avsc.Type.forSchema(schema);
  return {
    kind: 'json',
    validate: (value: unknown): value is V => type.isValid(value),
    explain: (value: unknown) => {
      const problems: string[] = [];
      type.isValid(value, {
        errorHook: (path: string[], found: unknown) => {
          problems.push(
            `${path.length === 0 ? '(root)' : path.join('.')}: ${found === undefined ? 'undefined' : JSON.stringify(found)}`,
          );
        },
      });
      return `does not match ${schema.name}: ${problems.slice(0, 5).join('; ')}`;
    },
  };
}
