/** The Schema Registry client: @kafkajs/confluent-schema-registry over HTTP, local or remote alike. */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { SchemaRegistryConfig } from '../config/config.ts';

export function createSchemaRegistry(config: SchemaRegistryConfig): SchemaRegistry {
  return new SchemaRegistry({
    host: config.url,
    ...(config.auth === undefined
      ? {}
      : { auth: { username: config.auth.username, password: config.auth.password } }),
  });
}
