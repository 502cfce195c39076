import { describe, expect, it } from 'vitest';
import { RegistryError } from '../../../stack/registry/errors.ts';
import { decodeRegistryState } from '../../../stack/registry/state.ts';
import { RegistryStore, parseVersionSpec } from '../../../stack/registry/store.ts';

const reading = (fields: unknown[], name = 'Reading'): string =>
  JSON.stringify({ type: 'record', name, namespace: 'stadion.demo', fields });
const v1 = reading([{ name: 'id', type: 'string' }]);
const v2 = reading([
  { name: 'id', type: 'string' },
  { name: 'speedMps', type: 'double', default: 0 },
]);
const noDefault = reading([
  { name: 'id', type: 'string' },
  { name: 'speedMps', type: 'double' },
]);

function errorCodeOf(action: () => unknown): number {
  try {
    action();
  } catch (error) {
    if (error instanceof RegistryError) return error.errorCode;
    throw error;
  }
  throw new Error('expected a RegistryError');
}

describe('RegistryStore.register', () => {
  it('gives ids from 1 and versions per subject', () => {
    const store = new RegistryStore();
    expect(store.register('a-value', { schema: v1 })).toEqual({ id: 1, version: 1, changed: true });
    expect(store.register('a-value', { schema: v2 })).toEqual({ id: 2, version: 2, changed: true });
    expect(store.versions('a-value')).toEqual([1, 2]);
    expect(store.version('a-value', 'latest')).toMatchObject({ subject: 'a-value', id: 2, version: 2 });
  });

  it('returns the existing id and version for the same schema, whatever its formatting', () => {
    const store = new RegistryStore();
    store.register('a-value', { schema: v1 });
    const reformatted = `{
      "namespace": "stadion.demo", "fields": [ { "type": {"type": "string"}, "name": "id" } ],
      "name": "Reading", "type": "record"
    }`;
    expect(store.register('a-value', { schema: reformatted, schemaType: 'AVRO' })).toEqual({
      id: 1,
      version: 1,
      changed: false,
    });
    expect(store.lookup('a-value', { schema: reformatted })).toMatchObject({ id: 1, version: 1 });
  });

  it('gives the same id to the same schema under another subject', () => {
    const store = new RegistryStore();
    store.register('a-value', { schema: v1 });
    expect(store.register('b-value', { schema: v1 })).toEqual({ id: 1, version: 1, changed: true });
    expect(store.versionsOfId(1)).toEqual([
      { subject: 'a-value', version: 1 },
      { subject: 'b-value', version: 1 },
    ]);
  });

  it('keeps defaults, docs and logical types significant', () => {
    const store = new RegistryStore({
      format: 1,
      nextId: 1,
      schemas: [],
      subjects: [],
      compatibility: 'NONE',
    });
    const base = (field: object): string => reading([{ name: 'n', type: 'long', ...field }]);
    const ids = [
      base({}),
      base({ default: 0 }),
      base({ default: 1 }),
      base({ doc: 'count' }),
      reading([{ name: 'n', type: { type: 'long', logicalType: 'timestamp-millis' } }]),
    ].map((schema) => store.register('s', { schema }).id);
    expect(new Set(ids).size).toBe(5);
  });

  it('refuses an incompatible schema with 409 and registers nothing', () => {
    const store = new RegistryStore();
    store.register('a-value', { schema: v1 });
    expect(errorCodeOf(() => store.register('a-value', { schema: noDefault }))).toBe(409);
    expect(store.versions('a-value')).toEqual([1]);
    expect(store.toState().nextId).toBe(2);
  });

  it('applies the subject level over the global one, and the global over the default', () => {
    const store = new RegistryStore(undefined, { defaultCompatibility: 'BACKWARD' });
    expect(store.effectiveCompatibility('a-value')).toBe('BACKWARD');
    store.setGlobalCompatibility('FULL');
    expect(store.effectiveCompatibility('a-value')).toBe('FULL');
    store.setSubjectCompatibility('a-value', 'NONE');
    store.register('a-value', { schema: v1 });
    expect(store.register('a-value', { schema: noDefault }).changed).toBe(true);
    expect(store.deleteSubjectCompatibility('a-value')).toBe('NONE');
    expect(store.subjectCompatibility('a-value')).toBeUndefined();
    expect(errorCodeOf(() => store.deleteSubjectCompatibility('a-value'))).toBe(40408);
    expect(store.deleteGlobalCompatibility()).toBe('FULL');
    expect(store.globalCompatibility()).toBe('BACKWARD');
  });

  it('refuses invalid schemas, other schema types and references with 42201', () => {
    const store = new RegistryStore();
    expect(errorCodeOf(() => store.register('s', { schema: '{not json' }))).toBe(42201);
    expect(errorCodeOf(() => store.register('s', { schema: '{"type":"record","fields":[]}' }))).toBe(42201);
    expect(errorCodeOf(() => store.register('s', { schema: '"Unknown"' }))).toBe(42201);
    expect(
      errorCodeOf(() => store.register('s', { schema: reading([{ name: 'n', type: 'int', default: 'x' }]) })),
    ).toBe(42201);
    expect(errorCodeOf(() => store.register('s', { schema: '{"type":"object"}', schemaType: 'JSON' }))).toBe(
      42201,
    );
    expect(
      errorCodeOf(() =>
        store.register('s', { schema: v1, references: [{ name: 'x', subject: 'y', version: 1 }] }),
      ),
    ).toBe(42201);
    expect(errorCodeOf(() => store.register('s', { schema: undefined }))).toBe(42201);
    expect(store.register('s', { schema: v1, references: [] }).id).toBe(1);
  });
});

