/**
 * Runs a topology on Kafka: the commit protocol, the same for every topology.
 *
 * Per assigned source partition (a task): consume a batch, decode, process; when the partition's
 * buffered outputs reach the flush thresholds (records, or time), flush: mark the range pending in the
 * commit metadata, write every sink (ClickHouse inserts acknowledged, with deterministic deduplication
 * tokens; Kafka sends acknowledged), dead letters and late records, then the state changelogs, and only
 * then commit the input offset. See docs/engine.md for the guarantees and their limits.
 */
import { hostname } from 'node:os';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Admin, Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { StadionConfig } from '../config/config.ts';
import { createClickHouse } from '../clients/clickhouse.ts';
import { createKafka } from '../clients/kafka.ts';
import { createSchemaRegistry } from '../clients/registry.ts';
import { ensureTopics, type TopicSpec } from '../clients/topics.ts';
import { StadionError, describeError } from '../errors.ts';
import { DataLossMonitor, checkCommittedOffsets } from '../kafka/data-loss.ts';
import type { Logger } from '../log.ts';
import { createDecoder, createHeaderChecker, type Decoder, type WriterOf } from '../serde/decoders.ts';
import {
  DEAD_LETTER_HEADERS,
  DEFAULT_BAD_RECORD_POLICY,
  type BadRecordPolicy,
  type DeadLetterCode,
  type DecodeResult,
} from '../serde/dead-letter.ts';
import { registryWriterSchemas } from '../serde/registry-schemas.ts';
import { ClickHouseWriter } from '../sinks/clickhouse-writer.ts';
import { KafkaWriter, type OutgoingMessage } from '../sinks/kafka-writer.ts';
import type { GraphNode, SourceNode, TopologyGraph } from '../topology/graph.ts';
import type { ClickHouseRow, SinkSpec } from '../topology/sinks.ts';
import { BulkBuffer, writeBulk, type BulkGroup } from './bulk-load.ts';
import { ChangelogBatch } from './changelog-batch.ts';
import { CoalescingSender } from './coalescing-sender.ts';
import { EncodedRows } from './encoded-rows.ts';
import { decodeCommitMetadata, deduplicationToken, encodeCommitMetadata } from './commit-metadata.ts';
import { idleAdvances } from './idle.ts';
import type { EngineMetrics } from './metrics.ts';
import { Task, type SinkOutput } from './task.ts';
import { TopicMirror } from './topic-mirror.ts';
import { storeKeyCloseMs } from './window-operator.ts';
import type { FixedWindows } from '../windows/index.ts';

/** Upstream watermarks a partition keeps waiting to apply (UpstreamWatermark); older ones are dropped. */
const MAX_UPSTREAM_TARGETS = 64;
/** How long a window store's changelog keeps entries beyond the window size and grace (Kafka Streams' default). */
export const WINDOW_CHANGELOG_EXTRA_RETENTION_MS = 24 * 3600 * 1000;
/** How often the changelog mirror forgets deleted keys that every owner has committed past. */
const MIRROR_PRUNE_INTERVAL_MS = 30_000;
/**
 * Outputs buffered per partition before a flush. Large enough that the flush interval decides when
 * catching up: a flush writes each changed key's state once, so flushing every few thousand outputs
 * would write the state of a key updated by every record almost once per record. @default 100,000
 */
export const DEFAULT_FLUSH_MAX_RECORDS = 100_000;
/** Outputs since the last hand-off after which a batch hands them off before its end (#runBatch). */
const MID_BATCH_HANDOFF_OUTPUTS = 500;
/** Input bytes processed per partition before a flush. @default 16 MiB */
export const DEFAULT_FLUSH_MAX_BYTES = 16 * 1024 * 1024;
/** The consumer group of a topology unless configured: `stadion-<topology>`. */
export const defaultGroupId = (topology: string): string => `stadion-${topology}`;
/** Longest time outputs wait for a flush. @default 1 s */
export const DEFAULT_FLUSH_INTERVAL_MS = 1_000;

export interface RunnerOptions {
  topology: TopologyGraph;
  config: StadionConfig;
  logger: Logger;
  metrics: EngineMetrics;
  /** Consumer group; instances with the same group share the partitions. @default groupIdOf(topology) */
  groupId?: string;
  /**
   * The consumer group of a topology by name: this one's unless `groupId` is set, and the upstream
   * topologies' whose commits give a stream its watermark (UpstreamWatermark).
   * @default defaultGroupId: `stadion-<topology>`
   */
  groupIdOf?: (topology: string) => string;
  /** @default DEFAULT_BAD_RECORD_POLICY ('dead-letter') */
  badRecordPolicy?: BadRecordPolicy;
  /** @default DEFAULT_FLUSH_MAX_RECORDS */
  flushMaxRecords?: number;
  /** @default DEFAULT_FLUSH_MAX_BYTES */
  flushMaxBytes?: number;
  /** @default DEFAULT_FLUSH_INTERVAL_MS */
  flushIntervalMs?: number;
  /** @default `<topology>.dead-letters` */
  deadLetterTopic?: string;
  /** Late records of windows with no sink of their own. @default `<topology>.late` */
  lateTopic?: string;
  /** @default 10 s */
  sessionTimeoutMs?: number;
  /** Partitions processed at once. @default 2 */
  partitionsConsumedConcurrently?: number;
  /**
   * Follow every state changelog as it is written, like Kafka Streams standby replicas for all tasks:
   * a partition moving here (a rebalance, another instance's crash) resumes from memory at once.
   * Otherwise the changelogs are read when a partition is assigned or reset, up to their ends (a
   * restore, as with no standby replicas), which saves fetching, decoding and keeping a copy of
   * every changelog record as it is written (about 15 % of the telemetry pipeline's time on one
   * instance). @default false
   */
  standby?: boolean;
}

interface WriteOptions {
  signal: AbortSignal;
  onRetry: () => void;
  /** Between retries: a consumer heartbeat, so the group keeps the partition during an outage. */
  between?: () => Promise<void>;
  /** Which producer carries the Kafka writes (a flush's source partition): see PRODUCER_LANES. */
  lane?: number;
}

/**
 * Producers the runner writes through. A producer is idempotent with one request in flight per
 * broker, so the flushes of different partitions would queue behind each other on one; each
 * partition's flush uses producer `partition % PRODUCER_LANES`, and the writes of one partition
 * stay in order on theirs.
 */
export const PRODUCER_LANES = 4;

/** Times the runner rejoins its group after kafkajs gave up on a protocol error, before failing. */
const MAX_CONSUMER_RESTARTS = 5;
/** First pause before rejoining; the n-th waits n times as long. */
const REJOIN_DELAY_MS = 1_000;

/** How often a batch waiting for its partition's previous write heartbeats. */
const HEARTBEAT_WHILE_WAITING_MS = 1_000;

/** Thrown inside a flush that a rebalance made stale: it must not write or commit anything more. */
class StaleFlushError extends Error {
  override readonly name = 'StaleFlushError';
}

/** Kafka errors a replay from the committed offset can cure (rebalances, timeouts, lost connections). */
const RECOVERABLE_KAFKA_ERRORS = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'NOT_COORDINATOR_FOR_GROUP',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'REQUEST_TIMED_OUT',
  'NOT_LEADER_FOR_PARTITION',
]);

function isRecoverable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, type, retriable } = error as { name?: unknown; type?: unknown; retriable?: unknown };
  if (typeof type === 'string' && RECOVERABLE_KAFKA_ERRORS.has(type)) return true;
  return typeof name === 'string' && name.startsWith('KafkaJS') && retriable === true;
}

interface Versioned {
  /** Last input offset covered by the flush that wrote it. */
  readonly end: number;
  /** The state as written (JSON), parsed only when a partition is restored from it; null: deleted. */
  readonly value: Buffer | null;
}

