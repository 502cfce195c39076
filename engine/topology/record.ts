/** What flows between the operators of a topology. */

/** One keyed record with its event time. Keys are strings (Kafka message keys as UTF-8), or null. */
export interface StreamRecord<V> {
  readonly key: string | null;
  readonly value: V;
  /** Event time, ms since the Unix epoch (from the source's timestamp extractor). */
  readonly timestampMs: number;
}

/** Where a record came from; carried for dead letters, late records and deduplication tokens. */
export interface RecordOrigin {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Wall-clock time the engine received the input record (for the processing latency metric). */
  readonly receivedAtMs?: number;
}

/** A value that failed validation: the reason goes to the dead-letter record. */
export type Validation = { ok: true } | { ok: false; reason: string };
