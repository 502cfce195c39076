/**
 * Runs any topology with no broker, no registry and no ClickHouse: pipe records with keys and event
 * times into named inputs, move event time and wall-clock time by hand, and read what each sink got.
 *
 *   const driver = new TestDriver(topology);
 *   driver.pipe('samples', sample, { key: 'feed-1' });
 *   driver.advanceWallClock(60_000);
 *   expect(driver.output('feed_windows')).toEqual([...]);
 *
 * It runs the same Task code as the Kafka runner, so what passes here is what runs in production;
 * `restart()` rebuilds every task from the changelog entries committed so far, as a crash would.
 */
import avsc from 'avsc';
import { StadionError } from '../errors.ts';
import { Task, type LateRecord, type SinkOutput } from '../runtime/task.ts';
import { idleAdvances } from '../runtime/idle.ts';
import { createDecoder, type Decoder } from '../serde/decoders.ts';
import type { BadRecordPolicy, DeadLetterCode } from '../serde/dead-letter.ts';
import { encodeConfluent } from '../serde/wire-format.ts';
import type { ChangelogEntry } from '../state/keyed-store.ts';
import type { AvroSchemaDefinition } from '../topology/codecs.ts';
import type { SourceNode, TopologyGraph } from '../topology/graph.ts';
import type { StreamRecord } from '../topology/record.ts';
import type { ClickHouseRow } from '../topology/sinks.ts';

export interface TestDriverOptions {
  /** Partitions per stream input. @default 1 for every input */
  partitions?: Readonly<Record<string, number>>;
  /** The wall clock at start, ms. @default 0 */
  wallClockMs?: number;
  /** @default 'dead-letter' */
  badRecordPolicy?: BadRecordPolicy;
}

export interface PipeOptions {
  key?: string | null;
  /** The Kafka message timestamp; the source's extractor may use it. @default the driver's wall clock */
  kafkaTimestampMs?: number;
  /** @default a hash of the key modulo the partitions */
  partition?: number;
}

export interface DeadLetter {
  readonly input: string;
  readonly partition: number;
  readonly offset: number;
  readonly code: DeadLetterCode;
  readonly message: string;
}

export class TestDriver {
  readonly #graph: TopologyGraph;
  readonly #options: TestDriverOptions;
  readonly #tasks = new Map<string, Task>();
  readonly #tables = new Map<string, Map<string, unknown>>();
  readonly #offsets = new Map<string, number>();
  readonly #lastActivityMs = new Map<string, number>();
  readonly #outputs = new Map<string, SinkOutput[]>();
  readonly #late: LateRecord[] = [];
  readonly #deadLetters: DeadLetter[] = [];
  readonly #changelog = new Map<string, ChangelogEntry[]>();
  readonly #schemas = new Map<number, string>();
  readonly #decoders = new Map<string, Decoder>();
  #wallClockMs: number;

  constructor(graph: TopologyGraph, options: TestDriverOptions = {}) {
    this.#graph = graph;
    this.#options = options;
    this.#wallClockMs = options.wallClockMs ?? 0;
    for (const table of graph.tables) this.#tables.set(table.name, new Map());
    this.#createTasks();
  }

