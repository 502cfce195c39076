/**
 * A keyed state store scoped to one task (one input partition). Values are plain JSON data. Writes are
 * tracked so the runtime can send exactly the changed keys to the store's changelog at the next
 * flush, before the input offsets are committed; a changelog replayed into `restore` rebuilds it.
 */
export interface ChangelogEntry {
  readonly key: string;
  /** The new value, or null for a deletion (a tombstone in the compacted changelog). */
  readonly value: unknown;
}

export class KeyedStore {
  readonly name: string;
  readonly #values = new Map<string, unknown>();
  /** Keys changed since the last drain, each with whether it held a value then (so was in the changelog). */
  readonly #dirty = new Map<string, boolean>();

  constructor(name: string) {
    this.name = name;
  }

  get size(): number {
    return this.#values.size;
  }

  get(key: string): unknown {
    return this.#values.get(key);
  }

  has(key: string): boolean {
    return this.#values.has(key);
  }

  put(key: string, value: unknown): void {
    if (!this.#dirty.has(key)) this.#dirty.set(key, this.#values.has(key));
    this.#values.set(key, value);
  }

  /**
   * Marks a key's value as changed where it was changed in place (the same object, mutated): it goes
   * to the changelog at the next drain. The key must hold a value.
   */
  touch(key: string): void {
    if (!this.#dirty.has(key)) this.#dirty.set(key, true);
  }

  delete(key: string): void {
    if (!this.#values.has(key)) return;
    if (!this.#dirty.has(key)) this.#dirty.set(key, true);
    this.#values.delete(key);
  }

  /**
   * Removes a key without a tombstone: for state whose end the committed watermark implies (a closed
   * window), which a restore drops by that watermark. Its changelog entries stay until the topic's
   * retention removes them.
   */
  expire(key: string): void {
    this.#values.delete(key);
    this.#dirty.delete(key);
  }

  entries(): IterableIterator<[string, unknown]> {
    return this.#values.entries();
  }

  /**
   * The changes since the last call, one entry per changed key with its latest value. A key created
   * and deleted again in between (a window opened and closed within one flush, common when catching
   * up) was never in the changelog and needs no tombstone: it is left out.
   */
  drainChanges(): ChangelogEntry[] {
    const changes: ChangelogEntry[] = [];
    for (const [key, logged] of this.#dirty) {
      if (this.#values.has(key)) changes.push({ key, value: this.#values.get(key) });
      else if (logged) changes.push({ key, value: null });
    }
    this.#dirty.clear();
    return changes;
  }

  /** Applies a changelog entry without marking it dirty. */
  restore(entry: ChangelogEntry): void {
    if (entry.value === null) this.#values.delete(entry.key);
    else this.#values.set(entry.key, entry.value);
  }
}
