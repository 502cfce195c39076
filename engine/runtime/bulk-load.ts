/**
 * Writing a flush of a bulk load (engine/topology/bulk.ts): the buffered message bodies, grouped by
 * writer schema, go to ClickHouse as Avro object containers in one `INSERT ... SELECT ... FROM
 * input(...)` per schema. When ClickHouse refuses a batch for its data, every record is decoded and
 * validated here: the ones at fault are handed back to be dead-lettered and the rest is inserted
 * under the same token (the refused insert wrote nothing: one statement is one block). A refusal
 * with no record at fault is a mistake in the table or the SELECT and fails the flush.
 */
import type { KafkaMessage } from 'kafkajs';
import type { DeadLetterCode, DecodeResult } from '../serde/dead-letter.ts';
import type { WriterOf } from '../serde/decoders.ts';
import { avroContainer } from '../serde/avro-container.ts';
import { isTransientClickHouseError, type ClickHouseWriter } from '../sinks/clickhouse-writer.ts';
import { BULK_INPUT_PLACEHOLDER, type BulkLoadSpec } from '../topology/bulk.ts';

/** One buffered record of a bulk load: its writer schema and the message it came in. */
export interface BulkEntry {
  readonly writer: WriterOf;
  readonly message: KafkaMessage;
  readonly offset: number;
}

export interface BulkWriteOptions {
  readonly spec: BulkLoadSpec;
  readonly entries: readonly BulkEntry[];
  /** The deduplication token of one insert, given a suffix that tells the schemas apart. */
  readonly tokenOf: (suffix: string) => string;
  readonly writer: ClickHouseWriter;
  readonly io: { signal?: AbortSignal; between?: () => Promise<void>; onRetry?: () => void };
  /** Full decode and validation of one record, for finding the records at fault. */
  readonly decode: (bytes: Buffer | null) => Promise<DecodeResult<unknown>>;
  /** A record the codec refused: dead-letter (or skip, or fail) it. */
  readonly onRefused: (entry: BulkEntry, code: DeadLetterCode, reason: string) => void;
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

/** Writes the entries; returns the number of records inserted. */
export async function writeBulk(options: BulkWriteOptions): Promise<number> {
  const { spec, entries } = options;
  const bySchema = new Map<number, BulkEntry[]>();
  for (const entry of entries) {
    const group = bySchema.get(entry.writer.id);
    if (group === undefined) bySchema.set(entry.writer.id, [entry]);
    else group.push(entry);
  }
  const query = bulkInsertStatement(spec);
  let inserted = 0;
  for (const [schemaId, group] of bySchema) {
    const insert = async (list: readonly BulkEntry[]): Promise<void> => {
      const body = avroContainer(
        group[0]?.writer.schemaText ?? '',
        list.map((e) => (e.message.value ?? Buffer.alloc(5)).subarray(5)),
      );
      await options.writer.insertStatement(
        { query, body, deduplicationToken: options.tokenOf(`schema-${schemaId}`), table: spec.table },
        options.io,
      );
    };
    try {
      await insert(group);
      inserted += group.length;
    } catch (error) {
      if (isTransientClickHouseError(error)) throw error; // aborted while retrying
      const accepted: BulkEntry[] = [];
      for (const entry of group) {
        const decoded = await options.decode(entry.message.value);
        if (decoded.ok) accepted.push(entry);
        else options.onRefused(entry, decoded.code, decoded.message);
      }
      if (accepted.length === group.length) throw error; // no record at fault: the table or SELECT is
      if (accepted.length > 0) await insert(accepted);
      inserted += accepted.length;
    }
  }
  return inserted;
}
