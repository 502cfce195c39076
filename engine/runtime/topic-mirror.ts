/**
 * Reads whole topics from the beginning: global tables (latest value per key), followed as they are
 * written, and state changelogs, either followed too (a partition assigned to this instance restores
 * from memory at once, like a Kafka Streams standby replica) or read on demand (`follow: false`: the
 * consumer stays paused between `catchUp` calls, which read what was written since, like a restore on
 * assignment without standby replicas, without fetching, decoding and copying every changelog record
 * as it is written). kafkajs has no manual assignment, so the mirror is a consumer in a group of its
 * own that never commits.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { StadionError } from '../errors.ts';
import type { Logger } from '../log.ts';

export type MirrorHandler = (topic: string, partition: number, message: KafkaMessage) => Promise<void> | void;

export class TopicMirror {
  readonly #kafka: Kafka;
  readonly #logger: Logger;
  readonly #handler: MirrorHandler;
  readonly #topics: readonly string[];
  /** Next offset to read per `topic/partition`. */
  readonly #positions = new Map<string, number>();
  readonly #waiters = new Set<() => void>();
  readonly #follow: boolean;
  #consumer: Consumer | undefined;
  #failure: unknown;
  /** catchUp calls under way (an on-demand mirror is paused again when none is left). */
  #readers = 0;

  constructor(
    kafka: Kafka,
    topics: readonly string[],
    handler: MirrorHandler,
    logger: Logger,
    options: { readonly follow?: boolean } = {},
  ) {
    this.#kafka = kafka;
    this.#topics = topics;
    this.#handler = handler;
    this.#logger = logger;
    this.#follow = options.follow ?? true;
  }

  async start(groupPrefix: string): Promise<void> {
    if (this.#topics.length === 0) return;
    const consumer = this.#kafka.consumer({
      groupId: `${groupPrefix}-mirror-${randomUUID()}`,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 100,
    });
    this.#consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.#topics], fromBeginning: true });
    void consumer
      .run({
        autoCommit: false,
        eachBatch: async (payload) => {
          const { batch } = payload;
          for (const message of batch.messages) {
            await this.#handler(batch.topic, batch.partition, message);
            payload.resolveOffset(message.offset);
            this.#positions.set(`${batch.topic}/${batch.partition}`, Number(message.offset) + 1);
          }
          for (const wake of this.#waiters) wake();
        },
      })
      .catch((error: unknown) => {
        this.#failure = error;
        this.#logger.error('topic mirror stopped', { error, topics: this.#topics });
        for (const wake of this.#waiters) wake();
      });
  }

  /** Waits until every partition of the topics is read up to the end offsets it has now. */
  async catchUp(admin: Admin, topics: readonly string[] = this.#topics, timeoutMs = 120_000): Promise<void> {
    const consumer = this.#consumer;
    if (consumer === undefined || topics.length === 0) return;
    this.#readers += 1;
    if (!this.#follow) consumer.resume(this.#topics.map((topic) => ({ topic })));
    try {
      await this.#readUpToEnds(admin, topics, timeoutMs);
    } finally {
      this.#readers -= 1;
      if (!this.#follow && this.#readers === 0 && this.#consumer === consumer)
        consumer.pause(this.#topics.map((topic) => ({ topic })));
    }
  }

  async #readUpToEnds(admin: Admin, topics: readonly string[], timeoutMs: number): Promise<void> {
    const targets: Array<[string, number]> = [];
    for (const topic of topics) {
      for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
        if (Number(high) > Number(low)) targets.push([`${topic}/${partition}`, Number(high)]);
      }
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#failure !== undefined)
        throw new StadionError('SERVICE_UNREACHABLE', 'topic mirror failed', { cause: this.#failure });
      const behind = targets.filter(([id, end]) => (this.#positions.get(id) ?? 0) < end);
      if (behind.length === 0) return;
      if (Date.now() > deadline) {
        throw new StadionError(
          'SERVICE_UNREACHABLE',
          `reading ${behind.map(([id]) => id).join(', ')} did not catch up within ${timeoutMs} ms`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 200);
        const waiters = this.#waiters;
        function done(): void {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        waiters.add(done);
      });
    }
  }

  async stop(): Promise<void> {
    await this.#consumer?.disconnect();
    this.#consumer = undefined;
  }
}
