/**
 * Produces to Kafka: sink outputs (Avro registered under `<topic>-value`, or JSON), dead letters and
 * late records. Sends are acknowledged by all in-sync replicas (acks -1) before a flush counts as done;
 * the producer is idempotent where the cluster supports it, so retries inside a send do not duplicate.
 */
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import avsc from 'avsc';
import type { IHeaders, Producer } from 'kafkajs';
import type { Logger } from '../log.ts';
import { encodeConfluent } from '../serde/wire-format.ts';
import type { AvroSchemaDefinition } from '../topology/codecs.ts';
import { retryUntilDone } from './retry.ts';

/**
 * Messages per produce request. kafkajs (2.2.4) groups a send's messages by partition copying the
 * partition's list once per message, so a request costs the square of its size in copies: 1,000
 * messages made 500,000, a tenth of all memory the telemetry pipeline allocated. The kafkajs fast paths
 * (engine/clients/kafkajs-fast-paths.ts) group in linear time; the limit stays for when they are off.
 * @default 500
 */
export const MAX_SEND_MESSAGES = 500;
/** Approximate bytes per produce request, below Kafka's default 1 MiB message.max.bytes. @default 768 KiB */
export const MAX_SEND_BYTES = 768 * 1024;

export interface OutgoingMessage {
  key: string | null;
  value: Buffer | null;
  headers?: IHeaders;
  timestampMs?: number;
  /** An explicit partition (changelogs); otherwise the key decides. */
  partition?: number;
}

export class KafkaWriter {
  readonly #producers: readonly Producer[];
  readonly #registry: SchemaRegistry;
  readonly #logger: Logger;
  readonly #encoders = new Map<string, Promise<(value: unknown) => Buffer>>();

  /** `producers`: one or more; a send's `lane` picks one (lane modulo their number), default the first. */
  constructor(producers: Producer | readonly Producer[], registry: SchemaRegistry, logger: Logger) {
    this.#producers = Array.isArray(producers) ? producers : [producers as Producer];
    if (this.#producers.length === 0) throw new Error('KafkaWriter needs a producer');
    this.#registry = registry;
    this.#logger = logger;
  }

  /** An encoder for a topic's values: registers the schema once (compatibility checked by the registry). */
  avroEncoder(topic: string, schema: AvroSchemaDefinition): Promise<(value: unknown) => Buffer> {
    const cacheKey = `${topic}\u0000${JSON.stringify(schema)}`;
    let encoder = this.#encoders.get(cacheKey);
    if (encoder === undefined) {
      encoder = this.#registry
        .register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject: `${topic}-value` })
        .then(({ id }) => {
          const type = avsc.Type.forSchema(schema);
          return (value: unknown) => encodeConfluent(id, type, value);
        });
      encoder.catch(() => this.#encoders.delete(cacheKey));
      this.#encoders.set(cacheKey, encoder);
    }
    return encoder;
  }

  /**
   * Sends messages, acknowledged by all in-sync replicas, in chunks of at most `MAX_SEND_MESSAGES`
   * messages and about `MAX_SEND_BYTES`, so no produce request exceeds a broker's default limit.
   */
  async send(
    topic: string,
    messages: Iterable<OutgoingMessage>,
    options: { signal?: AbortSignal; onRetry?: () => void; lane?: number } = {},
  ): Promise<void> {
    let chunk: OutgoingMessage[] = [];
    let bytes = 0;
    for (const message of messages) {
      const size = (message.value?.length ?? 0) + Buffer.byteLength(message.key ?? '') + 64;
      if (chunk.length > 0 && (chunk.length >= MAX_SEND_MESSAGES || bytes + size > MAX_SEND_BYTES)) {
        await this.#sendChunk(topic, chunk, options);
        chunk = [];
        bytes = 0;
      }
      chunk.push(message);
      bytes += size;
    }
    if (chunk.length > 0) await this.#sendChunk(topic, chunk, options);
  }

  async #sendChunk(
    topic: string,
    messages: readonly OutgoingMessage[],
    options: { signal?: AbortSignal; onRetry?: () => void; lane?: number },
  ): Promise<void> {
    const producer = this.#producers[(options.lane ?? 0) % this.#producers.length] ?? this.#producers[0];
    await retryUntilDone(
      () =>
        (producer as Producer)
          .send({
            topic,
            acks: -1,
            messages: messages.map((m) => ({
              key: m.key,
              value: m.value,
              ...(m.headers === undefined ? {} : { headers: m.headers }),
              ...(m.timestampMs === undefined ? {} : { timestamp: String(m.timestampMs) }),
              ...(m.partition === undefined ? {} : { partition: m.partition }),
            })),
          })
          .then(() => undefined),
      {
        isTransient: (error) => (error as { retriable?: unknown }).retriable !== false,
        logger: this.#logger,
        what: `produce to ${topic}`,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
      },
    );
  }
}
