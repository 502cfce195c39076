/**
 * The engine's example topology: synthetic sensor readings (the round trip's schema) aggregated per
 * sensor into 10-second tumbling windows in ClickHouse, with a running maximum kept in keyed state.
 * Small on purpose: the integration tests crash and restart it to prove the commit protocol.
 */
import { combine, count, max, mean } from '../../engine/aggregate/index.ts';
import { clickhouseSink } from '../../engine/topology/sinks.ts';
import { avro } from '../../engine/topology/codecs.ts';
import { readingSchema, type Reading } from '../../schemas/generated.ts';
import { defineTopology } from '../../engine/topology/builder.ts';
import { TimeWindows } from '../../engine/windows/index.ts';

export const READINGS_TOPIC = 'demo.readings';

/** The reader schema (schemas/demo.reading.avsc). */
export const READING_SCHEMA = readingSchema;
export type { Reading };

export const readingsTopology = defineTopology('demo-readings', (t) => {
  const readings = t.stream('readings', {
    topic: READINGS_TOPIC,
    codec: avro<Reading>(READING_SCHEMA, (r) =>
      Number.isFinite(r.speedMps) && r.speedMps >= 0
        ? { ok: true }
        : { ok: false, reason: `speedMps ${r.speedMps} is not a speed` },
    ),
    timestampOf: (r) => r.eventTimeMs,
    maxOutOfOrdernessMs: 2_000,
  });

  readings
    .window(TimeWindows.ofSizeAndGrace(10_000, 1_000))
    .aggregate(
      'reading-windows',
      combine({
        readings: count<Reading>(),
        meanSpeed: mean((r: Reading) => r.speedMps),
        maxSpeed: max((r: Reading) => r.speedMps),
      }),
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
        toRow: (r) => ({
          sensor_id: r.sensorId,
          sequence: r.sequence,
          event_time: r.eventTimeMs,
          speed_mps: r.speedMps,
        }),
      }),
    );
});
