import { describe, expect, it } from 'vitest';
import { parseAvroSchema } from '../../../stack/registry/avro.ts';
import { RegistryError } from '../../../stack/registry/errors.ts';

describe('parseAvroSchema', () => {
  it('writes compact JSON with attributes in a fixed order and short primitive forms', () => {
    const parsed = parseAvroSchema(`{
      "fields": [{"default": 0, "type": {"type": "long"}, "name": "n", "doc": "count"}],
      "x-owner": "team", "name": "R", "type": "record"
    }`);
    expect(parsed.canonical).toBe(
      '{"type":"record","name":"R","fields":[{"name":"n","type":"long","doc":"count","default":0}],"x-owner":"team"}',
    );
  });

  it('is idempotent and agrees on differently formatted equal schemas', () => {
    const a = parseAvroSchema('{"type":"array","items":{"type":"map","values":["null",{"type":"string"}]}}');
    const b = parseAvroSchema(
      ' { "items" : { "values" : [ "null" , "string" ] , "type" : "map" } , "type" : "array" } ',
    );
    expect(a.canonical).toBe(b.canonical);
    expect(parseAvroSchema(a.canonical).canonical).toBe(a.canonical);
  });

  it('keeps logical types and default values as written', () => {
    const text =
      '{"type":"record","name":"R","fields":[{"name":"at","type":{"type":"long","logicalType":"timestamp-millis"},"default":{"b":1,"a":2}}]}';
    expect(() => parseAvroSchema(text)).toThrow(RegistryError); // a record default for a long is invalid
    const ok =
      '{"type":"record","name":"R","fields":[{"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}}]}';
    expect(parseAvroSchema(ok).canonical).toBe(ok);
  });

  it('accepts a bare primitive and names within one schema (recursion, reuse)', () => {
    expect(parseAvroSchema('"string"').canonical).toBe('"string"');
    const list =
      '{"type":"record","name":"Node","fields":[{"name":"next","type":["null","Node"],"default":null}]}';
    expect(parseAvroSchema(list).canonical).toBe(list);
  });

  it('refuses anonymous records and non-JSON text with 42201', () => {
    for (const text of ['{"type":"record","fields":[]}', 'string', '']) {
      try {
        parseAvroSchema(text);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(RegistryError);
        expect((error as RegistryError).errorCode).toBe(42201);
      }
    }
  });
});
