/**
 * The registry over real HTTP, driven by @kafkajs/confluent-schema-registry (the client the engine uses)
 * and by raw fetch for the exact Confluent shapes: status, error_code, content type.
 */
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSchemaRegistry, type SchemaRegistryServer } from '../../../stack/registry/server.ts';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const SUBJECT = 'readings-value';

const readingV1 = {
  type: 'record',
  name: 'Reading',
  namespace: 'stadion.demo',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'eventTimeMs', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'speedMps', type: 'double' },
  ],
};
const readingV2 = { ...readingV1, fields: [...readingV1.fields, { name: 'lane', type: 'int', default: 0 }] };
const readingNoDefault = { ...readingV1, fields: [...readingV1.fields, { name: 'lane', type: 'int' }] };
const readingChangedType = {
  ...readingV1,
  fields: [{ name: 'sensorId', type: 'int' }, ...readingV1.fields.slice(1)],
};

let dataDir: string;
let server: SchemaRegistryServer;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'stadion-registry-'));
  server = await startSchemaRegistry({ dataDir, port: 0 });
});

afterEach(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

function client(): SchemaRegistry {
  return new SchemaRegistry({ host: server.url, retry: { retries: 0 } });
}

function register(registry: SchemaRegistry, schema: object, subject = SUBJECT): Promise<{ id: number }> {
  return registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
}

interface RawAnswer {
  status: number;
  contentType: string | null;
  body: unknown;
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  contentType = CONTENT_TYPE,
): Promise<RawAnswer> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers:
      body === undefined ? { accept: CONTENT_TYPE } : { accept: CONTENT_TYPE, 'content-type': contentType },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: JSON.parse(text),
  };
}

function schemaBody(schema: object): { schema: string } {
  return { schema: JSON.stringify(schema) };
}

