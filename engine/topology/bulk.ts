/**
 * Bulk loads: a source topic of Avro records (Confluent wire format) written to a ClickHouse table
 * with no decoding in the engine. The message bodies are copied into an Avro object container and
 * ClickHouse parses them in an `INSERT ... SELECT ... FROM input(...)`, which may flatten, filter or
 * validate (`throwIf`). Offsets, deduplication tokens and replays follow the engine's commit protocol,
 * so a bulk load is as exact as any ClickHouse sink; a batch ClickHouse refuses is decoded record by
 * record to dead-letter the records at fault (see docs/engine.md, "Bulk loads").
 */
import type { AvroSchemaDefinition } from './codecs.ts';

/** The placeholder of the SELECT that stands for the input table function. */
export const BULK_INPUT_PLACEHOLDER = '{input}';

export interface BulkLoadSpec {
  /** Unique within the topology; part of every deduplication token. @default the table name */
  readonly name: string;
  /** Target table, optionally `database.table`. */
  readonly table: string;
  /** `SELECT ... FROM {input} ...`: how records become rows. */
  readonly select: string;
  /** ClickHouse structure of the reader schema, for `input(...)`. */
  readonly structure: string;
}

/**
 * The ClickHouse types ClickHouse's Avro input maps a schema's fields to, as an `input()` structure:
 * records to named tuples, arrays to Array, maps to Map(String, _), unions with null to Nullable for
 * scalars (ClickHouse reads null as the default for arrays and tuples), enums and strings to String.
 */
export function clickhouseStructureOf(schema: AvroSchemaDefinition): string {
  const fields = (schema as { fields?: ReadonlyArray<{ name: string; type: unknown }> }).fields;
  if (fields === undefined) throw new Error(`schema ${schema.name} is not a record`);
  const named = new Map<string, string>();
  return fields.map((field) => `${quoteName(field.name)} ${structureOfType(field.type, named)}`).join(', ');
}

function quoteName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `\`${name.replace(/`/g, '\\`')}\``;
}

const PRIMITIVES: Readonly<Record<string, string>> = {
  string: 'String',
  bytes: 'String',
  boolean: 'Bool',
  int: 'Int32',
  long: 'Int64',
  float: 'Float32',
  double: 'Float64',
};

function structureOfType(type: unknown, named: Map<string, string>): string {
  if (typeof type === 'string') {
    const primitive = PRIMITIVES[type];
    if (primitive !== undefined) return primitive;
    const known = named.get(type);
    if (known !== undefined) return known;
    throw new Error(`Avro type ${type} has no ClickHouse mapping`);
  }
  if (Array.isArray(type)) {
    const branches = type.filter((branch) => branch !== 'null');
    if (branches.length !== 1) throw new Error('only unions of null and one type map to ClickHouse');
    const inner = structureOfType(branches[0], named);
    const nullable = branches.length !== type.length;
    return nullable && !/^(Array|Tuple|Map)\(/.test(inner) ? `Nullable(${inner})` : inner;
  }
  if (typeof type !== 'object' || type === null) throw new Error(`unexpected Avro type ${String(type)}`);
  const t = type as {
    type: string;
    name?: string;
    items?: unknown;
    values?: unknown;
    fields?: ReadonlyArray<{ name: string; type: unknown }>;
  };
  let result: string;
  switch (t.type) {
    case 'record':
      result = `Tuple(${(t.fields ?? []).map((f) => `${quoteName(f.name)} ${structureOfType(f.type, named)}`).join(', ')})`;
      break;
    case 'array':
      result = `Array(${structureOfType(t.items, named)})`;
      break;
    case 'map':
      result = `Map(String, ${structureOfType(t.values, named)})`;
      break;
    case 'enum':
      result = 'String';
      break;
    case 'fixed':
      result = 'String';
      break;
    default:
      result = structureOfType(t.type, named);
  }
  if (t.name !== undefined) named.set(t.name, result);
  return result;
}