  /** Pipes a value into a stream or a table input. For tables, a null value deletes the key. */
  pipe(input: string, value: unknown, options: PipeOptions = {}): void {
    const table = this.#tables.get(input);
    if (table !== undefined) {
      const key = options.key ?? null;
      if (key === null) throw new StadionError('USAGE', `table input ${input} needs a key`);
      if (value === null) table.delete(key);
      else table.set(key, value);
      return;
    }
    const source = this.#source(input);
    const partition = this.#partitionFor(source, options);
    const task = this.#task(source, partition);
    const offset = this.#nextOffset(task.id);
    this.#lastActivityMs.set(task.id, this.#wallClockMs);
    const kafkaTimestampMs = options.kafkaTimestampMs ?? this.#wallClockMs;
    const record: StreamRecord<unknown> = {
      key: options.key ?? null,
      value,
      timestampMs: source.timestampOf(value, kafkaTimestampMs),
    };
    this.#run(
      task,
      () => {
        task.process(record, { topic: source.topic, partition, offset });
      },
      input,
      partition,
      offset,
    );
    this.#collect(task);
  }

  /** Pipes raw bytes, decoded as the runner would (Confluent Avro with schemas from `registerSchema`, or JSON). */
  async pipeBytes(input: string, bytes: Buffer | null, options: PipeOptions = {}): Promise<void> {
    const source = this.#source(input);
    let decoder = this.#decoders.get(input);
    if (decoder === undefined) {
      decoder = createDecoder(source.codec, { schemaById: (id) => Promise.resolve(this.#schemas.get(id)) });
      this.#decoders.set(input, decoder);
    }
    const result = await decoder.decode(bytes);
    if (result.ok) {
      this.pipe(input, result.value, options);
      return;
    }
    const partition = this.#partitionFor(source, options);
    const task = this.#task(source, partition);
    this.#badRecord({
      input,
      partition,
      offset: this.#nextOffset(task.id),
      code: result.code,
      message: result.message,
    });
  }

  /** Registers a writer schema (as the registry would) and returns its id. */
  registerSchema(schema: AvroSchemaDefinition): number {
    const text = JSON.stringify(schema);
    for (const [id, known] of this.#schemas) if (known === text) return id;
    const id = this.#schemas.size + 1;
    this.#schemas.set(id, text);
    return id;
  }

  /** Encodes a value in the Confluent wire format with a registered schema. */
  avroBytes(schemaId: number, value: unknown): Buffer {
    const text = this.#schemas.get(schemaId);
    if (text === undefined) throw new StadionError('USAGE', `schema id ${schemaId} was not registered`);
    return encodeConfluent(schemaId, avsc.Type.forSchema(JSON.parse(text) as avsc.Schema), value);
  }

  /** Moves the wall clock: partitions idle for longer than their source's idle timeout stop holding the watermark. */
  advanceWallClock(ms: number): void {
    this.#wallClockMs += ms;
    for (const { task, watermarkMs } of idleAdvances(
      [...this.#tasks.values()],
      this.#lastActivityMs,
      this.#wallClockMs,
    )) {
      task.advanceWatermark(watermarkMs);
      this.#collect(task);
    }
  }

  /** Moves one partition's watermark forward by hand (as if later records had arrived). */
  advanceWatermark(input: string, watermarkMs: number, partition = 0): void {
    const task = this.#task(this.#source(input), partition);
    task.advanceWatermark(watermarkMs);
    this.#collect(task);
  }

  watermarkMs(input: string, partition = 0): number {
    return this.#task(this.#source(input), partition).watermarkMs;
  }

  /** Records a sink received, in order. */
  output<V = unknown>(sink: string): Array<StreamRecord<V>> {
    this.#sink(sink);
    return (this.#outputs.get(sink) ?? []).map((o) => o.record as StreamRecord<V>);
  }

  /** The rows a ClickHouse sink would insert. */
  rows(sink: string): ClickHouseRow[] {
    const spec = this.#sink(sink);
    if (spec.kind !== 'clickhouse') throw new StadionError('USAGE', `sink ${sink} is not a ClickHouse sink`);
    return (this.#outputs.get(sink) ?? []).map((o) => spec.toRow(o.record.value, o.record));
  }

  lateRecords(): readonly LateRecord[] {
    return this.#late;
  }

  deadLetters(): readonly DeadLetter[] {
    return this.#deadLetters;
  }

  /** Entries per store (in order) as they went to the changelogs so far; `commit()` adds to them. */
  changelog(store: string): readonly ChangelogEntry[] {
    return this.#changelog.get(store) ?? [];
  }

  /** Flushes every store's changes to the (in-memory) changelogs, as the runner does before committing offsets. */
  commit(): void {
    for (const task of this.#tasks.values()) {
      for (const [name, store] of task.stores) {
        const entries = store.drainChanges().map((e) => ({ key: `${task.id}/${e.key}`, value: e.value }));
        const log = this.#changelog.get(name) ?? [];
        log.push(...entries.map((e) => JSON.parse(JSON.stringify(e)) as ChangelogEntry));
        this.#changelog.set(name, log);
      }
    }
  }

  /** Commits, then throws every task away and restores new ones from the changelogs, as after a crash. */
  restart(): void {
    this.commit();
    const watermarks = new Map([...this.#tasks].map(([id, task]) => [id, task.watermarkMs]));
    this.#tasks.clear();
    this.#createTasks();
    for (const task of this.#tasks.values()) {
      for (const [name, store] of task.stores) {
        const prefix = `${task.id}/`;
        for (const entry of this.#changelog.get(name) ?? []) {
          if (entry.key.startsWith(prefix))
            store.restore({ key: entry.key.slice(prefix.length), value: entry.value });
        }
      }
      task.restored();
      const watermark = watermarks.get(task.id);
      if (watermark !== undefined && Number.isFinite(watermark)) task.restoreWatermark(watermark);
    }
  }

  #createTasks(): void {
    for (const source of this.#graph.sources) {
      const partitions = this.#options.partitions?.[source.name] ?? 1;
      for (let partition = 0; partition < partitions; partition += 1) {
        const task = new Task(source, partition, {
          get: (table, key) => this.#tables.get(table)?.get(key),
        });
        this.#tasks.set(task.id, task);
      }
    }
  }

  #run(task: Task, work: () => void, input: string, partition: number, offset: number): void {
    try {
      work();
    } catch (error) {
      this.#collect(task);
      this.#badRecord({
        input,
        partition,
        offset,
        code: 'PROCESSING_FAILED',
        message: (error as Error).message,
      });
    }
  }

  #badRecord(letter: DeadLetter): void {
    const policy = this.#options.badRecordPolicy ?? 'dead-letter';
    if (policy === 'fail')
      throw new StadionError(
        'INTERNAL',
        `${letter.code} at ${letter.input}[${letter.partition}]@${letter.offset}: ${letter.message}`,
      );
    if (policy === 'dead-letter') this.#deadLetters.push(letter);
  }

  #collect(task: Task): void {
    for (const [sink, outputs] of task.drainOutputs()) {
      const list = this.#outputs.get(sink) ?? [];
      list.push(...outputs);
      this.#outputs.set(sink, list);
    }
    for (const late of task.late.splice(0)) {
      this.#late.push(late);
      if (late.sink !== undefined) {
        const list = this.#outputs.get(late.sink.name) ?? [];
        list.push({ record: late.record, origin: late.origin });
        this.#outputs.set(late.sink.name, list);
      }
    }
  }

  #source(input: string): SourceNode {
    const source = this.#graph.sources.find((s) => s.name === input);
    if (source === undefined) {
      const known = [...this.#graph.sources.map((s) => s.name), ...this.#graph.tables.map((t) => t.name)];
      throw new StadionError(
        'USAGE',
        `no input "${input}" in ${this.#graph.name} (inputs: ${known.join(', ')})`,
      );
    }
    return source;
  }

  #sink(name: string): NonNullable<ReturnType<TopologyGraph['sinks']['get']>> {
    const sink = this.#graph.sinks.get(name);
    if (sink === undefined) {
      throw new StadionError(
        'USAGE',
        `no sink "${name}" in ${this.#graph.name} (sinks: ${[...this.#graph.sinks.keys()].join(', ')})`,
      );
    }
    return sink;
  }

  #task(source: SourceNode, partition: number): Task {
    const task = this.#tasks.get(`${source.topic}-${partition}`);
    if (task === undefined) throw new StadionError('USAGE', `${source.name} has no partition ${partition}`);
    return task;
  }

  #partitionFor(source: SourceNode, options: PipeOptions): number {
    const partitions = this.#options.partitions?.[source.name] ?? 1;
    if (options.partition !== undefined) return options.partition;
    const key = options.key ?? '';
    let hash = 0;
    for (let i = 0; i < key.length; i += 1) hash = (hash * 31 + key.charCodeAt(i)) | 0;
    return Math.abs(hash) % partitions;
  }

  #nextOffset(taskId: string): number {
    const offset = this.#offsets.get(taskId) ?? 0;
    this.#offsets.set(taskId, offset + 1);
    return offset;
  }
}
