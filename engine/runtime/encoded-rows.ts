/**
 * The rows of one ClickHouse sink for one partition's next flush, encoded in RowBinary as their outputs
 * come (after each batch) instead of kept as objects until the flush. A flush holds seconds of outputs:
 * every object kept that long survives the young generation and is copied twice by the garbage
 * collector on the way to the old one, and an output of a window carries its whole result. Bytes in one
 * buffer cost the collector nothing. What the write phase's metrics need per row is kept in numbers.
 */
import { ByteWriter, type RowBinaryEncoder } from '../sinks/row-binary.ts';
import type { ClickHouseRow } from '../topology/sinks.ts';

export class EncodedRows {
  readonly encoder: RowBinaryEncoder;
  readonly #out = new ByteWriter();
  /** Event time of each row's record. */
  readonly timestampsMs: number[] = [];
  /** When each row's input record was fetched; NaN when it had none (an advance by the clock). */
  readonly receivedAtMs: number[] = [];

  constructor(encoder: RowBinaryEncoder) {
    this.encoder = encoder;
  }

  get count(): number {
    return this.timestampsMs.length;
  }

  /** Appends a row; one that cannot be encoded throws (naming the column) and adds nothing. */
  add(row: ClickHouseRow, timestampMs: number, receivedAtMs: number | undefined): void {
    this.encoder.encodeRow(this.#out, row);
    this.timestampsMs.push(timestampMs);
    this.receivedAtMs.push(receivedAtMs ?? Number.NaN);
  }

  /** The encoded rows, end to end. */
  body(): Buffer {
    return this.#out.take();
  }
}
