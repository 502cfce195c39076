/**
 * The engine's example topology: synthetic sensor readings (the round trip's schema) aggregated per
 * sensor into 10-second tumbling windows in ClickHouse, with a running maximum kept in keyed state.
 * Small on purpose: the integration tests crash and restart it to prove the commit protocol.
 */
import { combine, count, max, mean } from '../../engine/aggregate/index.ts';
import { clickhouseSink } from '../../engine/topology/sinks.ts';
import { avro, type AvroSchemaDefinition } from '../../engine/topology/codecs.ts';
import { defineTopology } from '../../engine/topology/builder.ts';
import { TimeWindows } from '../../engine/windows/index.ts';

export const READINGS_TOPIC = 'demo.readings';

export const READING_SCHEMA: AvroSchemaDefinition = {
  type: 'record',
  name: 'Reading',
  namespace: 'io.stadion.demo',
  doc: 'A synthetic sensor reading.',
  fields: [
    { name: 'sensorId', type: 'string', doc: 'Sensor that measured it.' },
    { name: 'sequence', type: 'long', doc: 'Per-sensor sequence number, from 0.' },
    { name: 'eventTimeMs', type: 'long', doc: 'Event time, ms since the Unix epoch.' },
    { name: 'speedMps', type: 'double', doc: 'Measured speed, metres per second.' },
  ],
};

export interface Reading {
  sensorId: string;
  sequence: number;
  eventTimeMs: number;
  speedMps: number;
}

export const READINGS_DDL = [
  `CREATE TABLE IF NOT EXISTS demo_reading_windows (
    sensor_id LowCardinality(String),
    window_start DateTime64(3),
    window_end DateTime64(3),
    readings UInt64,
    mean_speed_mps Float64,
    max_speed_mps Float64
  ) ENGINE = MergeTree ORDER BY (sensor_id, window_start)
  SETTINGS non_replicated_deduplication_window = 10000`,
  `CREATE TABLE IF NOT EXISTS demo_reading_peaks (
    sensor_id LowCardinality(String),
    sequence UInt64,
    event_time DateTime64(3),
    speed_mps Float64
  ) ENGINE = MergeTree ORDER BY (sensor_id, sequence)
  SETTINGS non_replicated_deduplication_window = 10000`,
];

export const readingsTopology = defineTopology('demo-readings', (t) => {
  const readings = t.stream('readings', {
    topic: READINGS_TOPIC,
    codec: avro<Reading>(READING_SCHEMA, (r) =>
      Number.isFinite(r.speedMps) && r.speedMps >= 0 ? { ok: true } : { ok: false, reason: `speedMps ${r.speedMps} is not a speed` },
    ),
    timestampOf: (r) => r.eventTimeMs,
    maxOutOfOrdernessMs: 2_000,
  });

  readings
    .window(TimeWindows.ofSizeAndGrace(10_000, 1_000))
    .aggregate(
      'reading-windows',
      combine({ readings: count<Reading>(), meanSpeed: mean((r: Reading) => r.speedMps), maxSpeed: max((r: Reading) => r.speedMps) }),
    )
    .final()
    .to(
      clickhouseSink({
        table: 'demo_reading_windows',
        toRow: (w) => ({
          sensor_id: w.key,
          window_start: w.windowStartMs,
          window_end: w.windowEndMs,
          readings: w.value.readings,
          mean_speed_mps: w.value.meanSpeed,
          max_speed_mps: w.value.maxSpeed,
        }),
      }),
    );

  // A new personal best per sensor: keyed state, emitted when beaten.
  readings
    .process<{ bestMps: number }, Reading>('reading-peaks', {
      init: () => ({ bestMps: Number.NEGATIVE_INFINITY }),
      process: (state, record, emit) => {
        if (record.value.speedMps <= state.bestMps) return state;
        emit(record.value);
        return { bestMps: record.value.speedMps };
      },
    })
    .to(
      clickhouseSink({
        table: 'demo_reading_peaks',
        toRow: (r) => ({ sensor_id: r.sensorId, sequence: r.sequence, event_time: r.eventTimeMs, speed_mps: r.speedMps }),
      }),
    );
});
