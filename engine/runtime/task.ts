/**
 * A task runs one source partition through the topology graph: the unit of state, of watermarks, of
 * offsets and of deduplication. Pure: it consumes decoded records and produces outputs into buffers;
 * Kafka, ClickHouse and clocks belong to whoever drives it (the runner, or the TestDriver).
 *
 * Order per record: the partition's watermark advances (max event time - allowed out-of-orderness),
 * the record runs through the graph (a window that the watermark already closed sends it to the late
 * output), then every window the watermark closes is emitted. Because emissions depend only on the
 * partition's own records (and on an idle or upstream advance, recorded by the runner), a replay from a
 * committed offset reproduces the same outputs at the same offsets.
 */
import { StadionError } from '../errors.ts';
import type { GraphNode, SourceNode } from '../topology/graph.ts';
import type { RecordOrigin, StreamRecord } from '../topology/record.ts';
import type { SinkSpec } from '../topology/sinks.ts';
import { KeyedStore } from '../state/keyed-store.ts';
import { WindowOperator } from './window-operator.ts';

/** Latest table values, shared by every task of an instance (global tables). */
export interface TableLookup {
  get(table: string, key: string): unknown;
  /** Told about every record an inner join drops because the table has no value for its key. */
  joinMissed?(table: string, key: string | null): void;
}

export interface SinkOutput {
  readonly record: StreamRecord<unknown>;
  readonly origin: RecordOrigin | undefined;
}

export interface LateRecord {
  readonly store: string;
  readonly record: StreamRecord<unknown>;
  readonly origin: RecordOrigin | undefined;
  readonly watermarkMs: number;
  /** The explicit late sink of the window, if any; otherwise the runtime's late-records output. */
  readonly sink: SinkSpec<unknown> | undefined;
}

export interface TaskCounters {
  recordsIn: number;
  /** Records given to sinks or to the late records, ever (the runner counts what a record added). */
  emitted: number;
  late: number;
  joinMisses: number;
}

export class Task {
  readonly id: string;
  readonly source: SourceNode;
  readonly partition: number;
  readonly stores = new Map<string, KeyedStore>();
  readonly counters: TaskCounters = { recordsIn: 0, emitted: 0, late: 0, joinMisses: 0 };
  /** Records each sink received since the last drain, by sink name. */
  readonly outputs = new Map<string, SinkOutput[]>();
  readonly late: LateRecord[] = [];
  readonly #tables: TableLookup;
  /** Per window node: its operator, and how its results go on (made once, not per record). */
  readonly #windows = new Map<
    string,
    { readonly operator: WindowOperator; readonly emit: (result: StreamRecord<unknown>) => void }
  >();
  #maxEventTimeMs = Number.NEGATIVE_INFINITY;
  #watermarkMs = Number.NEGATIVE_INFINITY;
  /** The current record's origin, and its copy once an output or late record keeps it. */
  #origin: RecordOrigin | undefined;
  #originCopy: RecordOrigin | undefined;
  /** Whether a processor wants to hear of watermark advances. */
  #watermarkListeners = false;
  #notifiedWatermarkMs = Number.NEGATIVE_INFINITY;
  /** False for a source whose watermark comes from upstream commits (UpstreamWatermark): the runner moves it. */
  readonly #recordsMoveWatermark: boolean;

  constructor(source: SourceNode, partition: number, tables: TableLookup) {
    this.id = `${source.topic}-${partition}`;
    this.source = source;
    this.partition = partition;
    this.#tables = tables;
    this.#recordsMoveWatermark = source.watermarkFrom === undefined;
    this.#visit(source.children);
  }

  /** Max event time seen minus the allowed out-of-orderness; -Infinity before the first record. */
  get watermarkMs(): number {
    return this.#watermarkMs;
  }

  /**
   * Runs one decoded record through the graph. `origin` is copied if kept, so a caller may reuse one
   * object for every record.
   */
  process(record: StreamRecord<unknown>, origin?: RecordOrigin): void {
    this.counters.recordsIn += 1;
    this.#origin = origin;
    this.#originCopy = undefined;
    if (this.#recordsMoveWatermark && record.timestampMs > this.#maxEventTimeMs) {
      this.#maxEventTimeMs = record.timestampMs;
      this.#watermarkMs = Math.max(this.#watermarkMs, record.timestampMs - this.source.maxOutOfOrdernessMs);
    }
    this.#forward(this.source.children, record);
    this.#closeDue();
    this.#origin = undefined;
  }