describe('RegistryStore reads', () => {
  it('answers 40401 / 40402 / 40403 for what is not there', () => {
    const store = new RegistryStore();
    store.register('a-value', { schema: v1 });
    expect(errorCodeOf(() => store.versions('nope'))).toBe(40401);
    expect(errorCodeOf(() => store.version('a-value', 7))).toBe(40402);
    expect(errorCodeOf(() => store.schemaById(99))).toBe(40403);
    expect(errorCodeOf(() => store.lookup('a-value', { schema: v2 }))).toBe(40403);
    expect(errorCodeOf(() => store.lookup('nope', { schema: v1 }))).toBe(40401);
  });

  it('parses version specs like Confluent', () => {
    expect(parseVersionSpec('latest')).toBe('latest');
    expect(parseVersionSpec('-1')).toBe('latest');
    expect(parseVersionSpec('3')).toBe(3);
    for (const bad of ['0', '-2', 'abc', '2147483648', '1.5'])
      expect(errorCodeOf(() => parseVersionSpec(bad))).toBe(42202);
  });

  it('tests compatibility against all live versions or one version', () => {
    const store = new RegistryStore();
    store.register('a-value', { schema: v1 });
    expect(store.testCompatibility('a-value', { schema: v2 }, 'all').compatible).toBe(true);
    expect(store.testCompatibility('a-value', { schema: noDefault }, 'latest').compatible).toBe(false);
    expect(store.testCompatibility('new-subject', { schema: noDefault }, 'all').compatible).toBe(true);
    expect(errorCodeOf(() => store.testCompatibility('new-subject', { schema: v1 }, 'latest'))).toBe(40401);
    expect(errorCodeOf(() => store.testCompatibility('a-value', { schema: v1 }, 5))).toBe(40402);
  });
});

describe('RegistryStore deletes', () => {
  it('soft-deletes versions: hidden, ignored by compatibility, numbers not reused, ids kept', () => {
    const store = new RegistryStore();
    store.register('a-value', { schema: v1 });
    store.register('a-value', { schema: v2 });
    expect(store.deleteVersion('a-value', 'latest', false)).toBe(2);
    expect(errorCodeOf(() => store.deleteVersion('a-value', 2, false))).toBe(40406);
    expect(store.versions('a-value')).toEqual([1]);
    expect(store.versions('a-value', { deleted: true })).toEqual([1, 2]);
    expect(store.schemaById(2).schema).toContain('speedMps');
    // re-registering the deleted schema makes a new version with the same id
    expect(store.register('a-value', { schema: v2 })).toEqual({ id: 2, version: 3, changed: true });
  });

  it('soft-deletes then permanently deletes a subject', () => {
    const store = new RegistryStore();
    store.register('a-value', { schema: v1 });
    store.setSubjectCompatibility('a-value', 'FULL');
    expect(errorCodeOf(() => store.deleteSubject('a-value', true))).toBe(40405);
    expect(store.deleteSubject('a-value', false)).toEqual([1]);
    expect(errorCodeOf(() => store.deleteSubject('a-value', false))).toBe(40404);
    expect(store.subjects()).toEqual([]);
    expect(store.subjects({ deleted: true })).toEqual(['a-value']);
    expect(store.deleteSubject('a-value', true)).toEqual([1]);
    expect(errorCodeOf(() => store.deleteSubject('a-value', false))).toBe(40401);
    expect(store.subjectCompatibility('a-value')).toBeUndefined();
    expect(store.register('a-value', { schema: noDefault })).toEqual({ id: 2, version: 1, changed: true });
  });

  it('refuses a permanent version delete that was not soft-deleted first', () => {
    const store = new RegistryStore();
    store.register('a-value', { schema: v1 });
    expect(errorCodeOf(() => store.deleteVersion('a-value', 1, true))).toBe(40407);
    store.deleteVersion('a-value', 1, false);
    expect(store.deleteVersion('a-value', 1, true)).toBe(1);
    expect(errorCodeOf(() => store.versions('a-value', { deleted: true }))).toBe(40401);
    expect(store.register('a-value', { schema: v1 })).toEqual({ id: 1, version: 2, changed: true });
  });
});

describe('RegistryStore state', () => {
  it('round-trips through its JSON state and keeps counting ids after a reload', () => {
    const store = new RegistryStore();
    store.register('a-value', { schema: v1 });
    store.register('b-value', { schema: v2 });
    store.setSubjectCompatibility('b-value', 'FORWARD');
    store.setGlobalCompatibility('FULL');
    const reloaded = new RegistryStore(decodeRegistryState(JSON.parse(JSON.stringify(store.toState()))));
    expect(reloaded.toState()).toEqual(store.toState());
    expect(reloaded.register('c-value', { schema: noDefault }).id).toBe(3);
    expect(reloaded.effectiveCompatibility('b-value')).toBe('FORWARD');
    expect(reloaded.globalCompatibility()).toBe('FULL');
  });

  it('clones independently', () => {
    const store = new RegistryStore();
    store.register('a-value', { schema: v1 });
    const draft = store.clone();
    draft.register('a-value', { schema: v2 });
    expect(store.versions('a-value')).toEqual([1]);
    expect(draft.versions('a-value')).toEqual([1, 2]);
  });

  it('refuses damaged state', () => {
    expect(() => decodeRegistryState({ format: 2 })).toThrow(/format/);
    expect(() =>
      decodeRegistryState({
        format: 1,
        nextId: 1,
        schemas: [{ id: 1, schemaType: 'AVRO', schema: '"int"' }],
        subjects: [],
      }),
    ).toThrow(/nextId/);
    expect(() =>
      decodeRegistryState({
        format: 1,
        nextId: 2,
        schemas: [],
        subjects: [{ name: 's', lastVersion: 1, versions: [{ version: 1, id: 1, deleted: false }] }],
      }),
    ).toThrow(/unknown schema id/);
  });
});
