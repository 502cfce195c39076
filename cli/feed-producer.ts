/**
 * What `stadion simulate <feed>` and `stadion ingest <feed>` share: resolve the services (or start an
 * embedded stack), create the feed's topics, and hand a connected producer and the registry to the
 * feed's code; everything is closed afterwards, also on errors.
 */
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Producer } from 'kafkajs';
import { createKafka } from '../engine/clients/kafka.ts';
import { createSchemaRegistry } from '../engine/clients/registry.ts';
import { ensureTopics } from '../engine/clients/topics.ts';
import { resolveLogLevel, type ConfigFlags } from '../engine/config/config.ts';
import { createJsonLogger, type Logger } from '../engine/log.ts';
import { configuredOrEmbedded } from './embedded.ts';

export interface FeedProducerContext {
  readonly producer: Producer;
  readonly registry: SchemaRegistry;
  readonly logger: Logger;
}

export async function withFeedProducer<R>(
  flags: ConfigFlags,
  topics: ReadonlyArray<{ name: string; partitions: number }>,
  work: (context: FeedProducerContext) => Promise<R>,
): Promise<R> {
  const logger = createJsonLogger({ level: resolveLogLevel(flags, process.env) });
  const services = await configuredOrEmbedded(flags, logger);
  try {
    const { config } = services;
    const kafka = createKafka(config.kafka, { logger });
    await ensureTopics(kafka, config.kafka, topics);
    const registry = createSchemaRegistry(config.schemaRegistry);
    const producer = kafka.producer();
    await producer.connect();
    try {
      return await work({ producer, registry, logger });
    } finally {
      await producer.disconnect();
    }
  } finally {
    await services.stop();
  }
}
