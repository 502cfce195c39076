/**
 * The typed topology DSL, in the shape of Quix Streams with Kafka Streams' semantics:
 *
 *   const topology = defineTopology('feeds', (t) => {
 *     const samples = t.stream('samples', { topic: 'feed.samples', codec: avro<Sample>(schema), timestampOf: (s) => s.eventTimeMs });
 *     samples
 *       .window(TimeWindows.ofSizeAndGrace(10_000, 2_000))
 *       .aggregate('loss', combine({ n: count(), loss: mean((s: Sample) => s.lossRatio) }))
 *       .final()
 *       .to(clickhouseSink({ table: 'feed_windows', toRow: (w) => ({ ... }) }));
 *   });
 *
 * Every operator returns a new stream; nothing runs until a runtime (the Kafka runner or the TestDriver)
 * executes the graph.
 */
import type { Aggregator } from '../aggregate/aggregator.ts';
import { StadionError } from '../errors.ts';
import type { FixedWindows, SessionWindowsSpec } from '../windows/index.ts';
import { BULK_INPUT_PLACEHOLDER, clickhouseStructureOf, type BulkLoadSpec } from './bulk.ts';
import type { AvroCodec, ValueCodec } from './codecs.ts';
import type {
  GraphNode,
  ProcessorSpec,
  SourceNode,
  TableNode,
  TopologyGraph,
  UpstreamWatermark,
} from './graph.ts';
import type { StreamRecord } from './record.ts';
import type { SinkSpec } from './sinks.ts';

/** How far event time may run backwards within a partition before records count as out of order. @default 0 */
export const DEFAULT_MAX_OUT_OF_ORDERNESS_MS = 0;
/** A partition with no records for this long (wall clock) stops holding the watermark back. @default 30 s */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

export interface StreamOptions<V> {
  topic: string;
  codec: ValueCodec<V>;
  /** Event time of a record, ms since the epoch. @default the Kafka message timestamp */
  timestampOf?: (value: V, kafkaTimestampMs: number) => number;
  /** @default DEFAULT_MAX_OUT_OF_ORDERNESS_MS */
  maxOutOfOrdernessMs?: number;
  /** @default DEFAULT_IDLE_TIMEOUT_MS */
  idleTimeoutMs?: number;
  /**
   * Also copy every record the stream accepts (decoded and valid) as sent into a ClickHouse table, in
   * bulk (see `TopologyBuilder.bulkLoad`, whose `select` this takes): ClickHouse parses the Avro, the
   * engine only copies bytes, in the same flushes and under the same commit protocol as the stream's
   * sinks. Much cheaper than a ClickHouse sink of one row per record. Avro codecs only.
   * @default none
   */
  bulkLoad?: BulkLoadOptions;
  /**
   * Take the watermark from the topology that writes the topic instead of from the records' times
   * (see UpstreamWatermark); `maxOutOfOrdernessMs` and the idle timeout then do not apply.
   * @default none: the records' times
   */
  watermarkFrom?: UpstreamWatermark;
}

/** Where a bulk load writes: see `TopologyBuilder.bulkLoad`. */
export interface BulkLoadOptions {
  table: string;
  /** Reads `{input}` (the records, with the codec's schema as structure). */
  select: string;
  /** @default the table name */
  sinkName?: string;
}

/** The result of a windowed aggregation, one per key and window. */
export interface WindowResult<Out> {
  readonly key: string | null;
  readonly windowStartMs: number;
  /** Exclusive for tumbling and hopping windows; for session windows, the last event time + 1. */
  readonly windowEndMs: number;
  readonly value: Out;
}

export interface Table<T> {
  readonly name: string;
  /** Phantom: carries the value type. */
  readonly _value?: T;
}

export class Stream<V> {
  readonly #builder: TopologyBuilder;
  readonly #attach: (node: GraphNode) => void;

  /** @internal */
  constructor(builder: TopologyBuilder, attach: (node: GraphNode) => void) {
    this.#builder = builder;
    this.#attach = attach;
  }

