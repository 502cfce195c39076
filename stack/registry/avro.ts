/**
 * Avro schema text -> a validated avsc `Type` plus the canonical text the registry stores, returns and
 * deduplicates on. Canonical means: compact JSON, attributes of every type and field in one fixed order,
 * `{"type": "int"}` written as `"int"`. Unlike Avro's Parsing Canonical Form it keeps defaults, docs,
 * aliases, logical types and custom properties, so two schemas that differ in any of those get different
 * ids (as Confluent does), while whitespace and key order do not matter.
 */
import avsc from 'avsc';
import { invalidSchema } from './errors.ts';

export interface ParsedAvroSchema {
  /** Compact canonical JSON text: the schema as stored and served. */
  readonly canonical: string;
  /** avsc type used for compatibility checks. */
  readonly type: avsc.Type;
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/** Attribute order of a type object; anything else follows, sorted by name. */
const TYPE_KEY_ORDER = [
  'type',
  'name',
  'namespace',
  'doc',
  'aliases',
  'fields',
  'symbols',
  'default',
  'items',
  'values',
  'size',
  'logicalType',
  'precision',
  'scale',
];
/** Attribute order of a record field. */
const FIELD_KEY_ORDER = ['name', 'type', 'doc', 'default', 'order', 'aliases'];

/** Parses and validates Avro schema text. Throws a 42201 RegistryError when it is not a valid Avro schema. */
export function parseAvroSchema(text: string): ParsedAvroSchema {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalidSchema(`not JSON: ${(error as Error).message}`, error);
  }
  let type: avsc.Type;
  try {
    // noAnonymousTypes: records, enums and fixed need names, as Avro's Java parser requires.
    type = avsc.Type.forSchema(json as avsc.Schema, { noAnonymousTypes: true });
  } catch (error) {
    throw invalidSchema((error as Error).message, error);
  }
  return { canonical: JSON.stringify(canonicalSchema(json)), type };
}

/** Parses text already known to be valid (stored canonical text). */
export function typeOfCanonical(canonical: string): avsc.Type {
  return avsc.Type.forSchema(JSON.parse(canonical) as avsc.Schema, { noAnonymousTypes: true });
}

function canonicalSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(canonicalSchema); // a union
  if (!isObject(schema)) return schema; // a type name
  const type = schema['type'];
  const keys = Object.keys(schema);
  if (keys.length === 1 && typeof type === 'string' && PRIMITIVES.has(type)) return type;
  const out: Record<string, unknown> = {};
  for (const key of orderedKeys(keys, TYPE_KEY_ORDER)) {
    const value = schema[key];
    if (key === 'type' || key === 'items' || key === 'values') out[key] = canonicalSchema(value);
    else if (key === 'fields' && Array.isArray(value)) out[key] = value.map(canonicalField);
    else out[key] = value; // defaults, docs, symbols, custom properties: data, kept as written
  }
  return out;
}

function canonicalField(field: unknown): unknown {
  if (!isObject(field)) return field;
  const out: Record<string, unknown> = {};
  for (const key of orderedKeys(Object.keys(field), FIELD_KEY_ORDER)) {
    out[key] = key === 'type' ? canonicalSchema(field[key]) : field[key];
  }
  return out;
}

function orderedKeys(keys: readonly string[], preferred: readonly string[]): string[] {
  const known = preferred.filter((key) => keys.includes(key));
  const rest = keys.filter((key) => !preferred.includes(key)).sort();
  return [...known, ...rest];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
