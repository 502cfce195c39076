/**
 * Writing a flush of a bulk load (engine/topology/bulk.ts): the buffered message bodies, grouped by
 * writer schema, go to ClickHouse as Avro object containers in one `INSERT ... SELECT ... FROM
 * input(...)` per schema. When ClickHouse refuses a batch for its data, every record is decoded and
 * validated here: the ones at fault are handed back to be dead-lettered and the rest is inserted
 * under the same token (the refused insert wrote nothing: one statement is one block). A refusal
 * with no record at fault is a mistake in the table or the SELECT and fails the flush.
 */
import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { DeadLetterCode, DecodeResult } from '../serde/dead-letter.ts';
import type { WriterOf } from '../serde/decoders.ts';
import { avroContainerOf } from '../serde/avro-container.ts';
import { confluentFrame } from '../serde/wire-format.ts';
import { ByteLog } from './byte-log.ts';
import { isTransientClickHouseError, type ClickHouseWriter } from '../sinks/clickhouse-writer.ts';
import { BULK_INPUT_PLACEHOLDER, type BulkLoadSpec } from '../topology/bulk.ts';

/** A buffered record as a dead letter needs it (rebuilt from the buffer; refusals are rare). */
export interface BulkRecord {
  readonly offset: number;
  readonly key: Buffer | null;
  /** The message value as it came: Confluent header and datum. */
  readonly value: Buffer;
  readonly headers: IHeaders;
  readonly timestamp: string;
}

/** The buffered records of one writer schema. */
export class BulkGroup {
  readonly writer: WriterOf;
  /** The datums (message values without their 5-byte Confluent header), end to end. */
  readonly datums = new ByteLog();
  readonly #keys = new ByteLog();
  readonly #offsets: number[] = [];
  readonly #timestamps: number[] = [];
  /** Records with a null key or with headers, by index (rare, so kept aside). */
  readonly #nullKeys = new Set<number>();
  readonly #headers = new Map<number, IHeaders>();

  constructor(writer: WriterOf) {
    this.writer = writer;
  }

  get size(): number {
    return this.#offsets.length;
  }

  add(message: KafkaMessage, offset: number): void {
    const i = this.#offsets.length;
    this.datums.append(message.value ?? EMPTY_VALUE, 5);
    if (message.key === null) this.#nullKeys.add(i);
    this.#keys.append(message.key ?? EMPTY_VALUE);
    const { headers } = message;
    if (headers !== undefined)
      for (const _ in headers) {
        this.#headers.set(i, headers);
        break;
      }
    this.#offsets.push(offset);
    this.#timestamps.push(Number(message.timestamp));
  }

  record(i: number): BulkRecord {
    return {
      offset: this.#offsets[i] as number,
      key: this.#nullKeys.has(i) ? null : Buffer.from(this.#keys.at(i)),
      value: confluentFrame(this.writer.id, this.datums.at(i)),
      headers: this.#headers.get(i) ?? {},
      timestamp: String(this.#timestamps[i]),
    };
  }
}

const EMPTY_VALUE = Buffer.alloc(0);

/**
 * The records of a bulk load buffered until a flush, by writer schema. Their bytes are copied into a
 * few large buffers instead of keeping each message: a flush holds seconds of records, and every
 * object kept that long survives the young generation and is copied twice by the garbage collector on
 * its way to the old one.
 */
export class BulkBuffer {
  #groups = new Map<number, BulkGroup>();

  get size(): number {
    let size = 0;
    for (const group of this.#groups.values()) size += group.size;
    return size;
  }

  add(writer: WriterOf, message: KafkaMessage, offset: number): void {
    let group = this.#groups.get(writer.id);
    if (group === undefined) {
      group = new BulkGroup(writer);
      this.#groups.set(writer.id, group);
    }
    group.add(message, offset);
  }

  /** Everything buffered, by writer schema; the buffer starts empty again. */
  take(): readonly BulkGroup[] {
    const groups = [...this.#groups.values()];
    this.#groups = new Map();
    return groups;
  }
}

export interface BulkWriteOptions {
  readonly spec: BulkLoadSpec;
  readonly groups: readonly BulkGroup[];
  /** The deduplication token of one insert, given a suffix that tells the schemas apart. */
  readonly tokenOf: (suffix: string) => string;
  readonly writer: ClickHouseWriter;
  readonly io: { signal?: AbortSignal; between?: () => Promise<void>; onRetry?: () => void };
  /** Full decode and validation of one record, for finding the records at fault. */
  readonly decode: (bytes: Buffer | null) => Promise<DecodeResult<unknown>>;
  /** A record the codec refused: dead-letter (or skip, or fail) it. */
  readonly onRefused: (record: BulkRecord, code: DeadLetterCode, reason: string) => void;
}

/** A ClickHouse string literal. */
function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The statement of a bulk insert, ending in `FORMAT Avro`. */
export function bulkInsertStatement(spec: BulkLoadSpec): string {
  const input = `input(${sqlString(spec.structure)})`;
  return `INSERT INTO ${spec.table} ${spec.select.split(BULK_INPUT_PLACEHOLDER).join(input)} FORMAT Avro`;
}

/** Writes the buffered records; returns the number of records inserted. */
export async function writeBulk(options: BulkWriteOptions): Promise<number> {
  const { spec } = options;
  const query = bulkInsertStatement(spec);
  let inserted = 0;
  for (const group of options.groups) {
    const insert = async (count: number, body: Buffer): Promise<void> => {
      await options.writer.insertStatement(
        {
          query,
          body: avroContainerOf(group.writer.schemaText, count, body),
          deduplicationToken: options.tokenOf(`schema-${group.writer.id}`),
          table: spec.table,
        },
        options.io,
      );
    };
    try {
      await insert(group.size, group.datums.bytes);
      inserted += group.size;
    } catch (error) {
      if (isTransientClickHouseError(error)) throw error; // aborted while retrying
      const accepted: Buffer[] = [];
      for (let i = 0; i < group.size; i += 1) {
        const record = group.record(i);
        const decoded = await options.decode(record.value);
        if (decoded.ok) accepted.push(group.datums.at(i));
        else options.onRefused(record, decoded.code, decoded.message);
      }
      if (accepted.length === group.size) throw error; // no record at fault: the table or SELECT is
      if (accepted.length > 0) await insert(accepted.length, Buffer.concat(accepted));
      inserted += accepted.length;
    }
  }
  return inserted;
}
