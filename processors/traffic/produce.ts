/**
 * Producing traffic records: the network (keyed by segment), the plans (keyed by scenario), and
 * readings keyed by scenario/segment. Plans of one day are produced interleaved interval by interval:
 * watermarks are per partition, so a plan sent after another plan's whole day would arrive late.
 */
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Producer } from 'kafkajs';
import {
  trafficReadingSchema,
  trafficScenarioSchema,
  trafficSegmentSchema,
  type TrafficReading,
  type TrafficScenario,
  type TrafficSegment,
} from '../../schemas/generated.ts';
import { avroEncoder, produceRecords, PRODUCE_CHUNK_RECORDS } from '../shared/produce.ts';
import { readingKeyOf, TRAFFIC_TOPICS } from './topology.ts';

export async function produceNetwork(
  producer: Producer,
  registry: SchemaRegistry,
  segments: readonly TrafficSegment[],
  scenarios: readonly TrafficScenario[],
): Promise<void> {
  await produceRecords(producer, registry, segments, {
    topic: TRAFFIC_TOPICS.segments,
    schema: trafficSegmentSchema,
    keyOf: (s) => s.segmentId,
  });
  await produceRecords(producer, registry, scenarios, {
    topic: TRAFFIC_TOPICS.scenarios,
    schema: trafficScenarioSchema,
    keyOf: (s) => s.scenarioId,
  });
}

/** Readings of several plans, interleaved one interval at a time; returns the station records and lane readings sent. */
export async function produceReadings(
  producer: Producer,
  registry: SchemaRegistry,
  plans: ReadonlyArray<Iterator<TrafficReading[]>>,
  onProgress?: (sent: number) => void,
): Promise<{ records: number; laneReadings: number }> {
  const encode = await avroEncoder(registry, TRAFFIC_TOPICS.readings, trafficReadingSchema);
  let pending: TrafficReading[] = [];
  let sent = 0;
  let laneReadings = 0;
  const inFlight: Array<Promise<unknown>> = [];
  const flush = async (): Promise<void> => {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    inFlight.push(
      producer.send({
        topic: TRAFFIC_TOPICS.readings,
        acks: -1,
        messages: batch.map((r) => ({
          key: readingKeyOf(r),
          value: encode(r),
          timestamp: String(r.intervalStartMs),
        })),
      }),
    );
    sent += batch.length;
    if (inFlight.length >= 4) await inFlight.shift();
    onProgress?.(sent);
  };
  for (let done = false; !done;) {
    done = true;
    for (const plan of plans) {
      const next = plan.next();
      if (next.done === true) continue;
      done = false;
      for (const reading of next.value) {
        pending.push(reading);
        laneReadings += reading.lanes.length;
        if (pending.length >= PRODUCE_CHUNK_RECORDS * 4) await flush();
      }
    }
  }
  await flush();
  await Promise.all(inFlight);
  return { records: sent, laneReadings };
}
