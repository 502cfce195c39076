/**
 * The topology graph: what the DSL builds and the runtime executes. Untyped inside (values are
 * `unknown`); the DSL in builder.ts is what keeps user code typed.
 */
import type { Aggregator } from '../aggregate/aggregator.ts';
import type { FixedWindows, SessionWindowsSpec } from '../windows/index.ts';
import type { BulkLoadSpec } from './bulk.ts';
import type { ValueCodec } from './codecs.ts';
import type { StreamRecord } from './record.ts';
import type { SinkSpec } from './sinks.ts';

export type Emit = (value: unknown, options?: { key?: string | null; timestampMs?: number }) => void;

/** A keyed-state processor: a pure function of (state, record) that emits records. */
export interface ProcessorSpec<S, V, W> {
  /** State for a key seen for the first time. */
  init(key: string | null): S;
  /** Returns the key's new state, or undefined to delete it. */
  process(
    state: S,
    record: StreamRecord<V>,
    emit: (value: W, options?: { key?: string | null; timestampMs?: number }) => void,
  ): S | undefined;
  /** Called for every key with state when the watermark advances; returns the new state or undefined to delete it. */
  onWatermark?(
    state: S,
    key: string | null,
    watermarkMs: number,
    emit: (value: W, options?: { key?: string | null; timestampMs?: number }) => void,
  ): S | undefined;
}

export type GraphNode =
  | { kind: 'map'; id: string; fn: (record: StreamRecord<unknown>) => unknown; children: GraphNode[] }
  | {
      kind: 'selectKey';
      id: string;
      fn: (record: StreamRecord<unknown>) => string | null;
      children: GraphNode[];
    }
  | { kind: 'filter'; id: string; fn: (record: StreamRecord<unknown>) => boolean; children: GraphNode[] }
  | {
      kind: 'flatMap';
      id: string;
      fn: (record: StreamRecord<unknown>) => Iterable<unknown>;
      children: GraphNode[];
    }
  | {
      kind: 'branch';
      id: string;
      predicates: ReadonlyArray<(record: StreamRecord<unknown>) => boolean>;
      /** One child list per predicate, then one for records no predicate took. */
      outlets: GraphNode[][];
      children: GraphNode[];
    }
  | {
      kind: 'join';
      id: string;
      table: string;
      keyOf: (record: StreamRecord<unknown>) => string | null;
      joiner: (value: unknown, tableValue: unknown) => unknown;
      inner: boolean;
      children: GraphNode[];
    }
  | {
      kind: 'process';
      id: string;
      store: string;
      spec: ProcessorSpec<unknown, unknown, unknown>;
      children: GraphNode[];
    }
  | {
      kind: 'window';
      id: string;
      store: string;
      windows: FixedWindows | SessionWindowsSpec;
      aggregator: Aggregator<unknown, unknown, unknown>;
      emit: 'final' | 'updates';
      late: SinkSpec<unknown> | undefined;
      children: GraphNode[];
    }
  | { kind: 'sink'; id: string; sink: SinkSpec<unknown>; children: GraphNode[] };

export interface SourceNode {
  readonly name: string;
  readonly topic: string;
  readonly codec: ValueCodec<unknown>;
  readonly timestampOf: (value: unknown, kafkaTimestampMs: number) => number;
  readonly maxOutOfOrdernessMs: number;
  readonly idleTimeoutMs: number;
  readonly children: GraphNode[];
  /** Set for a bulk load: the records also go, as sent, to a ClickHouse table. */
  readonly bulk?: BulkLoadSpec;
  /** Set by `bulkLoad`: records are only loaded in bulk, never decoded here; there are no children. */
  readonly bulkOnly?: boolean;
  /** Set when the watermark comes from the topology that writes the topic: see UpstreamWatermark. */
  readonly watermarkFrom?: UpstreamWatermark;
}

/**
 * The watermark of a stream read from a topic another topology writes (its sink acknowledged before
 * that topology commits its input offsets), such as alerts gathered from every partition of the
 * upstream input: the minimum, over the upstream group's partitions of `topic`, of the watermark
 * committed with the offsets, less `holdBackMs`. It moves only once this partition has consumed
 * everything the topic held when those commits were read, so no record below it can still come
 * (except repeats of records already here, from an upstream replay). The records' own times do not
 * move it.
 */
export interface UpstreamWatermark {
  /** The upstream topology, by name; its consumer group is resolved by the runner (RunnerOptions). */
  readonly topology: string;
  /** The upstream topology's input topic whose commits carry the watermarks. */
  readonly topic: string;
  /**
   * How far below its committed watermark the upstream may still emit records (for window results:
   * the window grace; records are stamped with their window end).
   */
  readonly holdBackMs: number;
}

export interface TableNode {
  readonly name: string;
  readonly topic: string;
  readonly codec: ValueCodec<unknown>;
}

export interface TopologyGraph {
  readonly name: string;
  readonly sources: readonly SourceNode[];
  readonly tables: readonly TableNode[];
  /** Every sink reached from any source, by name. */
  readonly sinks: ReadonlyMap<string, SinkSpec<unknown>>;
  /** Every keyed store, by name. */
  readonly stores: readonly string[];
}