  #next<W>(node: GraphNode): Stream<W> {
    this.#attach(node);
    return new Stream<W>(this.#builder, (child) => node.children.push(child));
  }

  map<W>(fn: (value: V, record: StreamRecord<V>) => W): Stream<W> {
    return this.#next({
      kind: 'map',
      id: this.#builder.nextId('map'),
      fn: (r) => fn(r.value as V, r as StreamRecord<V>),
      children: [],
    });
  }

  filter<W extends V>(predicate: (value: V, record: StreamRecord<V>) => value is W): Stream<W>;
  filter(predicate: (value: V, record: StreamRecord<V>) => boolean): Stream<V>;
  filter(predicate: (value: V, record: StreamRecord<V>) => boolean): Stream<V> {
    return this.#next({
      kind: 'filter',
      id: this.#builder.nextId('filter'),
      fn: (r) => predicate(r.value as V, r as StreamRecord<V>),
      children: [],
    });
  }

  flatMap<W>(fn: (value: V, record: StreamRecord<V>) => Iterable<W>): Stream<W> {
    return this.#next({
      kind: 'flatMap',
      id: this.#builder.nextId('flatMap'),
      fn: (r) => fn(r.value as V, r as StreamRecord<V>),
      children: [],
    });
  }

  /**
   * A new key for each record. State and windows downstream are keyed by it, within the input
   * partition: re-key to a refinement of the partition key (e.g. session id -> session id + athlete id).
   */
  selectKey(fn: (value: V, record: StreamRecord<V>) => string | null): Stream<V> {
    return this.#next({
      kind: 'selectKey',
      id: this.#builder.nextId('selectKey'),
      fn: (r) => fn(r.value as V, r as StreamRecord<V>),
      children: [],
    });
  }

  /** Routes each record to the first branch whose predicate holds; `other` gets the rest. */
  branch<const B extends Readonly<Record<string, (value: V, record: StreamRecord<V>) => boolean>>>(
    branches: B,
  ): { readonly [K in keyof B]: Stream<V> } & { readonly other: Stream<V> } {
    const names = Object.keys(branches);
    if (names.includes('other'))
      throw new StadionError('CONFIG_INVALID', 'branch: "other" is reserved for unmatched records');
    const outlets: GraphNode[][] = names.map(() => []);
    outlets.push([]);
    const node: GraphNode = {
      kind: 'branch',
      id: this.#builder.nextId('branch'),
      predicates: names.map((name) => {
        const predicate = branches[name];
        if (predicate === undefined) throw new StadionError('INTERNAL', `branch ${name} has no predicate`);
        return (r: StreamRecord<unknown>) => predicate(r.value as V, r as StreamRecord<V>);
      }),
      outlets,
      children: [],
    };
    this.#attach(node);
    const result: Record<string, Stream<V>> = {};
    outlets.forEach((outlet, i) => {
      result[i < names.length ? (names[i] ?? '') : 'other'] = new Stream<V>(this.#builder, (child) =>
        outlet.push(child),
      );
    });
    return result as { readonly [K in keyof B]: Stream<V> } & { readonly other: Stream<V> };
  }

  /**
   * Joins each record with the latest value of a table (a global table: every instance holds all of it).
   * `inner` drops records with no table value (counted); otherwise the joiner sees `undefined`.
   */
  join<T, W>(
    table: Table<T>,
    joiner: (value: V, tableValue: T | undefined) => W,
    options: { keyOf?: (value: V, record: StreamRecord<V>) => string | null; inner?: boolean } = {},
  ): Stream<W> {
    const keyOf = options.keyOf;
    return this.#next({
      kind: 'join',
      id: this.#builder.nextId('join'),
      table: table.name,
      keyOf: keyOf === undefined ? (r) => r.key : (r) => keyOf(r.value as V, r as StreamRecord<V>),
      joiner: (value, tableValue) => joiner(value as V, tableValue as T | undefined),
      inner: options.inner ?? false,
      children: [],
    });
  }

  /** Keyed state: `spec.process(state, record, emit)` per record, state kept per key in a changelogged store. */
  process<S, W>(name: string, spec: ProcessorSpec<S, V, W>): Stream<W> {
    const store = this.#builder.claimStore(name);
    return this.#next({
      kind: 'process',
      id: store,
      store,
      spec: spec as unknown as ProcessorSpec<unknown, unknown, unknown>,
      children: [],
    });
  }

  window(windows: FixedWindows | SessionWindowsSpec): WindowedStream<V> {
    return new WindowedStream<V>(this.#builder, this.#attach, windows);
  }

  to(sink: SinkSpec<V>): void {
    this.#builder.registerSink(sink as SinkSpec<unknown>);
    this.#attach({
      kind: 'sink',
      id: this.#builder.nextId(`sink:${sink.name}`),
      sink: sink as SinkSpec<unknown>,
      children: [],
    });
  }
}

