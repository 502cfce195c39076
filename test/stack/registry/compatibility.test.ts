import avsc from 'avsc';
import { describe, expect, it } from 'vitest';
import {
  COMPATIBILITY_LEVELS,
  checkCompatibility,
  parseCompatibilityLevel,
  resolutionFailure,
  type CompatibilityLevel,
} from '../../../stack/registry/compatibility.ts';

const type = (schema: unknown): avsc.Type => avsc.Type.forSchema(schema as avsc.Schema);
const record = (fields: unknown[]): avsc.Type => type({ type: 'record', name: 'Reading', fields });

const v1 = record([{ name: 'id', type: 'string' }]);
const withDefault = record([
  { name: 'id', type: 'string' },
  { name: 'speedMps', type: 'double', default: 0 },
]);
const withoutDefault = record([
  { name: 'id', type: 'string' },
  { name: 'speedMps', type: 'double' },
]);
const idAsInt = record([{ name: 'id', type: 'int' }]);
const empty = record([]);

function verdicts(candidate: avsc.Type, previous: avsc.Type[]): Record<CompatibilityLevel, boolean> {
  const versions = previous.map((t, i) => ({ version: i + 1, type: t }));
  const out = {} as Record<CompatibilityLevel, boolean>;
  for (const level of COMPATIBILITY_LEVELS)
    out[level] = checkCompatibility(candidate, versions, level).compatible;
  return out;
}

describe('checkCompatibility', () => {
  it('accepts a field added with a default under every level', () => {
    expect(verdicts(withDefault, [v1])).toEqual({
      NONE: true,
      BACKWARD: true,
      BACKWARD_TRANSITIVE: true,
      FORWARD: true, // the old reader ignores the new field
      FORWARD_TRANSITIVE: true,
      FULL: true,
      FULL_TRANSITIVE: true,
    });
  });

  it('refuses a field added without a default for BACKWARD and FULL, accepts it for FORWARD', () => {
    expect(verdicts(withoutDefault, [v1])).toEqual({
      NONE: true,
      BACKWARD: false,
      BACKWARD_TRANSITIVE: false,
      FORWARD: true,
      FORWARD_TRANSITIVE: true,
      FULL: false,
      FULL_TRANSITIVE: false,
    });
  });

  it('refuses a field removed without default for FORWARD, accepts it for BACKWARD', () => {
    const result = verdicts(empty, [v1]);
    expect(result.BACKWARD).toBe(true);
    expect(result.FORWARD).toBe(false);
    expect(result.FULL).toBe(false);
  });

  it('refuses a changed field type in both directions (string <-> int)', () => {
    const result = verdicts(idAsInt, [v1]);
    expect(result.BACKWARD).toBe(false);
    expect(result.FORWARD).toBe(false);
    expect(result.NONE).toBe(true);
  });

  it('follows Avro promotion rules: int -> long is BACKWARD-compatible but not FORWARD', () => {
    const ints = record([{ name: 'n', type: 'int' }]);
    const longs = record([{ name: 'n', type: 'long' }]);
    expect(verdicts(longs, [ints])).toMatchObject({ BACKWARD: true, FORWARD: false });
  });

  it('checks only the latest version unless transitive', () => {
    // v1 has a field without default; v2 dropped it; v3 adds an unrelated field with a default.
    // v3 reads v2 data, and reads v1 data too (it ignores id2). But FORWARD: v1 cannot read v3 data
    // (v1 requires id2, which v3 does not write).
    const first = record([
      { name: 'id', type: 'string' },
      { name: 'id2', type: 'string' },
    ]);
    const second = record([{ name: 'id', type: 'string' }]);
    const third = record([
      { name: 'id', type: 'string' },
      { name: 'extra', type: 'int', default: 1 },
    ]);
    const result = verdicts(third, [first, second]);
    expect(result.FORWARD).toBe(true);
    expect(result.FORWARD_TRANSITIVE).toBe(false);
    expect(result.FULL).toBe(true);
    expect(result.FULL_TRANSITIVE).toBe(false);
  });

  it('BACKWARD_TRANSITIVE refuses what only an older version breaks', () => {
    const first = record([{ name: 'n', type: 'long' }]);
    const second = record([
      { name: 'n', type: 'long' },
      { name: 'x', type: 'int', default: 0 },
    ]);
    const third = record([
      { name: 'x', type: 'int', default: 0 },
      { name: 'n', type: 'int', default: 0 },
    ]);
    // third reads second? n: long -> int is not allowed, so third fails against both.
    expect(verdicts(third, [first, second]).BACKWARD).toBe(false);
    const fourth = record([{ name: 'x', type: 'int' }]);
    // fourth reads second (has x) but not first (no x, no default)
    const result = verdicts(fourth, [first, second]);
    expect(result.BACKWARD).toBe(true);
    expect(result.BACKWARD_TRANSITIVE).toBe(false);
  });

  it('names the failing version and the reason', () => {
    const result = checkCompatibility(withoutDefault, [{ version: 3, type: v1 }], 'BACKWARD');
    expect(result.compatible).toBe(false);
    expect(result.messages).toHaveLength(1);
    expect(result.messages[0]).toMatch(/^version 3: .*speedMps/);
  });

  it('accepts anything when there is no previous version', () => {
    expect(checkCompatibility(idAsInt, [], 'FULL_TRANSITIVE')).toEqual({ compatible: true, messages: [] });
  });
});

describe('resolutionFailure', () => {
  it('handles enums, unions and renamed records as Avro resolution does', () => {
    const e = (symbols: string[], extra: object = {}): avsc.Type =>
      type({ type: 'enum', name: 'Colour', symbols, ...extra });
    expect(resolutionFailure(e(['RED']), e(['RED', 'BLUE']))).toBeDefined();
    expect(resolutionFailure(e(['RED'], { default: 'RED' }), e(['RED', 'BLUE']))).toBeUndefined();
    expect(resolutionFailure(type(['null', 'int']), type('int'))).toBeUndefined();
    expect(resolutionFailure(type(['null', 'int']), type(['null', 'int', 'string']))).toBeDefined();
    const renamed = type({ type: 'record', name: 'Other', fields: [{ name: 'id', type: 'string' }] });
    expect(resolutionFailure(renamed, v1)).toBeDefined();
    const aliased = type({
      type: 'record',
      name: 'Other',
      aliases: ['Reading'],
      fields: [{ name: 'id', type: 'string' }],
    });
    expect(resolutionFailure(aliased, v1)).toBeUndefined();
  });
});

describe('parseCompatibilityLevel', () => {
  it('accepts every level in any case and refuses the rest', () => {
    for (const level of COMPATIBILITY_LEVELS) {
      expect(parseCompatibilityLevel(level)).toBe(level);
      expect(parseCompatibilityLevel(level.toLowerCase())).toBe(level);
    }
    expect(parseCompatibilityLevel('SIDEWAYS')).toBeUndefined();
    expect(parseCompatibilityLevel(1)).toBeUndefined();
    expect(parseCompatibilityLevel(undefined)).toBeUndefined();
  });
});
