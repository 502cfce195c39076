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
  readonly #dirty = new Set<string>();

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
    this.#values.set(key, value);
    this.#dirty.add(key);
  }

  delete(key: string): void {
    if (this.#values.delete(key)) this.#dirty.add(key);
  }

  entries(): IterableIterator<[string, unknown]> {
    return this.#values.entries();
  }

  /** The changes since the last call, one entry per changed key with its latest value. */
  drainChanges(): ChangelogEntry[] {
    const changes = [...this.#dirty].map((key) => ({
      key,
      value: this.#values.has(key) ? this.#values.get(key) : null,
    }));
    this.#dirty.clear();
    return changes;
  }

  /** Applies a changelog entry without marking it dirty. */
  restore(entry: ChangelogEntry): void {
    if (entry.value === null) this.#values.delete(entry.key);
    else this.#values.set(entry.key, entry.value);
  }
}
