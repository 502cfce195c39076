/**
 * The registry's rules over its state, with no HTTP and no files: registering (dedup by canonical text,
 * compatibility enforcement, id and version allocation), lookups, compatibility config, soft and hard
 * deletes. Every failure is a RegistryError carrying Confluent's error code.
 *
 * A store is mutated in place; the server mutates a `clone()` and swaps it in only once the new state
 * is on disk, so readers never see a change that was not persisted.
 */
import type avsc from 'avsc';
import { parseAvroSchema, typeOfCanonical, type ParsedAvroSchema } from './avro.ts';
import {
  checkCompatibility,
  DEFAULT_COMPATIBILITY,
  type CompatibilityLevel,
  type CompatibilityResult,
  type PreviousVersion,
} from './compatibility.ts';
import {
  REGISTRY_ERROR_CODES,
  RegistryError,
  incompatibleSchema,
  invalidSchema,
  invalidVersion,
  schemaNotFound,
  subjectCompatibilityNotConfigured,
  subjectNotFound,
  versionNotFound,
} from './errors.ts';
import {
  REGISTRY_STATE_FORMAT,
  emptyRegistryState,
  type RegistryState,
  type SchemaType,
  type StoredSchemaRecord,
  type SubjectRecord,
  type VersionRecord,
} from './state.ts';

/** The schema types this registry accepts (GET /schemas/types). */
export const SUPPORTED_SCHEMA_TYPES: readonly SchemaType[] = ['AVRO'];

const MAX_VERSION = 2 ** 31 - 1;

/** A version number, or the latest live version. */
export type VersionSpec = number | 'latest';

/** What a client sends to register, look up or test a schema. */
export interface SchemaInput {
  readonly schema: unknown;
  readonly schemaType?: unknown;
  readonly references?: unknown;
}

/** One version of a subject, as the API returns it. */
export interface SubjectSchema {
  readonly subject: string;
  readonly version: number;
  readonly id: number;
  readonly schemaType: SchemaType;
  readonly schema: string;
}

export interface RegisterResult {
  readonly id: number;
  readonly version: number;
  /** False when the schema was already the subject's live version: nothing to persist. */
  readonly changed: boolean;
}

export interface ReadOptions {
  /** Include soft-deleted versions (the API's `deleted=true`). @default false */
  readonly deleted?: boolean;
}

export interface RegistryStoreOptions {
  /** The level used when neither the subject nor PUT /config set one. @default DEFAULT_COMPATIBILITY */
  readonly defaultCompatibility?: CompatibilityLevel;
}

interface SubjectEntry {
  readonly name: string;
  lastVersion: number;
  compatibility: CompatibilityLevel | undefined;
  versions: VersionRecord[];
}

/** "latest", "-1" (Confluent's alias for latest) or 1..2^31-1; anything else is a 42202. */
export function parseVersionSpec(text: string): VersionSpec {
  if (text === 'latest' || text === '-1') return 'latest';
  if (!/^[0-9]+$/.test(text)) throw invalidVersion(text);
  const version = Number(text);
  if (version < 1 || version > MAX_VERSION) throw invalidVersion(text);
  return version;
}

export class RegistryStore {
  readonly #defaultCompatibility: CompatibilityLevel;
  /** Parsed types by canonical text; shared between clones (canonical text -> type never changes). */
  readonly #types: Map<string, avsc.Type>;
  readonly #schemas = new Map<number, StoredSchemaRecord>();
  readonly #idByCanonical = new Map<string, number>();
  readonly #subjects = new Map<string, SubjectEntry>();
  #nextId: number;
  #globalCompatibility: CompatibilityLevel | undefined;

