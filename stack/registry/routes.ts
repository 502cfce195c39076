/**
 * The REST API of the registry, Confluent's paths and JSON shapes, as a function of (method, path, query,
 * parsed body) -> (status, JSON text). No sockets here: http.ts does the transport.
 */
import { parseCompatibilityLevel } from './compatibility.ts';
import {
  REGISTRY_ERROR_CODES,
  RegistryError,
  invalidCompatibilityLevel,
  schemaNotFound,
  subjectCompatibilityNotConfigured,
} from './errors.ts';
import {
  SUPPORTED_SCHEMA_TYPES,
  parseVersionSpec,
  type RegistryStore,
  type SchemaInput,
  type SubjectSchema,
} from './store.ts';

/** Read and (serialised, persisted) write access to the store. */
export interface RegistryAccess {
  /** The committed store, for reads. */
  current(): RegistryStore;
  /**
   * Runs `change` on a copy of the store; when it reports a change, persists the copy and makes it the
   * current store, all before the promise settles. Changes run one at a time.
   */
  mutate<T>(change: (draft: RegistryStore) => { value: T; changed: boolean }): Promise<T>;
}

export interface RegistryRequest {
  readonly method: string;
  /** Path segments, already percent-decoded (`/subjects/a%2Fb/versions` -> ['subjects', 'a/b', 'versions']). */
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  /** The parsed JSON body, undefined when there was none. */
  readonly body: unknown;
}

export interface RegistryResponse {
  readonly status: number;
  /** JSON text of the answer. */
  readonly json: string;
}

/** Observations for logs. */
export interface RouteEvents {
  registered?(event: { subject: string; id: number; version: number; changed: boolean }): void;
}

const MAX_SCHEMA_ID = 2 ** 31 - 1;

/** Answers one request; RegistryErrors become Confluent error answers, anything else propagates. */
export async function routeRegistryRequest(
  access: RegistryAccess,
  request: RegistryRequest,
  events: RouteEvents = {},
): Promise<RegistryResponse> {
  try {
    return await route(access, request, events);
  } catch (error) {
    if (error instanceof RegistryError)
      return { status: error.httpStatus, json: JSON.stringify(error.toBody()) };
    throw error;
  }
}

/** Confluent's answer for a path it does not serve. */
export function notFoundResponse(): RegistryResponse {
  return errorResponse(REGISTRY_ERROR_CODES.NOT_FOUND, 'HTTP 404 Not Found');
}

export function errorResponse(code: number, message: string): RegistryResponse {
  const status = code < 1000 ? code : Math.floor(code / 100);
  return { status, json: JSON.stringify({ error_code: code, message }) };
}