export class WindowedStream<V> {
  readonly #builder: TopologyBuilder;
  readonly #attach: (node: GraphNode) => void;
  readonly #windows: FixedWindows | SessionWindowsSpec;
  #late: SinkSpec<unknown> | undefined;

  /** @internal */
  constructor(
    builder: TopologyBuilder,
    attach: (node: GraphNode) => void,
    windows: FixedWindows | SessionWindowsSpec,
  ) {
    this.#builder = builder;
    this.#attach = attach;
    this.#windows = windows;
  }

  /** Records later than the grace go here (and to a counter). @default the runtime's late-records topic */
  onLate(sink: SinkSpec<V>): this {
    this.#builder.registerSink(sink as SinkSpec<unknown>);
    this.#late = sink as SinkSpec<unknown>;
    return this;
  }

  aggregate<Acc, Out>(
    name: string,
    aggregator: Aggregator<V, Acc, Out>,
  ): { final(): Stream<WindowResult<Out>>; updates(): Stream<WindowResult<Out>> } {
    const make = (emit: 'final' | 'updates'): Stream<WindowResult<Out>> => {
      const store = this.#builder.claimStore(name);
      const node: GraphNode = {
        kind: 'window',
        id: store,
        store,
        windows: this.#windows,
        aggregator: aggregator as unknown as Aggregator<unknown, unknown, unknown>,
        emit,
        late: this.#late,
        children: [],
      };
      this.#attach(node);
      return new Stream<WindowResult<Out>>(this.#builder, (child) => node.children.push(child));
    };
    return { final: () => make('final'), updates: () => make('updates') };
  }
}

export class TopologyBuilder {
  readonly name: string;
  readonly #sources: SourceNode[] = [];
  readonly #tables: TableNode[] = [];
  readonly #sinks = new Map<string, SinkSpec<unknown>>();
  readonly #stores = new Set<string>();
  #counter = 0;

  constructor(name: string) {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) {
      throw new StadionError(
        'CONFIG_INVALID',
        `topology name "${name}" may only use letters, digits, ".", "_" and "-"`,
      );
    }
    this.name = name;
  }

  stream<V>(name: string, options: StreamOptions<V>): Stream<V> {
    this.#checkName(name);
    const extractor = options.timestampOf;
    const source: SourceNode = {
      name,
      topic: options.topic,
      codec: options.codec as ValueCodec<unknown>,
      timestampOf:
        extractor === undefined ? (_v, kafkaMs) => kafkaMs : (v, kafkaMs) => extractor(v as V, kafkaMs),
      maxOutOfOrdernessMs: nonNegative(
        options.maxOutOfOrdernessMs ?? DEFAULT_MAX_OUT_OF_ORDERNESS_MS,
        'maxOutOfOrdernessMs',
      ),
      idleTimeoutMs: nonNegative(options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, 'idleTimeoutMs'),
      children: [],
      ...(options.bulkLoad === undefined
        ? {}
        : { bulk: bulkSpecOf(name, options.codec as ValueCodec<unknown>, options.bulkLoad) }),
      ...(options.watermarkFrom === undefined
        ? {}
        : {
            watermarkFrom: {
              ...options.watermarkFrom,
              holdBackMs: nonNegative(options.watermarkFrom.holdBackMs, 'watermarkFrom.holdBackMs'),
            },
          }),
    };
    this.#sources.push(source);
    return new Stream<V>(this, (node) => source.children.push(node));
  }

