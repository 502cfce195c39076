/** Writer schemas fetched from the Schema Registry over its REST API, cached by id (ids never change). */
import type { SchemaRegistryConfig } from '../config/config.ts';
import { StadionError } from '../errors.ts';
import type { WriterSchemas } from './decoders.ts';

export function registryWriterSchemas(config: SchemaRegistryConfig): WriterSchemas {
  const cache = new Map<number, string>();
  const headers: Record<string, string> = { accept: 'application/vnd.schemaregistry.v1+json' };
  if (config.auth !== undefined) {
    headers['authorization'] =
      `Basic ${Buffer.from(`${config.auth.username}:${config.auth.password}`).toString('base64')}`;
  }
  return {
    async schemaById(id: number): Promise<string | undefined> {
      const cached = cache.get(id);
      if (cached !== undefined) return cached;
      const response = await fetch(`${config.url}/schemas/ids/${id}`, {
        headers,
        signal: AbortSignal.timeout(10_000),
      });
      if (response.status === 404) {
        await response.body?.cancel();
        return undefined;
      }
      if (!response.ok) {
        throw new StadionError(
          'SERVICE_UNREACHABLE',
          `Schema Registry answered ${response.status} for schema id ${id}`,
        );
      }
      const body = (await response.json()) as { schema?: unknown; schemaType?: unknown };
      if (typeof body.schema !== 'string')
        throw new StadionError('SCHEMA', `Schema Registry sent no schema for id ${id}`);
      if (body.schemaType !== undefined && body.schemaType !== 'AVRO') return undefined;
      cache.set(id, body.schema);
      return body.schema;
    },
  };
}