interface PartitionState {
  readonly task: Task;
  readonly topic: string;
  readonly partition: number;
  readonly generation: number;
  /** Next offset to commit from: the first offset of the current flush range. */
  committedOffset: number;
  committedWatermarkMs: number | null;
  /** Next offset to process. */
  nextOffset: number;
  pending: { end: number; watermarkMs: number | null } | undefined;
  deadLetters: OutgoingMessage[];
  /** Buffered records of a bulk-load source. */
  bulk: BulkBuffer;
  /** The origin of the record being processed, one object reused (the task copies what it keeps). */
  readonly origin: { topic: string; partition: number; offset: number; receivedAtMs: number };
  /** Outputs of ClickHouse sinks encoded after each batch, by sink name (#encodeRows). */
  encoded: Map<string, EncodedRows>;
  encodeScheduled: boolean;
  /**
   * The write phase of the last flush while it runs in the background and the partition goes on
   * processing (one at a time: the next flush waits for it; unset once done), and how it failed, if it
   * did. A flush due by time while it is set waits for a later tick.
   */
  writing: Promise<void> | undefined;
  writeError: unknown;
  /** Eager Kafka sends of this partition, in order; awaited before offsets are committed. */
  eager: Promise<void>;
  eagerError: unknown;
  bufferedOutputs: number;
  /** Records read since the last update of the records-in counter (counted per batch, not per record). */
  uncountedIn: number;
  /** Input bytes processed since the last flush. */
  bufferedBytes: number;
  lastFlushMs: number;
  lastActivityMs: number;
  lock: Promise<void>;
  /**
   * For a source with an upstream watermark: the watermarks read from the upstream commits, oldest
   * first, each to apply once the partition has consumed up to `untilOffset` (the topic's end when it
   * was read). A newer one never replaces one not yet reached, so a partition that is behind still
   * moves.
   */
  upstream: Array<{ watermarkMs: number; untilOffset: number }>;
}

