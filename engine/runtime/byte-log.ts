/**
 * Byte runs appended end to end in one buffer that doubles when full: for what a flush keeps for
 * seconds (bulk-load records, changelog values). Objects kept that long survive the young generation
 * and are copied twice by the garbage collector on the way to the old one; bytes in one buffer are not.
 */
export class ByteLog {
  #bytes = Buffer.allocUnsafe(0);
  #used = 0;
  /** End of each appended run. */
  readonly ends: number[] = [];

  get count(): number {
    return this.ends.length;
  }

  /** Bytes appended so far. */
  get size(): number {
    return this.#used;
  }

  #ensure(bytes: number): void {
    if (this.#used + bytes <= this.#bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#used + bytes, 2 * this.#bytes.length, 64 * 1024));
    this.#bytes.copy(grown, 0, 0, this.#used);
    this.#bytes = grown;
  }

  /** Appends `bytes` from `from` on (without a view: no object per append). */
  append(bytes: Buffer, from = 0): void {
    const length = Math.max(0, bytes.length - from);
    this.#ensure(length);
    if (length > 0) bytes.copy(this.#bytes, this.#used, from);
    this.#used += length;
    this.ends.push(this.#used);
  }

  /** Appends a string's UTF-8 bytes. */
  appendString(text: string): void {
    this.#ensure(3 * text.length); // UTF-8 needs at most 3 bytes per UTF-16 unit
    this.#used += this.#bytes.write(text, this.#used, 'utf8');
    this.ends.push(this.#used);
  }

  /** All runs, end to end. */
  get bytes(): Buffer {
    return this.#bytes.subarray(0, this.#used);
  }

  /** The i-th run (a view). */
  at(i: number): Buffer {
    return this.#bytes.subarray(i === 0 ? 0 : this.ends[i - 1], this.ends[i]);
  }
}
