/**
 * The traffic topology: detector readings joined with their segment, cleaned per segment (stuck and
 * silent sensors detected, their data excluded and reported: faults.ts), aggregated per segment into
 * 1- and 5-minute windows (flow, occupancy, density, space-mean speed, level of service, delay:
 * segment-window.ts), congested minutes grouped into episodes by session windows (episodes.ts), and
 * level-of-service changes sent to operators on traffic.segment-status. The network and the plans go
 * to ClickHouse as they arrive, for the views (queue extent, zone summaries, plan comparison).
 *
 * Everything is keyed by scenario/segment within the readings' partition (readings are keyed so), so
 * two plans never mix and a replay reproduces every row.
 */
import { defineTopology } from '../../engine/topology/builder.ts';
import { avro } from '../../engine/topology/codecs.ts';
import type { Validation } from '../../engine/topology/record.ts';
import { clickhouseSink, kafkaSink } from '../../engine/topology/sinks.ts';
import { SessionWindows, TimeWindows } from '../../engine/windows/index.ts';
import {
  trafficReadingSchema,
  trafficScenarioSchema,
  trafficSegmentSchema,
  trafficSegmentStatusSchema,
  type TrafficReading,
  type TrafficScenario,
  type TrafficSegment,
  type TrafficSegmentStatus,
} from '../../schemas/generated.ts';
import { episodeAggregator, isCongested, EPISODE_GAP_MS, type CongestedMinute } from './episodes.ts';
import {
  sensorHealthProcessor,
  SENSOR_HEALTH_DEFAULTS,
  type SegmentInterval,
  type SensorFaultEvent,
} from './faults.ts';
import { measureWindow, segmentWindowAggregator, splitKey, type SegmentWindow } from './segment-window.ts';
import { segmentStatusProcessor } from './status.ts';

export const TRAFFIC_TOPICS = {
  readings: 'traffic.readings',
  segments: 'traffic.segments',
  scenarios: 'traffic.scenarios',
  segmentStatus: 'traffic.segment-status',
} as const;

/** Readings may arrive this late (event time) within a partition. */
export const READING_OUT_OF_ORDERNESS_MS = 60_000;
/** Longest counting interval the hold covers, ms (30 s detectors). */
const INTERVAL_MS = 30_000;
/** Window grace: the sensor-health hold plus the out-of-orderness and one interval. */
export const WINDOW_GRACE_MS =
  SENSOR_HEALTH_DEFAULTS.holdIntervals * INTERVAL_MS + READING_OUT_OF_ORDERNESS_MS + INTERVAL_MS;
/** Episode grace: after the minute windows close. */
export const EPISODE_GRACE_MS = WINDOW_GRACE_MS + 2 * 60_000;

/** The key of a scenario's segment (readings are keyed by it). */
export const readingKeyOf = (r: { scenarioId: string; segmentId: string }): string =>
  `${r.scenarioId}/${r.segmentId}`;

export function validateReading(r: TrafficReading): Validation {
  if (r.scenarioId.includes('/')) return { ok: false, reason: `scenarioId "${r.scenarioId}" contains "/"` };
  if (!Number.isSafeInteger(r.intervalStartMs) || r.intervalStartMs < 0)
    return { ok: false, reason: `intervalStartMs ${r.intervalStartMs} is not a time` };
  if (!(r.intervalS > 0 && r.intervalS <= 300))
    return { ok: false, reason: `intervalS ${r.intervalS} is not 1-300` };
  for (const lane of r.lanes) {
    if (!(lane.lane >= 1) || !(lane.vehicleCount >= 0))
      return { ok: false, reason: `lane ${lane.lane} has a negative count or lane number` };
    if (!(lane.occupancyPct >= 0 && lane.occupancyPct <= 100))
      return { ok: false, reason: `lane ${lane.lane} occupancy ${lane.occupancyPct} is not 0-100` };
    if (lane.meanSpeedKmh !== null && !(lane.meanSpeedKmh > 0 && lane.meanSpeedKmh < 300))
      return { ok: false, reason: `lane ${lane.lane} speed ${lane.meanSpeedKmh} is not a speed` };
    if (!(lane.heavyVehicleShare >= 0 && lane.heavyVehicleShare <= 1))
      return {
        ok: false,
        reason: `lane ${lane.lane} heavy-vehicle share ${lane.heavyVehicleShare} is not 0-1`,
      };
  }
  return { ok: true };
}

const round = (value: number | null, digits: number): number | null =>
  value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;

function windowRow(w: SegmentWindow): Record<string, unknown> {
  return {
    scenario_id: w.scenarioId,
    segment_id: w.segmentId,
    venue_zone: w.venueZone,
    window_s: w.windowS,
    window_start: w.windowStartMs,
    window_end: w.windowEndMs,
    lanes: w.lanes,
    intervals: w.intervals,
    lane_readings: w.laneReadings,
    vehicles: w.vehicles,
    flow_veh_per_h: round(w.flowVehPerHour, 1),
    flow_veh_per_h_per_lane: round(w.flowVehPerHourPerLane, 1),
    occupancy_pct: round(w.occupancyPct, 3),
    density_veh_per_km_per_lane: round(w.densityVehPerKmPerLane, 3),
    speed_kmh: round(w.speedKmh, 2),
    heavy_vehicle_share: round(w.heavyVehicleShare, 4),
    los: w.los,
    delay_veh_h: round(w.delayVehH, 5),
    excluded_readings: w.excludedReadings,
    missing_readings: w.missingReadings,
  };
}