  constructor(
    state: RegistryState = emptyRegistryState(),
    options: RegistryStoreOptions = {},
    typeCache = new Map<string, avsc.Type>(),
  ) {
    this.#defaultCompatibility = options.defaultCompatibility ?? DEFAULT_COMPATIBILITY;
    this.#types = typeCache;
    this.#nextId = state.nextId;
    this.#globalCompatibility = state.compatibility;
    for (const schema of state.schemas) {
      this.#schemas.set(schema.id, schema);
      this.#idByCanonical.set(schema.schema, schema.id);
    }
    for (const subject of state.subjects) {
      this.#subjects.set(subject.name, {
        name: subject.name,
        lastVersion: subject.lastVersion,
        compatibility: subject.compatibility,
        versions: [...subject.versions].sort((a, b) => a.version - b.version),
      });
    }
  }

  /** The durable state: what persistence writes. */
  toState(): RegistryState {
    const subjects = [...this.#subjects.values()].map((entry): SubjectRecord => {
      const record = { name: entry.name, lastVersion: entry.lastVersion, versions: [...entry.versions] };
      return entry.compatibility === undefined ? record : { ...record, compatibility: entry.compatibility };
    });
    const state: RegistryState = {
      format: REGISTRY_STATE_FORMAT,
      nextId: this.#nextId,
      schemas: [...this.#schemas.values()].sort((a, b) => a.id - b.id),
      subjects,
    };
    return this.#globalCompatibility === undefined
      ? state
      : { ...state, compatibility: this.#globalCompatibility };
  }

  /** An independent copy to mutate (sharing only the immutable type cache). */
  clone(): RegistryStore {
    return new RegistryStore(
      this.toState(),
      { defaultCompatibility: this.#defaultCompatibility },
      this.#types,
    );
  }

  // ---- reads -------------------------------------------------------------------------------------

  /** Subjects with at least one live version (or any version with `deleted`), sorted. */
  subjects(options: ReadOptions & { prefix?: string } = {}): string[] {
    const prefix = options.prefix ?? '';
    return [...this.#subjects.values()]
      .filter((entry) => entry.name.startsWith(prefix) && this.#visible(entry, options).length > 0)
      .map((entry) => entry.name)
      .sort();
  }

  /** Version numbers of a subject, ascending; 40401 when it has none. */
  versions(subject: string, options: ReadOptions = {}): number[] {
    return this.#existingVersions(subject, options).map((record) => record.version);
  }

  /** One version of a subject; 40401 / 40402 when absent. */
  version(subject: string, spec: VersionSpec, options: ReadOptions = {}): SubjectSchema {
    const records = this.#existingVersions(subject, options);
    const record = spec === 'latest' ? records.at(-1) : records.find((r) => r.version === spec);
    if (record === undefined) throw versionNotFound(spec === 'latest' ? 'latest' : spec);
    return this.#view(subject, record);
  }

  /** The schema with this id; 40403 when unknown. */
  schemaById(id: number): StoredSchemaRecord {
    const schema = this.#schemas.get(id);
    if (schema === undefined) throw schemaNotFound(id);
    return schema;
  }

  /** Every subject-version using this id; 40403 when the id is unknown. */
  versionsOfId(id: number, options: ReadOptions = {}): Array<{ subject: string; version: number }> {
    this.schemaById(id);
    const found: Array<{ subject: string; version: number }> = [];
    for (const entry of [...this.#subjects.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      for (const record of this.#visible(entry, options)) {
        if (record.id === id) found.push({ subject: entry.name, version: record.version });
      }
    }
    return found;
  }

  /** Every version of every subject, live ones only unless `deleted`. */
  allVersions(options: ReadOptions & { prefix?: string } = {}): SubjectSchema[] {
    return this.subjects(options).flatMap((subject) =>
      this.#existingVersions(subject, options).map((record) => this.#view(subject, record)),
    );
  }

  /** Is this schema (canonically) registered under the subject? 40401 / 40403 when not. */
  lookup(subject: string, input: SchemaInput, options: ReadOptions = {}): SubjectSchema {
    const parsed = this.#parse(input);
    const records = this.#existingVersions(subject, options);
    const id = this.#idByCanonical.get(parsed.canonical);
    const record = id === undefined ? undefined : records.findLast((r) => r.id === id);
    if (record === undefined) throw schemaNotFound();
    return this.#view(subject, record);
  }

  // ---- compatibility -----------------------------------------------------------------------------

  /** The global level: set with PUT /config, else the server's default. */
  globalCompatibility(): CompatibilityLevel {
    return this.#globalCompatibility ?? this.#defaultCompatibility;
  }

  /** The subject's own level, undefined when it has none. */
  subjectCompatibility(subject: string): CompatibilityLevel | undefined {
    return this.#subjects.get(subject)?.compatibility;
  }

  /** The level applied to the subject: its own, else the global one. */
  effectiveCompatibility(subject: string): CompatibilityLevel {
    return this.subjectCompatibility(subject) ?? this.globalCompatibility();
  }

  /**
   * Would `input` be accepted? Against 'all': the check register does (the subject's level over its
   * live versions; a subject with none accepts anything). Against one version: that version only, under
   * the direction of the subject's level; 40401 / 40402 when absent.
   */
  testCompatibility(subject: string, input: SchemaInput, against: VersionSpec | 'all'): CompatibilityResult {
    const parsed = this.#parse(input);
    const level = this.effectiveCompatibility(subject);
    if (against === 'all') return checkCompatibility(parsed.type, this.#previous(subject), level);
    const target = this.version(subject, against);
    return checkCompatibility(
      parsed.type,
      [{ version: target.version, type: this.#type(target.schema) }],
      level,
    );
  }

  // ---- writes ------------------------------------------------------------------------------------

  /**
   * Registers `input` under `subject`. The same canonical schema already live in the subject returns its
   * version unchanged. Otherwise it must pass the subject's compatibility level (409 when not), gets the
   * id of the same canonical schema anywhere in the registry (or a new one), and the next version.
   */
  register(subject: string, input: SchemaInput): RegisterResult {
    const parsed = this.#parse(input);
    const existingId = this.#idByCanonical.get(parsed.canonical);
    const entry = this.#subjects.get(subject);
    const live = entry === undefined ? [] : entry.versions.filter((record) => !record.deleted);
    if (existingId !== undefined) {
      const same = live.findLast((record) => record.id === existingId);
      if (same !== undefined) return { id: existingId, version: same.version, changed: false };
    }
    const result = checkCompatibility(
      parsed.type,
      this.#previous(subject),
      this.effectiveCompatibility(subject),
    );
    if (!result.compatible) throw incompatibleSchema(subject, result.messages);

    let id = existingId;
    if (id === undefined) {
      id = this.#nextId;
      this.#nextId += 1;
      this.#schemas.set(id, { id, schemaType: 'AVRO', schema: parsed.canonical });
      this.#idByCanonical.set(parsed.canonical, id);
    }
    const target = entry ?? this.#createSubject(subject);
    target.lastVersion += 1;
    target.versions.push({ version: target.lastVersion, id, deleted: false });
    return { id, version: target.lastVersion, changed: true };
  }

  setGlobalCompatibility(level: CompatibilityLevel): void {
    this.#globalCompatibility = level;
  }

  /** Back to the server's default; returns the level that was in force. */
  deleteGlobalCompatibility(): CompatibilityLevel {
    const previous = this.globalCompatibility();
    this.#globalCompatibility = undefined;
    return previous;
  }

  /** Sets a subject's level; the subject need not have versions yet (clients set it before registering). */
  setSubjectCompatibility(subject: string, level: CompatibilityLevel): void {
    (this.#subjects.get(subject) ?? this.#createSubject(subject)).compatibility = level;
  }

  /** Removes a subject's own level; returns it. 40408 when it had none. */
  deleteSubjectCompatibility(subject: string): CompatibilityLevel {
    const entry = this.#subjects.get(subject);
    const level = entry?.compatibility;
    if (entry === undefined || level === undefined) throw subjectCompatibilityNotConfigured(subject);
    entry.compatibility = undefined;
    this.#dropIfEmpty(entry);
    return level;
  }

  /**
   * Soft delete (default): every live version is flagged deleted; returns their numbers (40404 when the
   * subject is already soft-deleted). Permanent: the subject must be soft-deleted first (40405); its
   * versions and config are removed, and its version numbers start again at 1. Schemas and ids stay.
   */
  deleteSubject(subject: string, permanent: boolean): number[] {
    const entry = this.#subjects.get(subject);
    if (entry === undefined || entry.versions.length === 0) throw subjectNotFound(subject);
    const live = entry.versions.filter((record) => !record.deleted);
    if (permanent) {
      if (live.length > 0) {
        throw new RegistryError(
          REGISTRY_ERROR_CODES.SUBJECT_NOT_SOFT_DELETED,
          `Subject '${subject}' was not deleted first before being permanently deleted`,
        );
      }
      this.#subjects.delete(subject);
      return entry.versions.map((record) => record.version);
    }
    if (live.length === 0) {
      throw new RegistryError(
        REGISTRY_ERROR_CODES.SUBJECT_SOFT_DELETED,
        `Subject '${subject}' was soft deleted.Set permanent=true to delete permanently`,
      );
    }
    entry.versions = entry.versions.map((record) => ({ ...record, deleted: true }));
    return live.map((record) => record.version);
  }

  /**
   * Soft delete (default) of one version: 40406 when it already is. Permanent: it must be soft-deleted
   * first (40407), then it is removed. Version numbers are never given again within the subject.
   */
  deleteVersion(subject: string, spec: VersionSpec, permanent: boolean): number {
    const entry = this.#subjects.get(subject);
    const visible = entry === undefined ? [] : this.#visible(entry, { deleted: permanent });
    if (entry === undefined || visible.length === 0) throw subjectNotFound(subject);
    const record =
      spec === 'latest' ? visible.at(-1) : entry.versions.find((candidate) => candidate.version === spec);
    if (record === undefined) throw versionNotFound(spec === 'latest' ? 'latest' : spec);
    if (permanent) {
      if (!record.deleted) {
        throw new RegistryError(
          REGISTRY_ERROR_CODES.VERSION_NOT_SOFT_DELETED,
          `Subject '${subject}' Version ${record.version} was not deleted first before being permanently deleted`,
        );
      }
      entry.versions = entry.versions.filter((candidate) => candidate !== record);
      return record.version;
    }
    if (record.deleted) {
      throw new RegistryError(
        REGISTRY_ERROR_CODES.VERSION_SOFT_DELETED,
        `Subject '${subject}' Version ${record.version} was soft deleted.Set permanent=true to delete permanently`,
      );
    }
    entry.versions = entry.versions.map((candidate) =>
      candidate === record ? { ...candidate, deleted: true } : candidate,
    );
    return record.version;
  }

  // ---- internals ---------------------------------------------------------------------------------

  #parse(input: SchemaInput): ParsedAvroSchema {
    const { schema, schemaType, references } = input;
    if (schemaType !== undefined && schemaType !== null && schemaType !== 'AVRO') {
      throw invalidSchema(
        `schema type ${JSON.stringify(schemaType)} is not supported by this registry (supported: ${SUPPORTED_SCHEMA_TYPES.join(', ')})`,
      );
    }
    if (
      references !== undefined &&
      references !== null &&
      !(Array.isArray(references) && references.length === 0)
    ) {
      throw invalidSchema(
        'schema references are not supported by this registry; inline the referenced types',
      );
    }
    if (typeof schema !== 'string' || schema.trim() === '')
      throw invalidSchema('the request has no "schema" text');
    const parsed = parseAvroSchema(schema);
    if (!this.#types.has(parsed.canonical)) this.#types.set(parsed.canonical, parsed.type);
    return parsed;
  }

  #type(canonical: string): avsc.Type {
    let type = this.#types.get(canonical);
    if (type === undefined) {
      type = typeOfCanonical(canonical);
      this.#types.set(canonical, type);
    }
    return type;
  }

  /** Live versions of a subject, oldest first, with their parsed types. */
  #previous(subject: string): PreviousVersion[] {
    const entry = this.#subjects.get(subject);
    if (entry === undefined) return [];
    return entry.versions
      .filter((record) => !record.deleted)
      .map((record) => ({ version: record.version, type: this.#type(this.schemaById(record.id).schema) }));
  }

  #visible(entry: SubjectEntry, options: ReadOptions): VersionRecord[] {
    return options.deleted === true ? entry.versions : entry.versions.filter((record) => !record.deleted);
  }

  #existingVersions(subject: string, options: ReadOptions): VersionRecord[] {
    const entry = this.#subjects.get(subject);
    const records = entry === undefined ? [] : this.#visible(entry, options);
    if (records.length === 0) throw subjectNotFound(subject);
    return records;
  }

  #view(subject: string, record: VersionRecord): SubjectSchema {
    const schema = this.schemaById(record.id);
    return {
      subject,
      version: record.version,
      id: record.id,
      schemaType: schema.schemaType,
      schema: schema.schema,
    };
  }

  #createSubject(subject: string): SubjectEntry {
    const entry: SubjectEntry = { name: subject, lastVersion: 0, compatibility: undefined, versions: [] };
    this.#subjects.set(subject, entry);
    return entry;
  }

  #dropIfEmpty(entry: SubjectEntry): void {
    if (entry.versions.length === 0 && entry.compatibility === undefined && entry.lastVersion === 0) {
      this.#subjects.delete(entry.name);
    }
  }
}
