/**
 * Byte runs appended end to end in one growing buffer (a ByteWriter), with where each run ends: for
 * what a flush keeps for seconds (bulk-load records, changelog values). Objects kept that long survive
 * the young generation and are copied twice by the garbage collector on the way to the old one; bytes
 * in one buffer are not.
 */
import { ByteWriter } from '../sinks/row-binary.ts';

export class ByteLog {
  readonly #out = new ByteWriter();
  /** End of each appended run. */
  readonly ends: number[] = [];

  get count(): number {
    return this.ends.length;
  }

  /** Bytes appended so far. */
  get size(): number {
    return this.#out.length;
  }

  /** Appends `bytes` from `from` on (without a view: no object per append). */
  append(bytes: Buffer, from = 0): void {
    this.#out.raw(bytes, from);
    this.ends.push(this.#out.length);
  }

  /** Appends a string's UTF-8 bytes. */
  appendString(text: string): void {
    this.#out.utf8(text);
    this.ends.push(this.#out.length);
  }

  /** All runs, end to end (a view). */
  get bytes(): Buffer {
    return this.#out.view(0, this.#out.length);
  }

  /** The i-th run (a view). */
  at(i: number): Buffer {
    return this.#out.view(this.ends[i - 1] ?? 0, this.ends[i] ?? 0);
  }
}