export const trafficTopology = defineTopology('traffic', (t) => {
  const segments = t.table<TrafficSegment>('segments', {
    topic: TRAFFIC_TOPICS.segments,
    codec: avro<TrafficSegment>(trafficSegmentSchema),
  });

  const health = t
    .stream('readings', {
      topic: TRAFFIC_TOPICS.readings,
      codec: avro<TrafficReading>(trafficReadingSchema, validateReading),
      timestampOf: (r) => r.intervalStartMs,
      maxOutOfOrdernessMs: READING_OUT_OF_ORDERNESS_MS,
    })
    .join(segments, (reading, segment) => ({ reading, segment }), { keyOf: (r) => r.segmentId, inner: true })
    .flatMap((joined) =>
      joined.segment === undefined ? [] : [{ reading: joined.reading, segment: joined.segment }],
    )
    .selectKey((j) => readingKeyOf(j.reading))
    .process('traffic-sensor-health', sensorHealthProcessor());

  const outputs = health.branch({ interval: (o) => o.kind === 'interval', fault: (o) => o.kind === 'fault' });
  const intervals = outputs.interval.map((o) => o as SegmentInterval);

  outputs.fault
    .map((o) => o as SensorFaultEvent)
    .to(
      clickhouseSink({
        table: 'traffic_sensor_faults',
        toRow: (f) => ({
          scenario_id: f.scenarioId,
          segment_id: f.segmentId,
          sensor_id: f.sensorId,
          lane: f.lane,
          fault_kind: f.faultKind,
          start_time: f.startMs,
          end_time: f.endMs,
          is_open: f.open ? 1 : 0,
          intervals: f.intervals,
        }),
      }),
    );

  const minutes = intervals
    .window(TimeWindows.ofSizeAndGrace(60_000, WINDOW_GRACE_MS))
    .aggregate('segment-1m', segmentWindowAggregator)
    .final()
    .map(measureWindow);
  minutes.to(
    clickhouseSink({
      table: 'traffic_segment_windows',
      name: 'traffic_segment_windows_1m',
      toRow: windowRow,
    }),
  );
  intervals
    .window(TimeWindows.ofSizeAndGrace(300_000, WINDOW_GRACE_MS))
    .aggregate('segment-5m', segmentWindowAggregator)
    .final()
    .map(measureWindow)
    .to(
      clickhouseSink({
        table: 'traffic_segment_windows',
        name: 'traffic_segment_windows_5m',
        toRow: windowRow,
      }),
    );

  minutes.process('segment-status', segmentStatusProcessor).to(
    kafkaSink<TrafficSegmentStatus>({
      topic: TRAFFIC_TOPICS.segmentStatus,
      codec: avro(trafficSegmentStatusSchema),
    }),
  );

  minutes
    .filter((w) => w.los !== null && isCongested(w.los))
    .map((w): CongestedMinute => ({
      windowStartMs: w.windowStartMs,
      windowEndMs: w.windowEndMs,
      los: w.los ?? 'F',
      speedKmh: w.speedKmh,
      densityVehPerKmPerLane: w.densityVehPerKmPerLane ?? 0,
      delayVehH: w.delayVehH ?? 0,
    }))
    .window(SessionWindows.withGapAndGrace(EPISODE_GAP_MS, EPISODE_GRACE_MS))
    .aggregate('congestion-episodes', episodeAggregator)
    .final()
    .to(
      clickhouseSink({
        table: 'traffic_congestion_episodes',
        toRow: (e) => {
          const { scenarioId, segmentId } = splitKey(e.key);
          return {
            scenario_id: scenarioId,
            segment_id: segmentId,
            start_time: e.value.startMs,
            end_time: e.value.endMs,
            duration_s: (e.value.endMs - e.value.startMs) / 1000,
            congested_minutes: e.value.congestedMinutes,
            worst_los: e.value.worstLos,
            min_speed_kmh: round(e.value.minSpeedKmh, 2),
            max_density_veh_per_km_per_lane: round(e.value.maxDensityVehPerKmPerLane, 3),
            delay_veh_h: round(e.value.delayVehH, 4),
          };
        },
      }),
    );

  // Reference data to ClickHouse, for the views.
  // Reference records carry no event time: they are stamped 0 so that they never hold or push the
  // readings' watermarks (idle partitions are moved up to the lowest active watermark).
  t.stream('segment-records', {
    topic: TRAFFIC_TOPICS.segments,
    codec: avro<TrafficSegment>(trafficSegmentSchema),
    timestampOf: () => 0,
  }).to(
    clickhouseSink({
      table: 'traffic_segments',
      toRow: (s) => ({
        segment_id: s.segmentId,
        name: s.name,
        corridor_id: s.corridorId,
        position: s.position,
        length_m: s.lengthM,
        lanes: s.lanes,
        free_flow_speed_kmh: s.freeFlowSpeedKmh,
        capacity_veh_per_h_per_lane: s.capacityVehPerHourPerLane,
        venue_zone: s.venueZone,
        upstream_segment_ids: s.upstreamSegmentIds,
        downstream_segment_ids: s.downstreamSegmentIds,
      }),
    }),
  );
  t.stream('scenario-records', {
    topic: TRAFFIC_TOPICS.scenarios,
    codec: avro<TrafficScenario>(trafficScenarioSchema),
    timestampOf: () => 0,
  }).to(
    clickhouseSink({
      table: 'traffic_scenarios',
      toRow: (s) => ({
        scenario_id: s.scenarioId,
        name: s.name,
        description: s.description,
        day_start: s.dayStartMs,
        day_end: s.dayEndMs,
        closed_segment_ids: s.closures.map((c) => c.segmentId),
        diversions: s.diversions.map(
          (d) => `${d.fromSegmentId}->${d.toSegmentId} (${Math.round(d.share * 100)}%)`,
        ),
      }),
    }),
  );
});
