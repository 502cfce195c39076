/**
 * Producing telemetry: the feed catalogue (keyed by feed), and samples keyed by feedId/broadcasterId,
 * streamed interval by interval so a Games-scale run never holds more than a chunk in memory; in
 * `realtime`, each interval is sent when its event time (shifted to now) comes.
 */
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Producer } from 'kafkajs';
import {
  feedCatalogueEntrySchema,
  feedTelemetrySampleSchema,
  type FeedCatalogueEntry,
  type FeedTelemetrySample,
} from '../../schemas/generated.ts';
import { avroEncoder, produceRecords, type ProduceRate } from '../shared/produce.ts';
import { TELEMETRY_TOPICS } from './topology.ts';

/** Samples per send when producing as fast as possible. @default 2000 */
export const SAMPLE_CHUNK_RECORDS = 2_000;

/** Samples sent together in real time span at most this much event time, ms. @default 100 */
export const REALTIME_SLICE_MS = 100;

export const sampleKey = (s: FeedTelemetrySample): string => `${s.feedId}/${s.broadcasterId}`;

export async function produceCatalogue(
  producer: Producer,
  registry: SchemaRegistry,
  feeds: readonly FeedCatalogueEntry[],
): Promise<void> {
  await produceRecords(producer, registry, feeds, {
    topic: TELEMETRY_TOPICS.feeds,
    schema: feedCatalogueEntrySchema,
    keyOf: (f) => f.feedId,
  });
}

export interface ProduceSamplesOptions {
  /** @default 'max' */
  readonly rate?: ProduceRate;
  /**
   * Added to every event time, in ms; `'now'` moves the first sample's event time to the moment
   * producing starts (with `realtime`, event times then track the wall clock). @default 0
   */
  readonly shiftMs?: number | 'now';
  /** Called after each send with the samples sent so far. @default none */
  readonly onProgress?: (sent: number) => void;
}

/** Sends the samples of each interval in order; returns how many were sent and the shift applied. */
export async function produceSamples(
  producer: Producer,
  registry: SchemaRegistry,
  intervals: Iterable<readonly FeedTelemetrySample[]>,
  options: ProduceSamplesOptions = {},
): Promise<{ sent: number; shiftMs: number }> {
  const encode = await avroEncoder(registry, TELEMETRY_TOPICS.samples, feedTelemetrySampleSchema);
  const rate = options.rate ?? 'max';
  let shiftMs = options.shiftMs === 'now' ? undefined : (options.shiftMs ?? 0);
  let pending: FeedTelemetrySample[] = [];
  let sent = 0;
  let startWallMs: number | undefined;
  let firstEventMs: number | undefined;
  // One send at a time: concurrent sends to one partition can reach the broker out of order.
  const send = async (batch: readonly FeedTelemetrySample[]): Promise<void> => {
    await producer.send({
      topic: TELEMETRY_TOPICS.samples,
      acks: -1,
      messages: batch.map((s) => {
        const value = shiftMs === 0 ? s : { ...s, eventTimeMs: s.eventTimeMs + (shiftMs ?? 0) };
        return { key: sampleKey(s), value: encode(value), timestamp: String(value.eventTimeMs) };
      }),
    });
    sent += batch.length;
    options.onProgress?.(sent);
  };
  for (const interval of intervals) {
    if (interval.length === 0) continue;
    startWallMs ??= Date.now();
    firstEventMs ??= interval.reduce(
      (earliest, s) => Math.min(earliest, s.eventTimeMs),
      Number.POSITIVE_INFINITY,
    );
    shiftMs ??= startWallMs - firstEventMs;
    if (rate === 'realtime') {
      // Paced sample by sample (in slices of REALTIME_SLICE_MS): each is sent once its event time came.
      for (let i = 0; i < interval.length;) {
        const sliceStartMs = interval[i]?.eventTimeMs ?? 0;
        let end = i;
        let sliceLastMs = sliceStartMs;
        while (end < interval.length && end - i < SAMPLE_CHUNK_RECORDS) {
          const eventMs = interval[end]?.eventTimeMs ?? 0;
          if (eventMs > sliceStartMs + REALTIME_SLICE_MS) break;
          sliceLastMs = Math.max(sliceLastMs, eventMs);
          end += 1;
        }
        const waitMs = startWallMs + (sliceLastMs - firstEventMs) - Date.now();
        if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
        await send(interval.slice(i, end));
        i = end;
      }
      continue;
    }
    pending.push(...interval);
    while (pending.length >= SAMPLE_CHUNK_RECORDS) {
      await send(pending.slice(0, SAMPLE_CHUNK_RECORDS));
      pending = pending.slice(SAMPLE_CHUNK_RECORDS);
    }
  }
  if (pending.length > 0) await send(pending);
  return { sent, shiftMs: shiftMs ?? 0 };
}