  /**
   * A bulk load: the topic's Avro records go to a ClickHouse table without being decoded here.
   * `select` reads `{input}` (the records, with the codec's schema as structure) and may flatten them
   * (ARRAY JOIN), convert, filter or refuse them (`throwIf`): a batch ClickHouse refuses is decoded record
   * by record, and the records the codec refuses (decoding or `validate`) are dead-lettered.
   */
  bulkLoad<V>(name: string, options: BulkLoadOptions & { topic: string; codec: AvroCodec<V> }): void {
    this.#checkName(name);
    this.#sources.push({
      name,
      topic: options.topic,
      codec: options.codec as ValueCodec<unknown>,
      timestampOf: (_v, kafkaMs) => kafkaMs,
      maxOutOfOrdernessMs: 0,
      idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
      children: [],
      bulk: bulkSpecOf(name, options.codec as ValueCodec<unknown>, options),
      bulkOnly: true,
    });
  }

  table<T>(name: string, options: { topic: string; codec: ValueCodec<T> }): Table<T> {
    this.#checkName(name);
    this.#tables.push({ name, topic: options.topic, codec: options.codec as ValueCodec<unknown> });
    return { name };
  }

  /** @internal */
  nextId(prefix: string): string {
    this.#counter += 1;
    return `${prefix}-${this.#counter}`;
  }

  /** @internal */
  claimStore(name: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) {
      throw new StadionError(
        'CONFIG_INVALID',
        `store name "${name}" may only use letters, digits, ".", "_" and "-"`,
      );
    }
    if (this.#stores.has(name))
      throw new StadionError('CONFIG_INVALID', `store "${name}" is defined twice in ${this.name}`);
    this.#stores.add(name);
    return name;
  }

  /** @internal */
  registerSink(sink: SinkSpec<unknown>): void {
    const existing = this.#sinks.get(sink.name);
    if (existing !== undefined && existing !== sink) {
      throw new StadionError(
        'CONFIG_INVALID',
        `two different sinks are named "${sink.name}" in ${this.name}`,
      );
    }
    this.#sinks.set(sink.name, sink);
  }

  build(): TopologyGraph {
    if (this.#sources.length === 0)
      throw new StadionError('CONFIG_INVALID', `topology ${this.name} has no stream`);
    return {
      name: this.name,
      sources: this.#sources,
      tables: this.#tables,
      sinks: this.#sinks,
      stores: [...this.#stores],
    };
  }

  #checkName(name: string): void {
    if ([...this.#sources, ...this.#tables].some((s) => s.name === name)) {
      throw new StadionError('CONFIG_INVALID', `input "${name}" is defined twice in ${this.name}`);
    }
  }
}

export function defineTopology(name: string, define: (t: TopologyBuilder) => void): TopologyGraph {
  const builder = new TopologyBuilder(name);
  define(builder);
  return builder.build();
}

function nonNegative(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0)
    throw new StadionError('CONFIG_INVALID', `${name} must be >= 0, got ${value}`);
  return value;
}

function bulkSpecOf(name: string, codec: ValueCodec<unknown>, options: BulkLoadOptions): BulkLoadSpec {
  if (codec.kind !== 'avro') {
    throw new StadionError('CONFIG_INVALID', `bulk load ${name}: only Avro records can be loaded in bulk`);
  }
  if (!options.select.includes(BULK_INPUT_PLACEHOLDER)) {
    throw new StadionError(
      'CONFIG_INVALID',
      `bulk load ${name}: the select must read from ${BULK_INPUT_PLACEHOLDER}`,
    );
  }
  return {
    name: options.sinkName ?? options.table,
    table: options.table,
    select: options.select,
    structure: clickhouseStructureOf(codec.schema),
  };
}
