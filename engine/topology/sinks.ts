/**
 * Sink descriptions. A sink only says where records go and how a record becomes a row or a message;
 * the runtime owns batching, retries, backpressure, deduplication tokens and the commit order.
 */
import type { AvroCodec } from './codecs.ts';
import type { StreamRecord } from './record.ts';

export type ClickHouseRow = Readonly<Record<string, unknown>>;

export interface ClickHouseSinkSpec<V> {
  readonly kind: 'clickhouse';
  /** Unique within the topology; part of every deduplication token. @default the table name */
  readonly name: string;
  /** Target table, optionally `database.table`. */
  readonly table: string;
  readonly toRow: (value: V, record: StreamRecord<V>) => ClickHouseRow;
}

export interface KafkaSinkSpec<V> {
  readonly kind: 'kafka';
  /** Unique within the topology. @default the topic name */
  readonly name: string;
  readonly topic: string;
  /** Avro (registered under `<topic>-value`) or plain JSON. */
  readonly codec: AvroCodec<V> | { readonly kind: 'json' };
  /** The message key. @default the record's key */
  readonly keyOf?: (value: V, record: StreamRecord<V>) => string | null;
  /**
   * `flush`: sent with the partition's flush (batched, after the flush interval at most).
   * `eager`: sent as soon as the batch that produced it is processed, for live feeds; still
   * acknowledged before the input offsets are committed, so at least once either way.
   * @default 'flush'
   */
  readonly delivery?: KafkaDelivery;
}

export type KafkaDelivery = 'flush' | 'eager';

export type SinkSpec<V> = ClickHouseSinkSpec<V> | KafkaSinkSpec<V>;

export function clickhouseSink<V>(options: {
  table: string;
  toRow: (value: V, record: StreamRecord<V>) => ClickHouseRow;
  name?: string;
}): ClickHouseSinkSpec<V> {
  return {
    kind: 'clickhouse',
    name: options.name ?? options.table,
    table: options.table,
    toRow: options.toRow,
  };
}

export function kafkaSink<V>(options: {
  topic: string;
  codec: AvroCodec<V> | { readonly kind: 'json' };
  keyOf?: (value: V, record: StreamRecord<V>) => string | null;
  name?: string;
  /** @default 'flush' */
  delivery?: KafkaDelivery;
}): KafkaSinkSpec<V> {
  return {
    kind: 'kafka',
    name: options.name ?? options.topic,
    topic: options.topic,
    codec: options.codec,
    ...(options.keyOf === undefined ? {} : { keyOf: options.keyOf }),
    ...(options.delivery === undefined ? {} : { delivery: options.delivery }),
  };
}