describe('Schema Registry server with @kafkajs/confluent-schema-registry', () => {
  it('registers, encodes and decodes an Avro record', async () => {
    const registry = client();
    const { id } = await register(registry, readingV1);
    expect(id).toBe(1);
    const value = { sensorId: 's-1', eventTimeMs: 1_700_000_000_000, speedMps: 12.5 };
    const encoded = await registry.encode(id, value);
    expect(encoded[0]).toBe(0); // Confluent wire format: magic byte, then the id
    expect(encoded.readInt32BE(1)).toBe(id);
    expect(await registry.decode(encoded)).toEqual(value);
    expect(await registry.getLatestSchemaId(SUBJECT)).toBe(id);
    expect(await registry.getRegistryId(SUBJECT, 1)).toBe(id);
    expect(await registry.getRegistryId(SUBJECT, 'latest')).toBe(id);
    // the same schema, formatted differently, is found and not registered again
    const pretty = JSON.stringify(readingV1, null, 4);
    expect(await registry.getRegistryIdBySchema(SUBJECT, { type: SchemaType.AVRO, schema: pretty })).toBe(id);
    expect(
      (await registry.register({ type: SchemaType.AVRO, schema: pretty }, { subject: SUBJECT })).id,
    ).toBe(id);
    expect((await call('GET', `/subjects/${SUBJECT}/versions`)).body).toEqual([1]);
    // a compatible evolution gets a new id; a fresh client decodes old data with the new reader
    const { id: id2 } = await register(registry, readingV2);
    expect(id2).toBe(2);
    const fresh = client();
    expect(await fresh.decode(encoded)).toEqual(value);
  });

  it('refuses an incompatible change; the client surfaces status 409 and the registry message', async () => {
    const registry = client();
    await register(registry, readingV1);
    for (const schema of [readingNoDefault, readingChangedType]) {
      const error: unknown = await register(registry, schema).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({ name: 'ResponseError', status: 409 });
      expect((error as Error).message).toContain(
        'Schema being registered is incompatible with an earlier schema',
      );
    }
    const raw = await call('POST', `/subjects/${SUBJECT}/versions`, schemaBody(readingNoDefault));
    expect(raw.status).toBe(409);
    expect(raw.contentType).toBe(CONTENT_TYPE);
    expect(raw.body).toMatchObject({ error_code: 409 });
    expect((raw.body as { message: string }).message).toMatch(
      /^Schema being registered is incompatible with an earlier schema for subject "readings-value"/,
    );
    expect((await call('GET', `/subjects/${SUBJECT}/versions`)).body).toEqual([1]);
  });

  it('keeps ids, versions and config across close() and a restart on the same data directory', async () => {
    const registry = client();
    const { id } = await register(registry, readingV1);
    await register(registry, readingV2);
    await register(registry, readingV1, 'other-value');
    await call('PUT', '/config/other-value', { compatibility: 'FULL' });
    await call('PUT', '/config', { compatibility: 'FORWARD' });
    const encoded = await registry.encode(id, { sensorId: 'a', eventTimeMs: 1, speedMps: 2 });
    const firstUrl = server.url;

    await server.close();
    server = await startSchemaRegistry({ dataDir, port: 0 });
    expect(server.url).not.toBe(firstUrl);

    const after = client();
    expect(await after.decode(encoded)).toEqual({ sensorId: 'a', eventTimeMs: 1, speedMps: 2 });
    expect((await call('GET', '/subjects')).body).toEqual(['other-value', SUBJECT]);
    expect((await call('GET', `/subjects/${SUBJECT}/versions/latest`)).body).toMatchObject({
      id: 2,
      version: 2,
    });
    expect((await call('GET', '/schemas/ids/1/versions')).body).toEqual([
      { subject: 'other-value', version: 1 },
      { subject: SUBJECT, version: 1 },
    ]);
    expect((await call('GET', '/config/other-value')).body).toEqual({ compatibilityLevel: 'FULL' });
    expect((await call('GET', '/config')).body).toEqual({ compatibilityLevel: 'FORWARD' });
    // ids keep counting: a new schema gets 3, never a reused id
    const third = {
      ...readingV2,
      fields: [...readingV2.fields, { name: 'note', type: 'string', default: '' }],
    };
    expect((await register(after, third)).id).toBe(3);
  });

  it('gets and sets compatibility, globally and per subject', async () => {
    expect((await call('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    // no subject-level config yet: 404 40408 (the client relies on this 404 to detect a first registration)
    const missing = await call('GET', `/config/${SUBJECT}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error_code: 40408 });
    expect((await call('GET', `/config/${SUBJECT}?defaultToGlobal=true`)).body).toEqual({
      compatibilityLevel: 'BACKWARD',
    });

    const registry = client();
    await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(readingV1) },
      { subject: SUBJECT, compatibility: COMPATIBILITY.FORWARD },
    );
    expect((await call('GET', `/config/${SUBJECT}`)).body).toEqual({ compatibilityLevel: 'FORWARD' });
    // under FORWARD a field without default is fine, a removed required field is not
    expect(
      (await call('POST', `/compatibility/subjects/${SUBJECT}/versions/latest`, schemaBody(readingNoDefault)))
        .body,
    ).toEqual({
      is_compatible: true,
    });
    const removed = { ...readingV1, fields: readingV1.fields.slice(0, 2) };
    const verdict = await call(
      'POST',
      `/compatibility/subjects/${SUBJECT}/versions/latest?verbose=true`,
      schemaBody(removed),
    );
    expect(verdict.body).toMatchObject({ is_compatible: false });
    expect((verdict.body as { messages: string[] }).messages.join()).toContain('speedMps');

    const put = await call('PUT', `/config/${SUBJECT}`, { compatibility: 'none' });
    expect(put.body).toEqual({ compatibility: 'NONE' });
    // the client checks the subject's level against its own option before registering
    const mismatch: unknown = await register(registry, removed).catch((e: unknown) => e);
    expect((mismatch as Error).message).toContain(
      'Compatibility does not match the configuration (BACKWARD != NONE)',
    );
    const accepted = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(removed) },
      { subject: SUBJECT, compatibility: COMPATIBILITY.NONE },
    );
    expect(accepted.id).toBe(2);

    const bad = await call('PUT', '/config', { compatibility: 'SIDEWAYS' });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ error_code: 42203 });
    expect((await call('PUT', '/config', { compatibility: 'FULL_TRANSITIVE' })).body).toEqual({
      compatibility: 'FULL_TRANSITIVE',
    });
    expect((await call('GET', '/config/unset-subject?defaultToGlobal=true')).body).toEqual({
      compatibilityLevel: 'FULL_TRANSITIVE',
    });
    expect((await call('DELETE', `/config/${SUBJECT}`)).body).toEqual({ compatibilityLevel: 'NONE' });
  });

  it('lists subjects, versions, the latest version, raw schemas and ids', async () => {
    const registry = client();
    await register(registry, readingV1);
    await register(registry, readingV2);
    await register(registry, readingV1, 'b-value');
    expect((await call('GET', '/subjects')).body).toEqual(['b-value', SUBJECT]);
    expect((await call('GET', `/subjects/${SUBJECT}/versions`)).body).toEqual([1, 2]);
    const latest = await call('GET', `/subjects/${SUBJECT}/versions/latest`);
    expect(latest.status).toBe(200);
    expect(latest.contentType).toBe(CONTENT_TYPE);
    const { schema: schemaOf2 } = (await call('GET', '/schemas/ids/2')).body as { schema: string };
    expect(latest.body).toEqual({ subject: SUBJECT, version: 2, id: 2, schema: schemaOf2 });
    expect(JSON.parse(schemaOf2)).toMatchObject({
      fields: expect.arrayContaining([expect.objectContaining({ name: 'lane' })]) as unknown,
    });
    const raw = await call('GET', `/subjects/${SUBJECT}/versions/1/schema`);
    expect(raw.body).toMatchObject({ type: 'record', name: 'Reading', namespace: 'stadion.demo' });
    expect((await call('GET', '/schemas/ids/1')).body).toEqual({ schema: JSON.stringify(raw.body) });
    expect((await call('GET', '/schemas/ids/1/subjects')).body).toEqual(['b-value', SUBJECT]);
    expect((await call('POST', `/subjects/${SUBJECT}`, schemaBody(readingV2))).body).toMatchObject({
      subject: SUBJECT,
      id: 2,
      version: 2,
    });
    expect((await call('GET', '/schemas/types')).body).toEqual(['AVRO']);
    expect((await call('GET', '/')).body).toEqual({});
    expect((await call('GET', '/mode')).body).toEqual({ mode: 'READWRITE' });
    expect((await call('GET', '/schemas?latestOnly=true')).body).toHaveLength(2);
    // subjects with reserved characters travel percent-encoded, as the client sends them
    const odd = 'team/a b:ü-value';
    expect((await register(registry, readingV1, odd)).id).toBe(1);
    expect(await registry.getLatestSchemaId(odd)).toBe(1);
    expect((await call('GET', `/subjects/${encodeURIComponent(odd)}/versions`)).body).toEqual([1]);
    expect((await call('GET', '/subjects?subjectPrefix=team%2F')).body).toEqual([odd]);
  });

  it('answers errors in Confluent JSON with the right statuses and codes', async () => {
    await register(client(), readingV1);
    const cases: Array<[string, string, unknown, number, number]> = [
      ['GET', '/nope', undefined, 404, 404],
      ['GET', '/subjects/nope/versions', undefined, 404, 40401],
      ['GET', `/subjects/${SUBJECT}/versions/9`, undefined, 404, 40402],
      ['GET', '/schemas/ids/99', undefined, 404, 40403],
      ['POST', `/subjects/${SUBJECT}`, schemaBody(readingV2), 404, 40403],
      ['POST', '/subjects/nope', schemaBody(readingV1), 404, 40401],
      ['GET', `/subjects/${SUBJECT}/versions/abc`, undefined, 422, 42202],
      ['POST', `/subjects/${SUBJECT}/versions`, { schema: '{"type":"record"' }, 422, 42201],
      [
        'POST',
        `/subjects/${SUBJECT}/versions`,
        { schema: '{"type":"object"}', schemaType: 'JSON' },
        422,
        42201,
      ],
      ['POST', `/subjects/${SUBJECT}/versions`, '{"schema": ', 400, 400],
      ['PUT', '/subjects', {}, 405, 405],
    ];
    for (const [method, path, body, status, errorCode] of cases) {
      const answer = await call(method, path, body);
      expect({ method, path, status: answer.status, contentType: answer.contentType }).toEqual({
        method,
        path,
        status,
        contentType: CONTENT_TYPE,
      });
      expect(answer.body).toEqual({ error_code: errorCode, message: expect.any(String) as unknown });
    }
    const wrongType = await call(
      'POST',
      `/subjects/${SUBJECT}/versions`,
      schemaBody(readingV2),
      'text/plain',
    );
    expect(wrongType.status).toBe(415);
    for (const type of ['application/json', 'application/vnd.schemaregistry+json; charset=utf-8']) {
      expect((await call('POST', `/subjects/${SUBJECT}/versions`, schemaBody(readingV2), type)).body).toEqual(
        { id: 2 },
      );
    }
  });

  it('soft-deletes and permanently deletes subjects and versions', async () => {
    const registry = client();
    await register(registry, readingV1);
    await register(registry, readingV2);
    expect((await call('DELETE', `/subjects/${SUBJECT}/versions/2`)).body).toBe(2);
    expect((await call('GET', `/subjects/${SUBJECT}/versions`)).body).toEqual([1]);
    expect((await call('GET', `/subjects/${SUBJECT}/versions?deleted=true`)).body).toEqual([1, 2]);
    expect((await call('GET', '/schemas/ids/2')).status).toBe(200); // ids stay readable for old records
    expect((await call('DELETE', `/subjects/${SUBJECT}?permanent=true`)).body).toMatchObject({
      error_code: 40405,
    });
    expect((await call('DELETE', `/subjects/${SUBJECT}`)).body).toEqual([1]);
    expect((await call('GET', '/subjects')).body).toEqual([]);
    expect((await call('GET', '/subjects?deleted=true')).body).toEqual([SUBJECT]);
    expect((await call('DELETE', `/subjects/${SUBJECT}?permanent=true`)).body).toEqual([1, 2]);
    expect((await call('GET', '/subjects?deleted=true')).body).toEqual([]);
    expect((await register(registry, readingChangedType)).id).toBe(3);
  });

  it('serialises concurrent registrations: one id per schema, consecutive versions', async () => {
    const registry = client();
    await register(registry, readingV1);
    const schemas = Array.from({ length: 12 }, (_, i) => ({
      ...readingV1,
      fields: [...readingV1.fields, { name: `extra${i}`, type: 'int', default: i }],
    }));
    // each schema twice, all at once, through raw HTTP (the client would dedupe by its own cache)
    const answers = await Promise.all(
      [...schemas, ...schemas].map((schema) =>
        call('POST', `/subjects/${SUBJECT}/versions`, schemaBody(schema)),
      ),
    );
    const ids = answers.map((answer) => (answer.body as { id: number }).id);
    expect(ids.slice(0, 12)).toEqual(ids.slice(12));
    expect(new Set(ids).size).toBe(12);
    expect((await call('GET', `/subjects/${SUBJECT}/versions`)).body).toEqual(
      Array.from({ length: 13 }, (_, i) => i + 1),
    );
  });
});
