/** Why a record could not be processed, and what the topology does about it. */

export const DEAD_LETTER_CODES = [
  /** Bytes that are not what the source's codec reads (no Confluent magic byte, truncated Avro, bad JSON). */
  'UNDECODABLE',
  /** A Confluent wire-format record whose schema id the registry does not know. */
  'UNKNOWN_SCHEMA_ID',
  /** The writer's schema cannot be read as the source's reader schema (Avro schema resolution failed). */
  'SCHEMA_MISMATCH',
  /** Decoded, but the source's validation function refused it. */
  'VALIDATION_FAILED',
  /** A user function of the topology threw while processing it. */
  'PROCESSING_FAILED',
] as const;

export type DeadLetterCode = (typeof DEAD_LETTER_CODES)[number];

/**
 * - dead-letter: send the record with its error to the dead-letter topic, count it, go on (default);
 * - skip: count it and go on;
 * - fail: stop the topology with the error (offsets stay uncommitted).
 */
export type BadRecordPolicy = 'dead-letter' | 'skip' | 'fail';

export const DEFAULT_BAD_RECORD_POLICY: BadRecordPolicy = 'dead-letter';

export type DecodeResult<V> = { ok: true; value: V } | { ok: false; code: DeadLetterCode; message: string };

/** Header names on dead-letter records. */
export const DEAD_LETTER_HEADERS = {
  code: 'stadion.error.code',
  message: 'stadion.error.message',
  topic: 'stadion.source.topic',
  partition: 'stadion.source.partition',
  offset: 'stadion.source.offset',
  timestamp: 'stadion.source.timestamp',
  topology: 'stadion.topology',
} as const;