export class TopologyRunner {
  readonly #options: RunnerOptions;
  readonly #graph: TopologyGraph;
  readonly #groupId: string;
  readonly #logger: Logger;
  readonly #metrics: EngineMetrics;
  readonly #kafka: Kafka;
  readonly #registry: SchemaRegistry;
  readonly #clickhouse: ClickHouseClient;
  readonly #dataLoss: DataLossMonitor;
  readonly #decoders = new Map<string, Decoder>();
  readonly #joinMissLoggedMs = new Map<string, number>();
  #consumerRestarts = 0;
  /** Kafka sinks with eager delivery. */
  readonly #eagerSinks: ReadonlyArray<SinkSpec<unknown>>;
  readonly #eagerSender = new CoalescingSender<SinkSpec<unknown>, SinkOutput>((sink, items) =>
    this.#writeSink(sink, items, '', { signal: this.#abort.signal, onRetry: () => undefined }),
  );
  readonly #headerCheckers = new Map<
    string,
    (bytes: Buffer | null) => DecodeResult<WriterOf> | Promise<DecodeResult<WriterOf>>
  >();
  readonly #tables = new Map<string, Map<string, unknown>>();
  /** Changelog mirror: changelog topic -> partition -> entry key -> last versions (newest last, at most 2). */
  readonly #changelogs = new Map<string, Map<number, Map<string, Versioned[]>>>();
  readonly #partitions = new Map<string, PartitionState>();
  readonly #abort = new AbortController();
  #admin: Admin | undefined;
  #consumer: Consumer | undefined;
  #producers: Producer[] = [];
  #kafkaWriter: KafkaWriter | undefined;
  #chWriter: ClickHouseWriter | undefined;
  /** The tumbling and hopping window stores' windows, by changelog topic (no tombstones: see #pruneMirror). */
  readonly #fixedWindowStores = new Map<string, FixedWindows>();
  /** Changelogs (followed with `standby`, otherwise read on demand). */
  #mirror: TopicMirror | undefined;
  /** Global tables, always followed. */
  #tableMirror: TopicMirror | undefined;
  #generation = 0;
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  /** The partitions of the current assignment. */
  #assigned: ReadonlyArray<{ topic: string; partitions: readonly number[] }> = [];
  /** Partition states being created (restored), so a batch and a tick never build two. */
  readonly #creatingStates = new Map<string, Promise<PartitionState>>();
  #lastPruneMs = Date.now();
  #failure: unknown;
  #stopping: Promise<void> | undefined;
  #resolveDone: (() => void) | undefined;
  #rejectDone: ((error: unknown) => void) | undefined;
  /** Settles once the runner stops: after `stop()`, or with the error that stopped it. */
  readonly done: Promise<void> = new Promise<void>((resolve, reject) => {
    this.#resolveDone = resolve;
    this.#rejectDone = reject;
  });

  constructor(options: RunnerOptions) {
    this.#options = options;
    this.#graph = options.topology;
    this.#groupId = options.groupId ?? this.#groupIdOf(options.topology.name);
    this.#logger = options.logger.child({ topology: this.#graph.name, groupId: this.#groupId });
    this.#metrics = options.metrics;
    this.#dataLoss = new DataLossMonitor({ logger: this.#logger, registry: options.metrics.registry });
    this.#kafka = createKafka(options.config.kafka, {
      logger: this.#logger,
      onOffsetReset: (event) => {
        this.#dataLoss.offsetReset(event);
      },
    });
    this.#registry = createSchemaRegistry(options.config.schemaRegistry);
    this.#clickhouse = createClickHouse(options.config.clickhouse, {
      applicationName: `stadion-${this.#graph.name}`,
    });
    const visit = (nodes: readonly GraphNode[]): void => {
      for (const node of nodes) {
        if (node.kind === 'window' && node.windows.kind !== 'session')
          this.#fixedWindowStores.set(this.changelogTopic(node.store), node.windows);
        visit(node.children);
      }
    };
    for (const source of this.#graph.sources) visit(source.children);
    this.#eagerSinks = [...this.#graph.sinks.values()].filter(
      (sink) => sink.kind === 'kafka' && sink.delivery === 'eager',
    );
    const schemas = registryWriterSchemas(options.config.schemaRegistry);
    for (const source of this.#graph.sources) {
      this.#decoders.set(source.name, createDecoder(source.codec, schemas));
      if (source.bulk !== undefined && source.codec.kind === 'avro')
        this.#headerCheckers.set(source.name, createHeaderChecker(source.codec, schemas));
    }
    for (const table of this.#graph.tables) {
      this.#decoders.set(table.name, createDecoder(table.codec, schemas));
      this.#tables.set(table.name, new Map());
    }
    this.done.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
  }

  get deadLetterTopic(): string {
    return this.#options.deadLetterTopic ?? `${this.#graph.name}.dead-letters`;
  }

  get lateTopic(): string {
    return this.#options.lateTopic ?? `${this.#graph.name}.late`;
  }

  changelogTopic(store: string): string {
    return `${this.#groupId}.${store}.changelog`;
  }

  async start(): Promise<void> {
    const admin = this.#kafka.admin();
    this.#admin = admin;
    await admin.connect();
    await this.#createInternalTopics(admin);

    this.#producers = Array.from({ length: PRODUCER_LANES }, () =>
      this.#kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false }),
    );
    await Promise.all(this.#producers.map((producer) => producer.connect()));
    this.#kafkaWriter = new KafkaWriter(this.#producers, this.#registry, this.#logger);
    this.#chWriter = new ClickHouseWriter(this.#clickhouse, this.#logger);

    const handler = (topic: string, partition: number, message: KafkaMessage): Promise<void> | void =>
      this.#mirrorMessage(topic, partition, message);
    const tables = this.#graph.tables.map((t) => t.topic);
    const changelogs = this.#graph.stores.map((s) => this.changelogTopic(s));
    this.#tableMirror = new TopicMirror(this.#kafka, tables, handler, this.#logger);
    this.#mirror = new TopicMirror(this.#kafka, changelogs, handler, this.#logger, {
      follow: this.#options.standby ?? false,
    });
    await Promise.all([this.#tableMirror.start(this.#groupId), this.#mirror.start(this.#groupId)]);
    await Promise.all([this.#tableMirror.catchUp(admin), this.#mirror.catchUp(admin)]);
    this.#logger.info('tables and changelogs read', { topics: [...tables, ...changelogs] });

    const consumer = this.#kafka.consumer({
      groupId: this.#groupId,
      sessionTimeout: this.#options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 200,
    });
    this.#consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.#generation += 1;
      this.#partitions.clear(); // eager rebalance: every task is rebuilt from its committed state
      const assigned = Object.entries(event.payload.memberAssignment).map(([topic, partitions]) => ({
        topic,
        partitions,
      }));
      this.#assigned = assigned;
      this.#creatingStates.clear(); // a state still being built belongs to the previous generation
      this.#logger.info('joined group', {
        generation: this.#generation,
        assignment: event.payload.memberAssignment,
      });
      // Before the first fetch: once a fetch hits OFFSET_OUT_OF_RANGE, kafkajs overwrites the committed
      // offset with its reset position, and what was lost could no longer be counted.
      consumer.pause(assigned);
      void this.#checkCommitted(assigned).finally(() => {
        consumer.resume(assigned);
      });
    });
    consumer.on(consumer.events.CRASH, (event) => {
      const error = event.payload.error;
      this.#logger.error('consumer crashed', { error, restart: event.payload.restart });
      if (event.payload.restart || this.#stopping !== undefined || this.#failure !== undefined) return;
      // kafkajs gives up on errors the broker marks non-retriable, such as a group join or sync the
      // (mock) coordinator refused while several members joined at once. The group protocol starts
      // over cleanly: rejoin a few times before failing the topology.
      if (error.name === 'KafkaJSProtocolError') {
        this.#rejoin(consumer, error);
        return;
      }
      this.#fail(error);
    });
    await this.#startConsumer(consumer);
    this.#timer = setInterval(
      () => {
        if (this.#ticking) return; // a tick still waits on a flush: do not queue another
        this.#ticking = true;
        void this.#tick().finally(() => {
          this.#ticking = false;
        });
      },
      Math.max(50, Math.floor((this.#options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS) / 2)),
    );
    this.#logger.info('topology running', {
      sources: this.#graph.sources.map((s) => s.topic),
      host: hostname(),
    });
  }

  /** Starts the consumer again after a pause that grows with each attempt; fails after the last. */
  #rejoin(consumer: Consumer, cause: unknown): void {
    if (this.#consumerRestarts >= MAX_CONSUMER_RESTARTS) {
      this.#fail(cause);
      return;
    }
    this.#consumerRestarts += 1;
    const attempt = this.#consumerRestarts;
    this.#logger.warn('rejoining the group after a protocol error', { attempt, of: MAX_CONSUMER_RESTARTS });
    setTimeout(() => {
      if (this.#stopping !== undefined || this.#failure !== undefined) return;
      this.#startConsumer(consumer).catch((error: unknown) => {
        this.#rejoin(consumer, error);
      });
    }, REJOIN_DELAY_MS * attempt);
  }

  async #startConsumer(consumer: Consumer): Promise<void> {
    await consumer.connect();
    await consumer.subscribe({ topics: this.#graph.sources.map((s) => s.topic), fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.#options.partitionsConsumedConcurrently ?? 2,
      eachBatch: (payload) => this.#eachBatch(payload),
    });
  }

  /** Graceful stop: stop fetching, flush and commit every partition, leave the group. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearInterval(this.#timer);
      // Flush while still a member of the group (commits need it); batches arriving meanwhile are
      // not processed (#eachBatch checks #stopping), and are fetched again by the next owner.
      if (this.#failure === undefined) {
        for (const state of this.#partitions.values()) {
          await this.#withLock(state, () => this.#flush(state, 'shutdown')).catch((error: unknown) => {
            this.#logger.warn('final flush failed; the next owner replays it', {
              error,
              topic: state.topic,
              partition: state.partition,
            });
          });
        }
      }
      await this.#consumer?.stop();
      this.#abort.abort();
      await this.#consumer?.disconnect();
      await this.#mirror?.stop();
      await this.#tableMirror?.stop();
      await Promise.all(this.#producers.map((producer) => producer.disconnect()));
      await this.#admin?.disconnect();
      await this.#clickhouse.close();
      if (this.#failure === undefined) this.#resolveDone?.();
      else this.#rejectDone?.(this.#failure);
    })();
    return this.#stopping;
  }

  /** Compares the committed offsets of newly assigned partitions with what the log still holds. */
  async #checkCommitted(
    assigned: ReadonlyArray<{ topic: string; partitions: readonly number[] }>,
  ): Promise<void> {
    try {
      const admin = this.#requireAdmin();
      for (const { topic, partitions } of assigned) {
        const mine = new Set(partitions);
        for (const report of await checkCommittedOffsets(admin, this.#groupId, [topic])) {
          if (mine.has(report.partition)) this.#dataLoss.report(report);
        }
      }
    } catch (error) {
      this.#logger.warn('could not check committed offsets against the log', { error });
    }
  }

  async #createInternalTopics(admin: Admin): Promise<void> {
    const partitions = new Map<string, number>();
    for (const source of this.#graph.sources) {
      const offsets = await admin.fetchTopicOffsets(source.topic).catch((error: unknown) => {
        throw new StadionError(
          'CONFIG_INVALID',
          `source topic ${source.topic} of ${this.#graph.name} does not exist`,
          { cause: error },
        );
      });
      partitions.set(source.topic, offsets.length);
    }
    const maxPartitions = Math.max(...partitions.values());
    const topics: TopicSpec[] = [
      { name: this.deadLetterTopic, partitions: 1 },
      { name: this.lateTopic, partitions: 1 },
      ...this.#graph.stores.map((store): TopicSpec => {
        const windows = this.#fixedWindowStores.get(this.changelogTopic(store));
        return {
          name: this.changelogTopic(store),
          partitions: maxPartitions,
          // Closed windows leave no tombstone: their entries go by time, as Kafka Streams' window
          // store changelogs do (window size and grace plus a day).
          configs:
            windows === undefined
              ? { 'cleanup.policy': 'compact' }
              : {
                  'cleanup.policy': 'compact,delete',
                  'retention.ms': String(
                    windows.sizeMs + windows.graceMs + WINDOW_CHANGELOG_EXTRA_RETENTION_MS,
                  ),
                },
        };
      }),
      ...[...this.#graph.sinks.values()].flatMap((sink) =>
        sink.kind === 'kafka' ? [{ name: sink.topic, partitions: maxPartitions }] : [],
      ),
    ];
    await ensureTopics(this.#kafka, this.#options.config.kafka, topics);
  }

  #mirrorMessage(topic: string, partition: number, message: KafkaMessage): Promise<void> | void {
    const table = this.#graph.tables.find((t) => t.topic === topic);
    if (table !== undefined) return this.#tableMessage(table.name, message);
    const key = message.key?.toString('utf8');
    if (key === undefined) return;
    const endHeader = message.headers?.['stadion.end-offset'];
    const end = endHeader === undefined ? Number.NaN : Number(endHeader.toString());
    // Kept as bytes (copied: the message's buffer is a slice of the whole fetch): most entries are
    // superseded before anyone restores from them, so parsing them all would be wasted.
    const value = message.value === null ? null : Buffer.from(message.value);
    let byPartition = this.#changelogs.get(topic);
    if (byPartition === undefined) {
      byPartition = new Map();
      this.#changelogs.set(topic, byPartition);
    }
    let entries = byPartition.get(partition);
    if (entries === undefined) {
      entries = new Map();
      byPartition.set(partition, entries);
    }
    const versions = entries.get(key) ?? [];
    const newest = versions.at(-1);
    // An entry older than the newest is a stale writer's (a flush a rebalance overtook): ignore it.
    if (newest !== undefined && end < newest.end) return;
    // Keep the newest value and the newest from an earlier flush (needed when the newest flush never committed).
    const kept =
      newest !== undefined && newest.end < end ? [newest] : versions.filter((v) => v.end < end).slice(-1);
    entries.set(key, [...kept, { end, value }]);
  }

  async #tableMessage(table: string, message: KafkaMessage): Promise<void> {
    const key = message.key?.toString('utf8');
    const values = this.#tables.get(table);
    if (key === undefined || values === undefined) return;
    if (message.value === null) {
      values.delete(key);
      return;
    }
    const decoded = await this.#decoder(table).decode(message.value);
    if (decoded.ok) values.set(key, decoded.value);
    else
      this.#logger.warn('table record skipped', { table, key, code: decoded.code, message: decoded.message });
  }

  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (this.#failure !== undefined || this.#stopping !== undefined) return;
    const source = this.#graph.sources.find((s) => s.topic === batch.topic);
    if (source === undefined || batch.messages.length === 0) return;
    const state = await this.#partitionState(source, batch.partition);
    await this.#withLock(state, async () => {
      if (state.generation !== this.#generation) return;
      try {
        await this.#runBatch(payload, source, state);
      } catch (error) {
        this.#recover(state, error);
      }
    });
  }

  async #runBatch(payload: EachBatchPayload, source: SourceNode, state: PartitionState): Promise<void> {
    const { batch } = payload;
    const first = batch.messages[0];
    if (first === undefined) return;
    const receivedAtMs = Date.now();
    const heartbeat = (): Promise<void> => payload.heartbeat();
    if (state.writeError !== undefined) await this.#settleWrite(state); // throws: the partition recovers
    if (state.pending !== undefined && state.pending.end < state.nextOffset) {
      await this.#flush(state, 'replay', heartbeat);
    }
    const loss = this.#dataLoss.batchFetched(
      batch.topic,
      batch.partition,
      Number(first.offset),
      Number(batch.lastOffset()),
    );
    if (loss !== undefined) state.nextOffset = Math.max(state.nextOffset, loss.resumedOffset);
    this.#metrics.consumerLag.set(
      { topology: this.#graph.name, topic: batch.topic, partition: String(batch.partition) },
      Math.max(0, Number(batch.highWatermark) - Number(batch.lastOffset()) - 1),
    );
    // The consumer stopping or seeking this partition can only happen while this loop awaits, so it is
    // checked after each await (per record, its bookkeeping cost a few percent of the time). The
    // offsets processed are resolved once, at the end: they only place the partition's next fetch,
    // which waits for this batch.
    let resumed = true;
    let processed: string | undefined;
    let handedOff = state.bufferedOutputs;
    try {
      for (const message of batch.messages) {
        if (resumed && (!payload.isRunning() || payload.isStale())) return;
        resumed = false;
        if (state.generation !== this.#generation) return;
        if (this.#failure !== undefined || this.#stopping !== undefined) return;
        const offset = Number(message.offset);
        if (offset < state.nextOffset) continue; // refetched after a flush
        const processing = this.#processMessage(source, state, message, offset, receivedAtMs);
        if (processing !== undefined) {
          await processing;
          resumed = true;
        }
        processed = message.offset;
        // A burst of outputs (a watermark closing the windows of every key) is handed off at once, not at
        // the batch's end: eager sends, then row encoding, from the event loop. Held to the end of a
        // large batch, the window results outlived young-generation collections.
        if (state.bufferedOutputs < handedOff) handedOff = state.bufferedOutputs; // flushed
        if (state.bufferedOutputs - handedOff >= MID_BATCH_HANDOFF_OUTPUTS) {
          this.#handOff(state);
          await new Promise<void>((resolve) => setImmediate(resolve));
          resumed = true;
          handedOff = state.bufferedOutputs;
        }
        if (state.pending !== undefined && offset >= state.pending.end) {
          resumed = true;
          await this.#flush(state, 'replay', heartbeat);
        } else if (
          state.pending === undefined &&
          (state.bufferedOutputs >= (this.#options.flushMaxRecords ?? DEFAULT_FLUSH_MAX_RECORDS) ||
            state.bufferedBytes >= (this.#options.flushMaxBytes ?? DEFAULT_FLUSH_MAX_BYTES))
        ) {
          resumed = true;
          await this.#flush(state, 'size', heartbeat);
        }
      }
    } finally {
      if (processed !== undefined) payload.resolveOffset(processed);
    }
    this.#countIn(source, state);
    this.#handOff(state);
    state.lastActivityMs = Date.now();
    await heartbeat();
  }

  #countIn(source: SourceNode, state: PartitionState): void {
    if (state.uncountedIn === 0) return;
    this.#metrics.recordsIn.inc({ topology: this.#graph.name, topic: source.topic }, state.uncountedIn);
    state.uncountedIn = 0;
  }

  /**
   * Encodes the outputs of ClickHouse sinks whose table encoder is known (after the first insert into
   * the table) and drops the objects: see EncodedRows. Rows are built as they would be at the flush;
   * a row that cannot be encoded fails the topology as its insert would have.
   */
  #encodeRows(state: PartitionState): void {
    const writer = this.#chWriter;
    if (writer === undefined) return;
    for (const [name, list] of state.task.outputs) {
      const sink = this.#graph.sinks.get(name);
      if (sink?.kind !== 'clickhouse' || list.length === 0) continue;
      const encoder = writer.encoderNow(sink.table);
      if (encoder === undefined || encoder === null) continue;
      let rows = state.encoded.get(name);
      if (rows === undefined) {
        rows = new EncodedRows(encoder);
        state.encoded.set(name, rows);
      }
      for (const { record, origin } of list)
        rows.add(sink.toRow(record.value, record), record.timestampMs, origin?.receivedAtMs);
      state.task.outputs.delete(name);
    }
  }

  /** Sends the eager outputs so far, then encodes the rows from the event loop (#encodeRowsSoon). */
  #handOff(state: PartitionState): void {
    this.#sendEager(state);
    this.#encodeRowsSoon(state);
  }

  /**
   * Encodes the batch's rows once the event loop has sent its eager outputs (alerts, whose sends take
   * a few promise steps): encoded at once, they made alerts wait. A flush encodes what is left itself.
   */
  #encodeRowsSoon(state: PartitionState): void {
    if (state.encodeScheduled) return;
    state.encodeScheduled = true;
    setImmediate(() => {
      state.encodeScheduled = false;
      try {
        this.#encodeRows(state);
      } catch (error) {
        this.#fail(error); // a row that cannot be encoded: as its insert would have failed
      }
    });
  }

  /** Sends what the batch produced for eager Kafka sinks, without waiting (the flush waits). */
  #sendEager(state: PartitionState): void {
    for (const sink of this.#eagerSinks) {
      const list = state.task.outputs.get(sink.name);
      if (list === undefined || list.length === 0) continue;
      const items = list.splice(0);
      state.bufferedOutputs -= items.length;
      const sent = this.#eagerSender.enqueue(sink, items).catch((error: unknown) => {
        state.eagerError ??= error;
      });
      state.eager = Promise.all([state.eager, sent]).then(() => undefined);
    }
  }

  /**
   * A flush or a batch failed part-way. The partition's in-memory state may hold effects that were
   * never flushed, or outputs drained and lost: it is dropped and rebuilt from the committed offset and
   * the changelogs, and consumption restarts at the committed offset. Errors a replay cannot cure (a
   * table that does not exist, rows ClickHouse refuses, a message too large) stop the topology.
   */
  #recover(state: PartitionState, error: unknown): void {
    const id = `${state.topic}/${state.partition}`;
    if (this.#partitions.get(id) === state) this.#partitions.delete(id);
    if (error instanceof StaleFlushError || state.generation !== this.#generation) return; // a rebalance reset it
    if (this.#stopping !== undefined || this.#abort.signal.aborted) return;
    if (!isRecoverable(error)) {
      this.#fail(error);
      return;
    }
    this.#logger.warn('partition reset to its committed offset after an error; replaying from there', {
      error,
      topic: state.topic,
      partition: state.partition,
      committedOffset: state.committedOffset,
    });
    this.#requireConsumer().seek({
      topic: state.topic,
      partition: state.partition,
      offset: String(state.committedOffset),
    });
  }

  /** Decodes and processes one record; synchronous unless a writer schema must be fetched first. */
  #processMessage(
    source: SourceNode,
    state: PartitionState,
    message: KafkaMessage,
    offset: number,
    receivedAtMs: number,
  ): Promise<void> | undefined {
    if (source.bulkOnly === true) {
      // A bulk load: only the header is checked here; ClickHouse decodes the body. A check that throws
      // (registry unreachable) leaves the record unread: it is fetched again.
      return this.#keepBulk(state, source, message, offset, true);
    }
    // A decoder that throws (registry unreachable) leaves the record unprocessed: it is fetched again.
    const decoded = this.#decoder(source.name).decode(message.value);
    // No closure on the hot path: the decoder answers synchronously once the writer schema is known.
    if (decoded instanceof Promise)
      return decoded.then((ready) => this.#afterDecode(source, state, message, offset, receivedAtMs, ready));
    return this.#afterDecode(source, state, message, offset, receivedAtMs, decoded);
  }

  #afterDecode(
    source: SourceNode,
    state: PartitionState,
    message: KafkaMessage,
    offset: number,
    receivedAtMs: number,
    decoded: DecodeResult<unknown>,
  ): Promise<void> | undefined {
    this.#markRead(state, message, offset);
    this.#processDecoded(source, state, message, offset, receivedAtMs, decoded);
    // A stream also loaded in bulk keeps the records it accepted.
    if (!decoded.ok || source.bulk === undefined) return undefined;
    return this.#keepBulk(state, source, message, offset, false);
  }

  /** The record is read: the next fetch starts after it, and it counts towards the flush size. */
  #markRead(state: PartitionState, message: KafkaMessage, offset: number): void {
    state.uncountedIn += 1;
    state.nextOffset = offset + 1;
    state.bufferedBytes += (message.value?.length ?? 0) + (message.key?.length ?? 0);
  }

  /**
   * Checks a bulk-loaded record's header, then keeps the record for the flush or dead-letters it (and
   * first marks it read, if asked); synchronous, with no closure, once the writer schema was seen.
   */
  #keepBulk(
    state: PartitionState,
    source: SourceNode,
    message: KafkaMessage,
    offset: number,
    markRead: boolean,
  ): Promise<void> | undefined {
    const checkHeader = this.#headerCheckers.get(source.name);
    if (checkHeader === undefined) throw new StadionError('INTERNAL', `no header check for ${source.name}`);
    const writer = checkHeader(message.value);
    if (writer instanceof Promise)
      return writer.then((ready) => {
        this.#keepChecked(state, message, offset, ready, markRead);
      });
    this.#keepChecked(state, message, offset, writer, markRead);
    return undefined;
  }

  #keepChecked(
    state: PartitionState,
    message: KafkaMessage,
    offset: number,
    writer: DecodeResult<WriterOf>,
    markRead: boolean,
  ): void {
    if (markRead) this.#markRead(state, message, offset);
    if (writer.ok) {
      state.bulk.add(writer.value, message, offset);
      state.bufferedOutputs += 1;
    } else this.#badRecord(state, message, offset, writer.code, writer.message);
  }

  #processDecoded(
    source: SourceNode,
    state: PartitionState,
    message: KafkaMessage,
    offset: number,
    receivedAtMs: number,
    decoded: DecodeResult<unknown>,
  ): void {
    if (!decoded.ok) {
      this.#badRecord(state, message, offset, decoded.code, decoded.message);
      return;
    }
    const kafkaTimestampMs = Number(message.timestamp);
    const emittedBefore = state.task.counters.emitted;
    try {
      const timestampMs = source.timestampOf(decoded.value, kafkaTimestampMs);
      state.origin.offset = offset;
      state.origin.receivedAtMs = receivedAtMs;
      state.task.process(
        { key: message.key?.toString('utf8') ?? null, value: decoded.value, timestampMs },
        state.origin,
      );
    } catch (error) {
      this.#badRecord(state, message, offset, 'PROCESSING_FAILED', describeError(error));
    }
    state.bufferedOutputs += state.task.counters.emitted - emittedBefore;
  }

  #badRecord(
    state: PartitionState,
    message: Pick<KafkaMessage, 'key' | 'value' | 'headers' | 'timestamp'>,
    offset: number,
    code: DeadLetterCode,
    reason: string,
  ): void {
    const policy = this.#options.badRecordPolicy ?? DEFAULT_BAD_RECORD_POLICY;
    this.#metrics.deadLetters.inc({ topology: this.#graph.name, code });
    const where = `${state.topic}[${state.partition}]@${offset}`;
    if (policy === 'fail') {
      this.#fail(new StadionError('INTERNAL', `bad record ${where}: ${code}: ${reason} (policy: fail)`));
      return;
    }
    this.#logger.warn('bad record', {
      code,
      reason,
      topic: state.topic,
      partition: state.partition,
      offset,
      policy,
    });
    if (policy === 'skip') return;
    const headers: IHeaders = {
      ...(message.headers ?? {}),
      [DEAD_LETTER_HEADERS.code]: code,
      [DEAD_LETTER_HEADERS.message]: reason,
      [DEAD_LETTER_HEADERS.topic]: state.topic,
      [DEAD_LETTER_HEADERS.partition]: String(state.partition),
      [DEAD_LETTER_HEADERS.offset]: String(offset),
      [DEAD_LETTER_HEADERS.timestamp]: message.timestamp,
      [DEAD_LETTER_HEADERS.topology]: this.#graph.name,
    };
    state.deadLetters.push({ key: message.key?.toString('utf8') ?? null, value: message.value, headers });
    state.bufferedOutputs += 1;
  }

  async #partitionState(source: SourceNode, partition: number): Promise<PartitionState> {
    const id = `${source.topic}/${partition}`;
    const existing = this.#partitions.get(id);
    if (existing !== undefined && existing.generation === this.#generation) return existing;
    const inFlight = this.#creatingStates.get(id);
    if (inFlight !== undefined) return inFlight;
    const creating: Promise<PartitionState> = this.#createPartitionState(source, partition).finally(() => {
      if (this.#creatingStates.get(id) === creating) this.#creatingStates.delete(id);
    });
    this.#creatingStates.set(id, creating);
    return creating;
  }

  async #createPartitionState(source: SourceNode, partition: number): Promise<PartitionState> {
    const id = `${source.topic}/${partition}`;
    const generation = this.#generation;
    const admin = this.#requireAdmin();
    const [committed] = (
      await admin.fetchOffsets({ groupId: this.#groupId, topics: [source.topic] })
    ).flatMap((t) => t.partitions.filter((p) => p.partition === partition));
    const marks = (await admin.fetchTopicOffsets(source.topic)).find((w) => w.partition === partition);
    const committedOffset = committed === undefined ? -1 : Number(committed.offset);
    const metadata = decodeCommitMetadata(committed?.metadata);
    await this.#mirror?.catchUp(
      admin,
      this.#graph.stores.map((s) => this.changelogTopic(s)),
    );

    const task = new Task(source, partition, {
      get: (table, key) => this.#tables.get(table)?.get(key),
      joinMissed: (table, key) => {
        this.#metrics.joinMisses.inc({ topology: this.#graph.name, table });
        // Counted always; logged at most once a minute per table, with an example key.
        const now = Date.now();
        if (now - (this.#joinMissLoggedMs.get(table) ?? 0) >= 60_000) {
          this.#joinMissLoggedMs.set(table, now);
          this.#logger.warn(
            'records without a table value dropped by an inner join (counted in stadion_join_misses_total)',
            {
              table,
              exampleKey: key,
            },
          );
        }
      },
    });
    const prefix = `${source.topic}|`;
    for (const [store, keyed] of task.stores) {
      const entries = this.#changelogs.get(this.changelogTopic(store))?.get(partition);
      for (const [entryKey, versions] of entries ?? []) {
        if (!entryKey.startsWith(prefix)) continue;
        // Only what flushes before the committed offset wrote: a flush that never committed is replayed.
        const usable =
          committedOffset < 0
            ? undefined
            : versions.filter((v) => Number.isNaN(v.end) || v.end < committedOffset).at(-1);
        if (usable !== undefined)
          keyed.restore({
            key: entryKey.slice(prefix.length),
            value: usable.value === null ? null : (JSON.parse(usable.value.toString('utf8')) as unknown),
          });
      }
    }
    task.restored();
    if (metadata?.watermarkMs !== null && metadata?.watermarkMs !== undefined) {
      task.restoreWatermark(metadata.watermarkMs);
    }
    const start = committedOffset < 0 ? Number(marks?.low ?? 0) : committedOffset;
    const state: PartitionState = {
      task,
      topic: source.topic,
      partition,
      generation,
      committedOffset: start,
      committedWatermarkMs: metadata?.watermarkMs ?? null,
      nextOffset: start,
      pending: metadata?.pending,
      deadLetters: [],
      bulk: new BulkBuffer(),
      encoded: new Map(),
      encodeScheduled: false,
      origin: { topic: source.topic, partition, offset: -1, receivedAtMs: 0 },
      eager: Promise.resolve(),
      eagerError: undefined,
      writing: undefined,
      writeError: undefined,
      bufferedOutputs: 0,
      uncountedIn: 0,
      bufferedBytes: 0,
      lastFlushMs: Date.now(),
      lastActivityMs: Date.now(),
      lock: Promise.resolve(),
      upstream: [],
    };
    this.#partitions.set(id, state);
    this.#logger.info('partition assigned', {
      topic: source.topic,
      partition,
      committedOffset: start,
      watermarkMs: state.committedWatermarkMs,
      pending: state.pending,
      stateEntries: [...task.stores.values()].reduce((n, s) => n + s.size, 0),
    });
    return state;
  }

  async #tick(): Promise<void> {
    if (this.#failure !== undefined || this.#stopping !== undefined) return;
    const now = Date.now();
    if (now - this.#lastPruneMs >= MIRROR_PRUNE_INTERVAL_MS) {
      this.#lastPruneMs = now;
      await this.#pruneMirror().catch((error: unknown) => {
        this.#logger.warn('could not prune the changelog mirror', { error });
      });
    }
    // A partition with an upstream watermark needs a task before any record comes: state restored with
    // records buffered for the watermark must be released even if nothing more arrives.
    for (const { topic, partitions } of this.#assigned) {
      const source = this.#graph.sources.find((s) => s.topic === topic && s.watermarkFrom !== undefined);
      if (source === undefined) continue;
      for (const partition of partitions) {
        await this.#partitionState(source, partition).catch((error: unknown) => {
          this.#logger.warn('could not restore a partition yet', { topic, partition, error });
        });
      }
    }
    const states = [...this.#partitions.values()].filter((s) => s.generation === this.#generation);
    await this.#readUpstreamWatermarks(states).catch((error: unknown) => {
      this.#logger.warn('could not read the upstream watermarks', { error });
    });
    const activity = new Map(states.map((s) => [s.task.id, s.lastActivityMs]));
    const advances = idleAdvances(
      states.map((s) => s.task),
      activity,
      now,
    );
    for (const state of states) {
      const advance = advances.find((a) => a.task === state.task);
      const intervalMs = this.#options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
      await this.#withLock(state, async () => {
        if (state.generation !== this.#generation) return;
        try {
          if (state.pending !== undefined) {
            if (state.pending.end < state.nextOffset) await this.#flush(state, 'replay');
            return;
          }
          if (advance !== undefined) {
            state.task.advanceWatermark(advance.watermarkMs);
            await this.#flush(state, 'idle');
            return;
          }
          // The newest upstream watermark the partition has consumed far enough for.
          const reached = state.upstream.filter((u) => state.nextOffset >= u.untilOffset).length;
          const upstream = state.upstream[reached - 1];
          if (upstream !== undefined) {
            state.upstream.splice(0, reached);
            if (upstream.watermarkMs > state.task.watermarkMs) {
              // Like an idle advance: flushed at once, so the commit records where it happened.
              state.task.advanceWatermark(upstream.watermarkMs);
              await this.#flush(state, 'upstream');
              return;
            }
          }
          // A flush due by time while the last one still writes waits for a later tick, rather than
          // holding the partition (and this loop) until that write ends: processing, and with it the
          // eager alerts, goes on. Flushes for size still wait (memory stays bounded).
          const due = now - state.lastFlushMs >= intervalMs && state.writing === undefined;
          if (due && (state.nextOffset > state.committedOffset || state.bufferedOutputs > 0)) {
            await this.#flush(state, 'interval');
          }
        } catch (error) {
          this.#recover(state, error);
        }
      });
      const wm = state.task.watermarkMs;
      if (Number.isFinite(wm)) {
        this.#metrics.watermarkDelayMs.set(
          { topology: this.#graph.name, topic: state.topic, partition: String(state.partition) },
          now - wm,
        );
      }
    }
    for (const store of this.#graph.stores) {
      const entries = states.reduce((n, s) => n + (s.task.stores.get(store)?.size ?? 0), 0);
      this.#metrics.stateEntries.set({ topology: this.#graph.name, store }, entries);
    }
  }

  #groupIdOf(topology: string): string {
    return (this.#options.groupIdOf ?? defaultGroupId)(topology);
  }

  /**
   * For partitions whose watermark comes from upstream commits (UpstreamWatermark): reads the upstream
   * group's committed watermarks, then this topic's end offsets. In that order, every record the
   * upstream wrote before those commits (its sinks are acknowledged before it commits) is below the
   * end offsets read. The watermark is applied once the partition has consumed that far.
   * An upstream partition that was never committed holds the watermark back, unless its log is empty.
   */
  async #readUpstreamWatermarks(states: readonly PartitionState[]): Promise<void> {
    for (const state of states) {
      const from = state.task.source.watermarkFrom;
      if (from === undefined || state.generation !== this.#generation) continue;
      const admin = this.#requireAdmin();
      const [committed] = await admin.fetchOffsets({
        groupId: this.#groupIdOf(from.topology),
        topics: [from.topic],
      });
      const upstreamLogs = await admin.fetchTopicOffsets(from.topic);
      let watermarkMs = Number.POSITIVE_INFINITY;
      for (const log of upstreamLogs) {
        const commit = committed?.partitions.find((p) => p.partition === log.partition);
        const upstreamMs = decodeCommitMetadata(commit?.metadata)?.watermarkMs ?? null;
        if (upstreamMs !== null) watermarkMs = Math.min(watermarkMs, upstreamMs);
        // Records the upstream has not committed a watermark for: nothing is known yet.
        else if (log.high !== log.low) watermarkMs = Number.NEGATIVE_INFINITY;
      }
      if (!Number.isFinite(watermarkMs)) continue;
      const ends = await admin.fetchTopicOffsets(state.topic);
      const end = ends.find((e) => e.partition === state.partition);
      if (end === undefined) continue;
      const candidate = watermarkMs - from.holdBackMs;
      const last = state.upstream.at(-1);
      if (candidate > state.task.watermarkMs && candidate > (last?.watermarkMs ?? -Infinity)) {
        const untilOffset = Number(end.high);
        // A target at the same offset as the last one supersedes it; a bounded queue otherwise.
        if (last !== undefined && last.untilOffset >= untilOffset) state.upstream.pop();
        state.upstream.push({ watermarkMs: candidate, untilOffset });
        if (state.upstream.length > MAX_UPSTREAM_TARGETS) state.upstream.splice(0, 1);
      }
    }
  }

  /**
   * Forgets what the changelog mirror no longer needs: deleted keys (closed windows) and earlier
   * versions, once the group has committed past the flush that wrote the newest version.
   */
  async #pruneMirror(): Promise<void> {
    const committed = new Map<string, { offset: number; watermarkMs: number }>();
    const offsets = await this.#requireAdmin().fetchOffsets({
      groupId: this.#groupId,
      topics: this.#graph.sources.map((s) => s.topic),
    });
    for (const { topic, partitions } of offsets) {
      for (const p of partitions) {
        const watermarkMs = decodeCommitMetadata(p.metadata)?.watermarkMs ?? Number.NEGATIVE_INFINITY;
        committed.set(`${topic}/${p.partition}`, { offset: Number(p.offset), watermarkMs });
      }
    }
    // Window stores write no tombstones for closed windows: their entries go once the committed
    // watermark closed them.
    for (const [changelog, byPartition] of this.#changelogs) {
      const windows = this.#fixedWindowStores.get(changelog);
      for (const [partition, entries] of byPartition) {
        for (const [key, versions] of entries) {
          const newest = versions.at(-1);
          const at = key.indexOf('|');
          const upTo = committed.get(`${key.slice(0, at)}/${partition}`);
          if (newest === undefined || upTo === undefined || !(newest.end < upTo.offset)) continue;
          const closeMs = windows === undefined ? undefined : storeKeyCloseMs(windows, key.slice(at + 1));
          if (newest.value === null || (closeMs !== undefined && closeMs <= upTo.watermarkMs))
            entries.delete(key);
          else if (versions.length > 1) entries.set(key, [newest]);
        }
      }
    }
  }

  /** The commit protocol for one partition. Must run under the partition's lock. */
  async #flush(state: PartitionState, reason: string, heartbeat?: () => Promise<void>): Promise<void> {
    const current = (): void => {
      // A rebalance happened while this flush waited: another member may own the partition now.
      if (state.generation !== this.#generation) throw new StaleFlushError();
    };
    current();
    // One write phase at a time per partition: the previous one must have committed (or failed).
    await this.#settleWrite(state, heartbeat);
    current();
    const consumer = this.#requireConsumer();
    const firstOffset = state.committedOffset;
    const lastOffset = state.nextOffset - 1;
    if (state.pending !== undefined) {
      if (lastOffset < state.pending.end && reason !== 'replay') return;
      if (state.pending.watermarkMs !== null) state.task.advanceWatermark(state.pending.watermarkMs);
    }
    const watermark = Number.isFinite(state.task.watermarkMs) ? state.task.watermarkMs : null;
    // An advance by the wall clock or a poll (idle, upstream) is repeated by a replay only once its
    // pending mark is committed: what it emitted for eager sinks is then written with the flush's sinks,
    // after that mark (and after the eager sends before it, to keep their order). Otherwise eager
    // outputs go now, through the chain, in order.
    const deferEager = reason === 'idle' || reason === 'upstream';
    if (!deferEager) this.#sendEager(state);
    this.#encodeRows(state);
    const encoded = state.encoded;
    state.encoded = new Map();
    const outputs = state.task.drainOutputs();
    const late = state.task.late.splice(0);
    const deadLetters = state.deadLetters.splice(0);
    const bulk = state.bulk.take();
    const changes = [...state.task.stores].map(([store, keyed]) => ({
      store,
      entries: keyed.drainChanges(),
    }));
    if (
      lastOffset < firstOffset &&
      outputs.size === 0 &&
      encoded.size === 0 &&
      late.length === 0 &&
      bulk.length === 0 &&
      changes.every((c) => c.entries.length === 0) &&
      watermark === state.committedWatermarkMs
    ) {
      state.lastFlushMs = Date.now();
      return;
    }
    // Everything the write phase needs is taken now: rows and changelog values are built from state
    // that processing goes on changing.
    const rows = new Map<string, ClickHouseRow[]>();
    for (const [name, list] of outputs) {
      const sink = this.#graph.sinks.get(name);
      if (sink?.kind === 'clickhouse')
        rows.set(
          name,
          list.map((o) => sink.toRow(o.record.value, o.record)),
        );
    }
    const changelogs = changes.map(({ store, entries }) => {
      const batch = new ChangelogBatch(
        this.changelogTopic(store),
        `${state.topic}|`,
        state.partition,
        lastOffset,
      );
      for (const entry of entries) batch.add(entry);
      return batch;
    });
    state.bufferedOutputs = 0;
    state.bufferedBytes = 0;
    state.lastFlushMs = Date.now();
    const origin = {
      topic: state.topic,
      partition: state.partition,
      firstOffset,
      lastOffset,
      watermarkMs: watermark,
    };
    // Backpressure: while a sink retries, the partition is paused, so nothing more is fetched for it.
    const pause = { active: false };
    // Flushes for size or time write in the background while the partition goes on processing; the
    // next flush (or a batch, after a failure) waits for them. Replays, idle advances and the final
    // flush write inline.
    const background = (reason === 'size' || reason === 'interval') && state.pending === undefined;
    const io: WriteOptions = {
      signal: this.#abort.signal,
      // A background write outlives its batch: no heartbeats through that batch's payload.
      ...(heartbeat === undefined || background ? {} : { between: heartbeat }),
      lane: state.partition,
      onRetry: () => {
        // A write the group has moved past stops retrying (and must not pause a partition that may be
        // fetched for its new owner).
        current();
        if (pause.active) return;
        pause.active = true;
        consumer.pause([{ topic: state.topic, partitions: [state.partition] }]);
        this.#metrics.pausedPartitions.inc({ topology: this.#graph.name });
        this.#logger.warn('sink falling behind: partition paused', {
          topic: state.topic,
          partition: state.partition,
        });
      },
    };
    const commitAt = async (offset: number, metadata: string): Promise<void> => {
      current();
      await consumer.commitOffsets([
        { topic: state.topic, partition: state.partition, offset: String(offset), metadata },
      ]);
    };

    const resumeIfPaused = (): void => {
      if (!pause.active) return;
      pause.active = false;
      consumer.resume([{ topic: state.topic, partitions: [state.partition] }]);
      this.#metrics.pausedPartitions.dec({ topology: this.#graph.name });
      this.#logger.info('sink caught up: partition resumed', {
        topic: state.topic,
        partition: state.partition,
      });
    };
    const write = async (): Promise<void> => {
      try {
        await writeSteps();
      } finally {
        // Also when the write failed or went stale: a paused partition is never left behind.
        resumeIfPaused();
      }
    };
    const writeSteps = async (): Promise<void> => {
      const t0 = performance.now();
      // 1. Mark the range pending, so a replay cuts its first flush at the same place.
      await commitAt(
        firstOffset,
        encodeCommitMetadata({
          watermarkMs: state.committedWatermarkMs,
          pending: { end: lastOffset, watermarkMs: watermark },
        }),
      );
      const t1 = performance.now();
      // 2. Sinks, dead letters, late records.
      if (deferEager) await state.eager;
      current();
      // Sinks are independent of each other: written at once, all acknowledged before the changelogs.
      await Promise.all([
        this.#writeSinks(outputs, origin, io, '', rows),
        ...[...encoded].map(([name, encodedRows]) =>
          this.#writeEncoded(name, encodedRows, deduplicationToken(this.#graph.name, name, origin), io),
        ),
        this.#writeLate(late, origin, io),
        this.#requireKafkaWriter().send(this.deadLetterTopic, deadLetters, io),
        this.#writeBulk(state, bulk, origin, io),
      ]);
      const t2 = performance.now();
      // 3. State changelogs.
      current();
      await Promise.all(
        changelogs.map((batch) => this.#requireKafkaWriter().send(batch.topic, batch.messages(), io)),
      );
      // Eager sends of what this range produced must be acknowledged too.
      current();
      await state.eager;
      if (state.eagerError !== undefined)
        throw state.eagerError instanceof Error
          ? state.eagerError
          : new StadionError('SERVICE_UNREACHABLE', `eager send failed: ${describeError(state.eagerError)}`);
      const t3 = performance.now();
      // 4. Only now the input offsets.
      await commitAt(lastOffset + 1, encodeCommitMetadata({ watermarkMs: watermark }));
      const t4 = performance.now();
      this.#metrics.commits.inc({ topology: this.#graph.name });
      state.committedOffset = lastOffset + 1;
      state.committedWatermarkMs = watermark;
      state.pending = undefined;
      this.#logger.debug('flushed', {
        reason,
        ...origin,
        sinks: [...outputs.keys(), ...encoded.keys()],
        outputs:
          [...outputs.values()].reduce((n, list) => n + list.length, 0) +
          [...encoded.values()].reduce((n, rows) => n + rows.count, 0),
        changelogEntries: changelogs.reduce((n, c) => n + c.count, 0),
        changelogBytes: changelogs.reduce((n, c) => n + c.bytes, 0),
        durationsMs: {
          markPending: Math.round(t1 - t0),
          sinks: Math.round(t2 - t1),
          changelogs: Math.round(t3 - t2),
          commit: Math.round(t4 - t3),
        },
      });
    };
    if (background) {
      // Unset when done, so `writing` says whether a write is under way; its failure stays in writeError.
      const writing: Promise<void> = write()
        .catch((error: unknown) => {
          state.writeError = error;
        })
        .finally(() => {
          if (state.writing === writing) state.writing = undefined;
        });
      state.writing = writing;
      return;
    }
    await write();
  }

  /** Waits for a background write phase; rethrows its failure (the caller recovers the partition). */
  async #settleWrite(state: PartitionState, heartbeat?: () => Promise<void>): Promise<void> {
    const writing = state.writing;
    if (writing !== undefined) {
      // A batch waiting here must still heartbeat, or a slow write would cost the member its session.
      const settled = { done: false };
      void writing.then(() => {
        settled.done = true;
      });
      for (;;) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          writing,
          new Promise((resolve) => (timer = setTimeout(resolve, HEARTBEAT_WHILE_WAITING_MS))),
        ]);
        clearTimeout(timer);
        if (settled.done) break;
        if (heartbeat !== undefined) await heartbeat().catch(() => undefined);
      }
      state.writing = undefined;
    }
    const error = state.writeError;
    if (error === undefined) return;
    throw error instanceof Error
      ? error
      : new StadionError('SERVICE_UNREACHABLE', `flush failed: ${describeError(error)}`);
  }

  async #writeBulk(
    state: PartitionState,
    groups: readonly BulkGroup[],
    origin: Parameters<typeof deduplicationToken>[2],
    io: WriteOptions,
  ): Promise<void> {
    const source = state.task.source;
    if (source.bulk === undefined || groups.length === 0) return;
    const spec = source.bulk;
    const labels = { topology: this.#graph.name, sink: spec.name };
    const stopTimer = this.#metrics.flushSeconds.startTimer(labels);
    const inserted = await writeBulk({
      spec,
      groups,
      tokenOf: (suffix) => deduplicationToken(this.#graph.name, `${spec.name}:${suffix}`, origin),
      writer: this.#requireClickHouseWriter(),
      io,
      decode: async (bytes) => this.#decoder(source.name).decode(bytes),
      onRefused: (record, code, reason) => {
        this.#badRecord(state, record, record.offset, code, reason);
      },
    });
    stopTimer();
    this.#metrics.flushRows.observe(labels, inserted);
    // Records ClickHouse refused and the codec confirmed as bad: dead letters of this same flush.
    const refused = state.deadLetters.splice(0);
    if (refused.length > 0) await this.#requireKafkaWriter().send(this.deadLetterTopic, refused, io);
  }

  async #writeSinks(
    outputs: Map<string, SinkOutput[]>,
    origin: {
      topic: string;
      partition: number;
      firstOffset: number;
      lastOffset: number;
      watermarkMs: number | null;
    },
    io: WriteOptions,
    /** Late records written to a sink share the flush's range: a suffix keeps their token distinct. */
    tokenSuffix = '',
    /** Rows already built from the outputs, by ClickHouse sink. */
    rows?: ReadonlyMap<string, readonly ClickHouseRow[]>,
  ): Promise<void> {
    const writes: Array<Promise<void>> = [];
    for (const [name, list] of outputs) {
      const sink = this.#graph.sinks.get(name);
      if (sink === undefined || list.length === 0) continue;
      writes.push(
        this.#writeSink(
          sink,
          list,
          deduplicationToken(this.#graph.name, `${name}${tokenSuffix}`, origin),
          io,
          rows?.get(name),
        ),
      );
    }
    await Promise.all(writes);
  }

  async #writeSink(
    sink: SinkSpec<unknown>,
    list: readonly SinkOutput[],
    token: string,
    io: WriteOptions,
    rows?: readonly ClickHouseRow[],
  ): Promise<void> {
    const labels = { topology: this.#graph.name, sink: sink.name };
    const stopTimer = this.#metrics.flushSeconds.startTimer(labels);
    if (sink.kind === 'clickhouse') {
      await this.#requireClickHouseWriter().insert(
        {
          table: sink.table,
          rows: rows ?? list.map((o) => sink.toRow(o.record.value, o.record)),
          deduplicationToken: token,
        },
        io,
      );
    } else {
      const encode =
        sink.codec.kind === 'avro'
          ? await this.#requireKafkaWriter().avroEncoder(sink.topic, sink.codec.schema)
          : undefined;
      await this.#requireKafkaWriter().send(
        sink.topic,
        list.map((o) => ({
          key: sink.keyOf === undefined ? o.record.key : sink.keyOf(o.record.value, o.record),
          value: encode === undefined ? Buffer.from(JSON.stringify(o.record.value)) : encode(o.record.value),
          timestampMs: o.record.timestampMs,
        })),
        io,
      );
    }
    stopTimer();
    this.#observeWritten(
      labels,
      list.length,
      (i) => list[i]?.record.timestampMs ?? Number.NaN,
      (i) => list[i]?.origin?.receivedAtMs ?? Number.NaN,
    );
  }

  /** Writes a ClickHouse sink's rows encoded after each batch (#encodeRows). */
  async #writeEncoded(name: string, rows: EncodedRows, token: string, io: WriteOptions): Promise<void> {
    const sink = this.#graph.sinks.get(name);
    if (sink?.kind !== 'clickhouse') throw new StadionError('INTERNAL', `${name} is not a ClickHouse sink`);
    const labels = { topology: this.#graph.name, sink: name };
    const stopTimer = this.#metrics.flushSeconds.startTimer(labels);
    await this.#requireClickHouseWriter().insertRowBinary(
      { table: sink.table, encoder: rows.encoder, body: rows.body(), deduplicationToken: token },
      io,
    );
    stopTimer();
    this.#observeWritten(
      labels,
      rows.count,
      (i) => rows.timestampsMs[i] ?? Number.NaN,
      (i) => rows.receivedAtMs[i] ?? Number.NaN,
    );
  }

  /** Counts a sink's written records and their latencies (NaN: not known). */
  #observeWritten(
    labels: { topology: string; sink: string },
    count: number,
    timestampMs: (i: number) => number,
    receivedAtMs: (i: number) => number,
  ): void {
    const now = Date.now();
    this.#metrics.flushRows.observe(labels, count);
    this.#metrics.recordsOut.inc(labels, count);
    // The labelled children once per write, not a label lookup per output.
    const endToEnd = this.#metrics.endToEndSeconds.labels(labels);
    const processing = this.#metrics.processingSeconds.labels(labels);
    for (let i = 0; i < count; i += 1) {
      endToEnd.observe(Math.max(0, now - timestampMs(i)) / 1000);
      const received = receivedAtMs(i);
      if (!Number.isNaN(received)) processing.observe(Math.max(0, now - received) / 1000);
    }
  }

  async #writeLate(
    late: ReturnType<Task['late']['splice']>,
    origin: {
      topic: string;
      partition: number;
      firstOffset: number;
      lastOffset: number;
      watermarkMs: number | null;
    },
    io: WriteOptions,
  ): Promise<void> {
    if (late.length === 0) return;
    for (const record of late)
      this.#metrics.lateRecords.inc({ topology: this.#graph.name, store: record.store });
    const withSink = new Map<string, SinkOutput[]>();
    const toTopic: OutgoingMessage[] = [];
    for (const record of late) {
      if (record.sink !== undefined) {
        const list = withSink.get(record.sink.name) ?? [];
        list.push({ record: record.record, origin: record.origin });
        withSink.set(record.sink.name, list);
      } else {
        toTopic.push({
          key: record.record.key,
          value: Buffer.from(
            JSON.stringify({
              store: record.store,
              watermarkMs: record.watermarkMs,
              timestampMs: record.record.timestampMs,
              value: record.record.value,
            }),
          ),
          headers: {
            'stadion.store': record.store,
            [DEAD_LETTER_HEADERS.topic]: record.origin?.topic ?? '',
            [DEAD_LETTER_HEADERS.partition]: String(record.origin?.partition ?? ''),
            [DEAD_LETTER_HEADERS.offset]: String(record.origin?.offset ?? ''),
          },
        });
      }
    }
    await this.#writeSinks(withSink, origin, io, ':late');
    await this.#requireKafkaWriter().send(this.lateTopic, toTopic, io);
  }

  async #withLock(state: PartitionState, work: () => Promise<void>): Promise<void> {
    const previous = state.lock;
    let release: () => void = () => undefined;
    state.lock = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      await work();
    } finally {
      release();
    }
  }

  #fail(error: unknown): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.#logger.error('topology failed; stopping without committing what was not flushed', { error });
    void this.stop();
  }

  #decoder(input: string): Decoder {
    const decoder = this.#decoders.get(input);
    if (decoder === undefined) throw new StadionError('INTERNAL', `no decoder for ${input}`);
    return decoder;
  }

  #requireAdmin(): Admin {
    if (this.#admin === undefined) throw new StadionError('INTERNAL', 'runner not started');
    return this.#admin;
  }

  #requireConsumer(): Consumer {
    if (this.#consumer === undefined) throw new StadionError('INTERNAL', 'runner not started');
    return this.#consumer;
  }

  #requireKafkaWriter(): KafkaWriter {
    if (this.#kafkaWriter === undefined) throw new StadionError('INTERNAL', 'runner not started');
    return this.#kafkaWriter;
  }

  #requireClickHouseWriter(): ClickHouseWriter {
    if (this.#chWriter === undefined) throw new StadionError('INTERNAL', 'runner not started');
    return this.#chWriter;
  }
}