async function route(
  access: RegistryAccess,
  request: RegistryRequest,
  events: RouteEvents,
): Promise<RegistryResponse> {
  const { method, segments, query } = request;
  const [root, a, b, c, d, e] = segments;
  const deleted = flag(query, 'deleted');
  const store = access.current();
  switch (root) {
    case undefined:
      return method === 'GET' ? ok({}) : methodNotAllowed();
    case 'schemas': {
      if (a === undefined) {
        if (method !== 'GET') return methodNotAllowed();
        const prefix = query.get('subjectPrefix') ?? '';
        let versions = store.allVersions({ deleted, prefix });
        if (flag(query, 'latestOnly')) {
          versions = versions.filter((v, i) => versions[i + 1]?.subject !== v.subject);
        }
        return ok(versions.map(versionBody));
      }
      if (a === 'types' && b === undefined)
        return method === 'GET' ? ok(SUPPORTED_SCHEMA_TYPES) : methodNotAllowed();
      if (a !== 'ids' || b === undefined || d !== undefined) return notFoundResponse();
      if (method !== 'GET') return methodNotAllowed();
      const id = parseSchemaId(b);
      if (c === undefined) return ok(schemaBody(store.schemaById(id)));
      if (c === 'schema') return { status: 200, json: store.schemaById(id).schema };
      if (c === 'versions') return ok(store.versionsOfId(id, { deleted }));
      if (c === 'subjects') {
        return ok([...new Set(store.versionsOfId(id, { deleted }).map((v) => v.subject))]);
      }
      return notFoundResponse();
    }
    case 'subjects': {
      if (a === undefined) {
        if (method !== 'GET') return methodNotAllowed();
        return ok(store.subjects({ deleted, prefix: query.get('subjectPrefix') ?? '' }));
      }
      const subject = a;
      if (b === undefined) {
        if (method === 'POST')
          return ok(versionBody(store.lookup(subject, schemaInput(request.body), { deleted })));
        if (method === 'DELETE') {
          const permanent = flag(query, 'permanent');
          return ok(
            await access.mutate((draft) => ({
              value: draft.deleteSubject(subject, permanent),
              changed: true,
            })),
          );
        }
        return methodNotAllowed();
      }
      if (b !== 'versions' || e !== undefined) return notFoundResponse();
      if (c === undefined) {
        if (method === 'GET') return ok(store.versions(subject, { deleted }));
        if (method !== 'POST') return methodNotAllowed();
        const input = schemaInput(request.body);
        const result = await access.mutate((draft) => {
          const registered = draft.register(subject, input);
          return { value: registered, changed: registered.changed };
        });
        events.registered?.({ subject, ...result });
        return ok({ id: result.id });
      }
      const spec = parseVersionSpec(c);
      if (d === undefined) {
        if (method === 'GET') return ok(versionBody(store.version(subject, spec, { deleted })));
        if (method === 'DELETE') {
          const permanent = flag(query, 'permanent');
          return ok(
            await access.mutate((draft) => ({
              value: draft.deleteVersion(subject, spec, permanent),
              changed: true,
            })),
          );
        }
        return methodNotAllowed();
      }
      if (method !== 'GET') return methodNotAllowed();
      if (d === 'schema') return { status: 200, json: store.version(subject, spec, { deleted }).schema };
      if (d === 'referencedby') {
        store.version(subject, spec, { deleted });
        return ok([]); // references are not supported, so nothing refers to anything
      }
      return notFoundResponse();
    }
    case 'compatibility': {
      if (a !== 'subjects' || b === undefined || c !== 'versions' || e !== undefined)
        return notFoundResponse();
      if (method !== 'POST') return methodNotAllowed();
      const result = store.testCompatibility(
        b,
        schemaInput(request.body),
        d === undefined ? 'all' : parseVersionSpec(d),
      );
      return ok(
        flag(query, 'verbose')
          ? { is_compatible: result.compatible, messages: result.messages }
          : { is_compatible: result.compatible },
      );
    }
    case 'config': {
      if (b !== undefined) return notFoundResponse();
      if (a === undefined) {
        if (method === 'GET') return ok({ compatibilityLevel: store.globalCompatibility() });
        if (method === 'PUT') {
          const level = levelFromBody(request.body);
          await access.mutate((draft) => {
            draft.setGlobalCompatibility(level);
            return { value: level, changed: true };
          });
          return ok({ compatibility: level });
        }
        if (method === 'DELETE') {
          const previous = await access.mutate((draft) => ({
            value: draft.deleteGlobalCompatibility(),
            changed: true,
          }));
          return ok({ compatibilityLevel: previous });
        }
        return methodNotAllowed();
      }
      const subject = a;
      if (method === 'GET') {
        const level =
          store.subjectCompatibility(subject) ??
          (flag(query, 'defaultToGlobal') ? store.globalCompatibility() : undefined);
        if (level === undefined) throw subjectCompatibilityNotConfigured(subject);
        return ok({ compatibilityLevel: level });
      }
      if (method === 'PUT') {
        const level = levelFromBody(request.body);
        await access.mutate((draft) => {
          draft.setSubjectCompatibility(subject, level);
          return { value: level, changed: true };
        });
        return ok({ compatibility: level });
      }
      if (method === 'DELETE') {
        const previous = await access.mutate((draft) => ({
          value: draft.deleteSubjectCompatibility(subject),
          changed: true,
        }));
        return ok({ compatibilityLevel: previous });
      }
      return methodNotAllowed();
    }
    case 'mode': {
      if (b !== undefined) return notFoundResponse();
      if (method === 'GET') return ok({ mode: 'READWRITE' });
      if (method === 'PUT') {
        const mode = objectBody(request.body)['mode'];
        if (mode !== 'READWRITE') {
          throw new RegistryError(
            REGISTRY_ERROR_CODES.INVALID_MODE,
            'Invalid mode. This registry supports only READWRITE',
          );
        }
        return ok({ mode });
      }
      return methodNotAllowed();
    }
    default:
      return notFoundResponse();
  }
}

function ok(value: unknown): RegistryResponse {
  return { status: 200, json: JSON.stringify(value) };
}

function methodNotAllowed(): RegistryResponse {
  return errorResponse(REGISTRY_ERROR_CODES.METHOD_NOT_ALLOWED, 'HTTP 405 Method Not Allowed');
}

function flag(query: URLSearchParams, name: string): boolean {
  return query.get(name)?.toLowerCase() === 'true';
}

function parseSchemaId(text: string): number {
  if (!/^[0-9]{1,10}$/.test(text)) throw schemaNotFound(text);
  const id = Number(text);
  if (id < 1 || id > MAX_SCHEMA_ID) throw schemaNotFound(text);
  return id;
}

function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RegistryError(REGISTRY_ERROR_CODES.BAD_REQUEST, 'The request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function schemaInput(body: unknown): SchemaInput {
  const fields = objectBody(body);
  return { schema: fields['schema'], schemaType: fields['schemaType'], references: fields['references'] };
}

function levelFromBody(body: unknown): ReturnType<RegistryStore['globalCompatibility']> {
  const fields = objectBody(body);
  // Confluent's field is "compatibility"; some clients send the GET shape's "compatibilityLevel".
  const level = parseCompatibilityLevel(fields['compatibility'] ?? fields['compatibilityLevel']);
  if (level === undefined) throw invalidCompatibilityLevel();
  return level;
}

/** GET /schemas/ids/{id}: schemaType only when not AVRO, as Confluent answers. */
function schemaBody(schema: { schemaType: string; schema: string }): Record<string, string> {
  return schema.schemaType === 'AVRO'
    ? { schema: schema.schema }
    : { schemaType: schema.schemaType, schema: schema.schema };
}

function versionBody(version: SubjectSchema): Record<string, string | number> {
  return { subject: version.subject, version: version.version, id: version.id, ...schemaBody(version) };
}