  /**
   * Moves the watermark forward without a record (an idle partition excluded from holding windows
   * open). Never moves it back.
   */
  advanceWatermark(watermarkMs: number): void {
    if (watermarkMs <= this.#watermarkMs) return;
    this.#watermarkMs = watermarkMs;
    this.#closeDue();
  }

  /**
   * Sets the watermark a task had at its last commit, after its stores were restored: nothing closes
   * and no processor is told (that happened before the commit).
   */
  restoreWatermark(watermarkMs: number): void {
    if (watermarkMs <= this.#watermarkMs) return;
    this.#watermarkMs = watermarkMs;
    this.#notifiedWatermarkMs = watermarkMs;
    for (const { operator } of this.#windows.values()) operator.restoreWatermark(watermarkMs);
  }

  /** Takes what the sinks received since the last call. */
  drainOutputs(): Map<string, SinkOutput[]> {
    const drained = new Map(this.outputs);
    this.outputs.clear();
    return drained;
  }

  /** Rebuilds in-memory indexes after the stores were restored from their changelogs. */
  restored(): void {
    for (const { operator } of this.#windows.values()) operator.reindex();
  }

  #visit(nodes: readonly GraphNode[]): void {
    for (const node of nodes) {
      if (node.kind === 'process' || node.kind === 'window') {
        const store = new KeyedStore(node.store);
        this.stores.set(node.store, store);
        if (node.kind === 'window') {
          const children = node.children;
          this.#windows.set(node.id, {
            operator: new WindowOperator(node, store),
            emit: (result) => {
              this.#forward(children, result);
            },
          });
        }
        if (node.kind === 'process' && node.spec.onWatermark !== undefined) this.#watermarkListeners = true;
      }
      if (node.kind === 'branch') for (const outlet of node.outlets) this.#visit(outlet);
      this.#visit(node.children);
    }
  }

  #forward(nodes: readonly GraphNode[], record: StreamRecord<unknown>): void {
    for (const node of nodes) this.#apply(node, record);
  }

  #apply(node: GraphNode, record: StreamRecord<unknown>): void {
    switch (node.kind) {
      case 'map':
        this.#forward(node.children, { ...record, value: node.fn(record) });
        return;
      case 'selectKey':
        this.#forward(node.children, { ...record, key: node.fn(record) });
        return;
      case 'filter':
        if (node.fn(record)) this.#forward(node.children, record);
        return;
      case 'flatMap':
        for (const value of node.fn(record)) this.#forward(node.children, { ...record, value });
        return;
      case 'branch': {
        const index = node.predicates.findIndex((predicate) => predicate(record));
        const outlet = node.outlets[index === -1 ? node.predicates.length : index];
        if (outlet !== undefined) this.#forward(outlet, record);
        return;
      }
      case 'join': {
        const key = node.keyOf(record);
        const tableValue = key === null ? undefined : this.#tables.get(node.table, key);
        if (tableValue === undefined) {
          this.counters.joinMisses += 1;
          this.#tables.joinMissed?.(node.table, key);
          if (node.inner) return;
        }
        this.#forward(node.children, { ...record, value: node.joiner(record.value, tableValue) });
        return;
      }
      case 'process': {
        const store = this.#store(node.store);
        const storeKey = JSON.stringify(record.key);
        const state = store.has(storeKey) ? store.get(storeKey) : node.spec.init(record.key);
        const next = node.spec.process(state, record, (value, options) => {
          this.#forward(node.children, {
            key: options?.key === undefined ? record.key : options.key,
            value,
            timestampMs: options?.timestampMs ?? record.timestampMs,
          });
        });
        if (next === undefined) store.delete(storeKey);
        else store.put(storeKey, next);
        return;
      }
      case 'window': {
        const window = this.#windows.get(node.id);
        if (window === undefined) throw new StadionError('INTERNAL', `no window operator for ${node.id}`);
        const accepted = window.operator.add(record, window.emit);
        if (!accepted) {
          this.counters.late += 1;
          this.counters.emitted += 1;
          this.late.push({
            store: node.store,
            record,
            origin: this.#keptOrigin(),
            watermarkMs: this.#watermarkMs,
            sink: node.late,
          });
        }
        return;
      }
      case 'sink': {
        let list = this.outputs.get(node.sink.name);
        if (list === undefined) {
          list = [];
          this.outputs.set(node.sink.name, list);
        }
        list.push({ record, origin: this.#keptOrigin() });
        this.counters.emitted += 1;
        return;
      }
    }
  }

  #keptOrigin(): RecordOrigin | undefined {
    if (this.#origin === undefined) return undefined;
    this.#originCopy ??= { ...this.#origin };
    return this.#originCopy;
  }

  #closeDue(): void {
    for (const { operator, emit } of this.#windows.values()) operator.closeUpTo(this.#watermarkMs, emit);
    if (this.#watermarkListeners && this.#watermarkMs > this.#notifiedWatermarkMs) {
      this.#notifiedWatermarkMs = this.#watermarkMs;
      this.#processorWatermarks(this.source.children);
    }
  }

  #processorWatermarks(nodes: readonly GraphNode[]): void {
    for (const node of nodes) {
      if (node.kind === 'process' && node.spec.onWatermark !== undefined) {
        const store = this.#store(node.store);
        const onWatermark = node.spec.onWatermark.bind(node.spec);
        for (const [storeKey, state] of [...store.entries()]) {
          const key = JSON.parse(storeKey) as string | null;
          const next = onWatermark(state, key, this.#watermarkMs, (value, options) => {
            this.#forward(node.children, {
              key: options?.key === undefined ? key : options.key,
              value,
              timestampMs: options?.timestampMs ?? this.#watermarkMs,
            });
          });
          if (next === undefined) store.delete(storeKey);
          else if (next !== state) store.put(storeKey, next);
        }
      }
      if (node.kind === 'branch') for (const outlet of node.outlets) this.#processorWatermarks(outlet);
      this.#processorWatermarks(node.children);
    }
  }

  #store(name: string): KeyedStore {
    const store = this.stores.get(name);
    if (store === undefined) throw new StadionError('INTERNAL', `no store ${name}`);
    return store;
  }
}
