/**
 * The registry's whole durable state as one plain JSON value, and its validation when read back.
 * Schemas are kept forever (ids are never reused and stay readable after their versions are deleted);
 * subjects list their versions, soft-deleted ones flagged.
 */
import { parseCompatibilityLevel, type CompatibilityLevel } from './compatibility.ts';

/** Version of the on-disk layout; bumped on any incompatible change. */
export const REGISTRY_STATE_FORMAT = 1;

export type SchemaType = 'AVRO';

export interface StoredSchemaRecord {
  readonly id: number;
  readonly schemaType: SchemaType;
  /** Canonical schema text. */
  readonly schema: string;
}

export interface VersionRecord {
  readonly version: number;
  readonly id: number;
  /** Soft-deleted: hidden unless asked for with `deleted=true`, ignored by compatibility checks. */
  readonly deleted: boolean;
}

export interface SubjectRecord {
  readonly name: string;
  /** Highest version number ever given in this subject, so soft-deleted numbers are not given again. */
  readonly lastVersion: number;
  /** Subject-level compatibility, when set. */
  readonly compatibility?: CompatibilityLevel;
  /** Ascending by version. */
  readonly versions: readonly VersionRecord[];
}

export interface RegistryState {
  readonly format: typeof REGISTRY_STATE_FORMAT;
  /** The id the next new schema gets; starts at 1, only grows. */
  readonly nextId: number;
  /** Global compatibility, when set with PUT /config (else the server's default applies). */
  readonly compatibility?: CompatibilityLevel;
  /** Ascending by id. */
  readonly schemas: readonly StoredSchemaRecord[];
  readonly subjects: readonly SubjectRecord[];
}

export function emptyRegistryState(): RegistryState {
  return { format: REGISTRY_STATE_FORMAT, nextId: 1, schemas: [], subjects: [] };
}

/** Checks a parsed JSON value is a RegistryState; throws an Error naming the first problem. */
export function decodeRegistryState(json: unknown): RegistryState {
  const root = asObject(json, 'the state');
  if (root['format'] !== REGISTRY_STATE_FORMAT) {
    throw new Error(`unknown format ${JSON.stringify(root['format'])} (expected ${REGISTRY_STATE_FORMAT})`);
  }
  const nextId = positiveInteger(root['nextId'], 'nextId');
  const schemas = asArray(root['schemas'], 'schemas').map((entry, index): StoredSchemaRecord => {
    const schema = asObject(entry, `schemas[${index}]`);
    const id = positiveInteger(schema['id'], `schemas[${index}].id`);
    if (id >= nextId) throw new Error(`schemas[${index}].id ${id} is not below nextId ${nextId}`);
    if (schema['schemaType'] !== 'AVRO') throw new Error(`schemas[${index}].schemaType is not AVRO`);
    return { id, schemaType: 'AVRO', schema: string(schema['schema'], `schemas[${index}].schema`) };
  });
  const ids = new Set(schemas.map((schema) => schema.id));
  if (ids.size !== schemas.length) throw new Error('duplicate schema ids');
  const subjects = asArray(root['subjects'], 'subjects').map((entry, index): SubjectRecord => {
    const where = `subjects[${index}]`;
    const subject = asObject(entry, where);
    const lastVersion = nonNegativeInteger(subject['lastVersion'], `${where}.lastVersion`);
    const versions = asArray(subject['versions'], `${where}.versions`).map((v, j): VersionRecord => {
      const version = asObject(v, `${where}.versions[${j}]`);
      const id = positiveInteger(version['id'], `${where}.versions[${j}].id`);
      if (!ids.has(id)) throw new Error(`${where}.versions[${j}] refers to unknown schema id ${id}`);
      const number = positiveInteger(version['version'], `${where}.versions[${j}].version`);
      if (number > lastVersion) throw new Error(`${where}.versions[${j}].version is above lastVersion`);
      if (typeof version['deleted'] !== 'boolean')
        throw new Error(`${where}.versions[${j}].deleted is not a boolean`);
      return { version: number, id, deleted: version['deleted'] };
    });
    const compatibility = optionalLevel(subject['compatibility'], `${where}.compatibility`);
    const name = string(subject['name'], `${where}.name`);
    return compatibility === undefined
      ? { name, lastVersion, versions }
      : { name, lastVersion, versions, compatibility };
  });
  const compatibility = optionalLevel(root['compatibility'], 'compatibility');
  const state: RegistryState = { format: REGISTRY_STATE_FORMAT, nextId, schemas, subjects };
  return compatibility === undefined ? state : { ...state, compatibility };
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${where} is not an object`);
  return value as Record<string, unknown>;
}

function asArray(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${where} is not an array`);
  return value as unknown[];
}

function string(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new Error(`${where} is not a string`);
  return value;
}

function nonNegativeInteger(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${where} is not a non-negative integer`);
  }
  return value;
}

function positiveInteger(value: unknown, where: string): number {
  const number = nonNegativeInteger(value, where);
  if (number === 0) throw new Error(`${where} is 0`);
  return number;
}

function optionalLevel(value: unknown, where: string): CompatibilityLevel | undefined {
  if (value === undefined) return undefined;
  const level = parseCompatibilityLevel(value);
  if (level === undefined) throw new Error(`${where} is not a compatibility level`);
  return level;
}
