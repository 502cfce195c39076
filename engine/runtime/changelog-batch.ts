/**
 * One store's changelog records of one flush. Values are serialized when the flush takes them (the
 * state goes on changing after), then kept as bytes until the write phase sends them, after the sinks;
 * the messages are made as they are sent. Messages made at the flush lived through the sinks' inserts,
 * long enough to be promoted to the old generation, about 37,000 of them per flush of the telemetry
 * pipeline.
 */
import type { IHeaders } from 'kafkajs';
import type { OutgoingMessage } from '../sinks/kafka-writer.ts';
import type { ChangelogEntry } from '../state/keyed-store.ts';
import { ByteLog } from './byte-log.ts';

export class ChangelogBatch {
  readonly topic: string;
  readonly #keyPrefix: string;
  readonly #partition: number;
  /** Shared by the batch's messages (the producer only reads them). */
  readonly #headers: IHeaders;
  readonly #keys: string[] = [];
  readonly #values = new ByteLog();
  /** Indices of deletions. */
  readonly #tombstones = new Set<number>();

  /**
   * `keyPrefix` goes before each store key (the source topic and `|`); `endOffset` is the last input
   * offset the flush covers, in every record's `stadion.end-offset` header.
   */
  constructor(topic: string, keyPrefix: string, partition: number, endOffset: number) {
    this.topic = topic;
    this.#keyPrefix = keyPrefix;
    this.#partition = partition;
    this.#headers = { 'stadion.end-offset': String(endOffset) };
  }

  add(entry: ChangelogEntry): void {
    if (entry.value === null) {
      this.#tombstones.add(this.#keys.length);
      this.#values.append(EMPTY);
    } else this.#values.appendString(JSON.stringify(entry.value));
    this.#keys.push(entry.key);
  }

  get count(): number {
    return this.#keys.length;
  }

  /** Bytes of the values. */
  get bytes(): number {
    return this.#values.size;
  }

  /** The records, made one by one as the writer takes them. */
  *messages(): Generator<OutgoingMessage> {
    for (let i = 0; i < this.#keys.length; i += 1) {
      yield {
        key: this.#keyPrefix + (this.#keys[i] as string),
        value: this.#tombstones.has(i) ? null : this.#values.at(i),
        partition: this.#partition,
        headers: this.#headers,
      };
    }
  }
}

const EMPTY = Buffer.alloc(0);
