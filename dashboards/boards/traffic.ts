/**
 * Traffic board: level of service per road segment, speeds, congestion episodes with their queues,
 * delay per venue zone, sensor faults, and what one traffic plan changes against another.
 */
import { clickhouseQuery, clickhouseVariable, inSelection, sqlString } from '../shared/clickhouse.ts';
import {
  FULL_WIDTH,
  board,
  statPanel,
  tablePanel,
  timeSeriesPanel,
  valueColours,
  type Dashboard,
} from '../shared/panels.ts';

/** Highway Capacity Manual levels of service, A (free flow) to F (breakdown). */
const LOS_COLOURS = {
  A: 'dark-green',
  B: 'green',
  C: 'yellow',
  D: 'orange',
  E: 'red',
  F: 'dark-red',
} as const;

const SCENARIOS = inSelection('scenario_id', 'scenario');
const ZONES = inSelection('venue_zone', 'zone');

export function trafficBoard(): Dashboard {
  return board({
    uid: 'stadion-traffic',
    title: 'Stadion: traffic',
    description:
      'Road traffic around the venues from loop detectors: level of service, congestion and delay, per traffic plan.',
    tags: ['traffic'],
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
  })
    .withVariable(
      clickhouseVariable({
        name: 'scenario',
        label: 'Plan',
        multi: true,
        sql: `SELECT DISTINCT scenario_id FROM traffic_segment_windows WHERE $__timeFilter_ms(window_start) ORDER BY scenario_id`,
      }),
    )
    .withVariable(
      clickhouseVariable({
        name: 'zone',
        label: 'Venue zone',
        multi: true,
        sql: `SELECT DISTINCT venue_zone FROM traffic_segment_windows WHERE $__timeFilter_ms(window_start) AND venue_zone IS NOT NULL ORDER BY venue_zone`,
      }),
    )
    .withVariable(
      clickhouseVariable({
        name: 'base',
        label: 'Compare: base plan',
        sql: `SELECT DISTINCT scenario_id FROM traffic_scenarios FINAL ORDER BY scenario_id`,
      }),
    )
    .withVariable(
      clickhouseVariable({
        name: 'plan',
        label: 'Compare: plan',
        sql: `SELECT DISTINCT scenario_id FROM traffic_scenarios FINAL WHERE scenario_id != ${sqlString('base')} ORDER BY scenario_id`,
      }),
    )
    .withPanel(
      statPanel({
        title: 'Segments at LOS E or F',
        description:
          'Segments whose latest 1-minute level of service in the range is E or F (near or at capacity).',
        thresholds: {
          base: 'green',
          steps: [
            [1, 'orange'],
            [3, 'red'],
          ],
        },
        decimals: 0,
        targets: [
          clickhouseQuery({
            columns: ['segments'],
            sql: `
SELECT countIf(los IN ('E', 'F')) AS segments
FROM (
  SELECT scenario_id, segment_id, argMax(los, window_start) AS los
  FROM traffic_segment_windows
  WHERE window_s = 60 AND $__timeFilter_ms(window_start) AND ${SCENARIOS} AND ${ZONES}
  GROUP BY scenario_id, segment_id
)`,
          }),
        ],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Delay',
        description: 'Vehicle-hours lost against free flow in the range, all selected plans and zones.',
        unit: 'h',
        decimals: 1,
        targets: [
          clickhouseQuery({
            columns: ['delay_veh_h'],
            sql: `
SELECT round(sum(delay_veh_h), 2) AS delay_veh_h
FROM traffic_segment_windows
WHERE window_s = 300 AND $__timeFilter_ms(window_start) AND ${SCENARIOS} AND ${ZONES}`,
          }),
        ],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Congestion episodes',
        description: 'Episodes (congested minutes in a row on a segment) overlapping the range.',
        decimals: 0,
        thresholds: { base: 'green', steps: [[1, 'orange']] },
        targets: [
          clickhouseQuery({
            columns: ['episodes'],
            sql: `
SELECT count() AS episodes
FROM traffic_congestion_episodes
WHERE start_time <= $__toTime_ms AND end_time >= $__fromTime_ms AND ${SCENARIOS}`,
          }),
        ],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Faulty sensors',
        description: 'Lane sensors stuck at zero or silent at some point in the range.',
        decimals: 0,
        thresholds: { base: 'green', steps: [[1, 'orange']] },
        targets: [
          clickhouseQuery({
            columns: ['sensors'],
            sql: `
SELECT uniqExact(sensor_id) AS sensors
FROM traffic_sensor_faults FINAL
WHERE start_time <= $__toTime_ms AND end_time >= $__fromTime_ms AND ${SCENARIOS}`,
          }),
        ],
      }),
    )
    .withPanel(
      tablePanel({
        title: 'Level of service by segment',
        description:
          'The latest 1-minute window of each segment in the range, along each corridor in the direction of travel.',
        width: FULL_WIDTH,
        height: 12,
        targets: [
          clickhouseQuery({
            columns: [
              'scenario_id',
              'corridor_id',
              'position',
              'segment',
              'venue_zone',
              'los',
              'speed_kmh',
              'flow_veh_per_h',
              'density_veh_per_km_per_lane',
              'faulty_readings',
              'updated',
            ],
            sql: `
SELECT w.scenario_id AS scenario_id, s.corridor_id AS corridor_id, s.position AS position, s.name AS segment,
  w.zone AS venue_zone, w.los AS los, round(w.speed_kmh, 1) AS speed_kmh,
  round(w.flow_veh_per_h) AS flow_veh_per_h, round(w.density, 1) AS density_veh_per_km_per_lane,
  w.faulty AS faulty_readings, w.updated AS updated
FROM (
  SELECT scenario_id, segment_id, argMax(venue_zone, window_start) AS zone, argMax(los, window_start) AS los,
    argMax(speed_kmh, window_start) AS speed_kmh, argMax(flow_veh_per_h, window_start) AS flow_veh_per_h,
    argMax(density_veh_per_km_per_lane, window_start) AS density,
    argMax(excluded_readings + missing_readings, window_start) AS faulty, max(window_start) AS updated
  FROM traffic_segment_windows
  WHERE window_s = 60 AND $__timeFilter_ms(window_start) AND ${SCENARIOS} AND ${ZONES}
  GROUP BY scenario_id, segment_id
) AS w
INNER JOIN (SELECT segment_id, name, corridor_id, position FROM traffic_segments FINAL) AS s ON s.segment_id = w.segment_id
ORDER BY scenario_id, corridor_id, position`,
          }),
        ],
      }).overrideByName('los', valueColours(LOS_COLOURS)),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Speed by segment',
        description: 'Space-mean speed over all lanes, 1-minute windows averaged per interval.',
        unit: 'velocitykmh',
        width: FULL_WIDTH,
        targets: [
          clickhouseQuery({
            queryType: 'timeseries',
            columns: ['time', 'series', 'speed_kmh'],
            sql: `
SELECT $__timeInterval_ms(window_start) AS time, concat(scenario_id, ' ', segment_id) AS series,
  round(avg(speed_kmh), 1) AS speed_kmh
FROM traffic_segment_windows
WHERE window_s = 60 AND $__timeFilter_ms(window_start) AND ${SCENARIOS} AND ${ZONES}
GROUP BY time, series
ORDER BY time, series`,
          }),
        ],
      }),
    )
    .withPanel(
      tablePanel({
        title: 'Congestion episodes',
        description:
          'Congested minutes in a row per segment, with the queue: adjacent upstream segments congested at the same time.',
        width: FULL_WIDTH,
        targets: [
          clickhouseQuery({
            columns: [
              'scenario_id',
              'segment_id',
              'venue_zone',
              'start_time',
              'end_time',
              'duration_min',
              'worst_los',
              'delay_veh_h',
              'queue_segments',
              'queue_extent_m',
            ],
            sql: `
SELECT scenario_id, segment_id, venue_zone, start_time, end_time, round(duration_s / 60, 1) AS duration_min,
  worst_los, round(delay_veh_h, 2) AS delay_veh_h, queue_segments, queue_extent_m
FROM traffic_congestion_queues
WHERE start_time <= $__toTime_ms AND end_time >= $__fromTime_ms AND ${SCENARIOS} AND ${ZONES}
ORDER BY start_time DESC`,
          }),
        ],
      }).overrideByName('worst_los', valueColours(LOS_COLOURS)),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Delay by zone',
        description:
          'Vehicle-hours of delay per venue zone and hour (5-minute windows summed over segments).',
        unit: 'h',
        targets: [
          clickhouseQuery({
            queryType: 'timeseries',
            columns: ['time', 'series', 'delay_veh_h'],
            sql: `
SELECT hour AS time, concat(scenario_id, ' ', venue_zone) AS series, round(delay_veh_h, 2) AS delay_veh_h
FROM traffic_zone_hourly
WHERE $__timeFilter(hour) AND ${SCENARIOS} AND ${ZONES}
ORDER BY time, series`,
          }),
        ],
      }),
    )
    .withPanel(
      tablePanel({
        title: 'Plan comparison',
        description:
          'What the plan changes against the base plan per zone and hour: delay, and hours at LOS F or at E or F (negative is better).',
        targets: [
          clickhouseQuery({
            columns: [
              'hour',
              'venue_zone',
              'base_delay_veh_h',
              'plan_delay_veh_h',
              'delay_change_veh_h',
              'los_f_hours_change',
              'los_e_or_f_hours_change',
            ],
            sql: `
SELECT hour, venue_zone, round(base_delay_veh_h, 2) AS base_delay_veh_h, round(plan_delay_veh_h, 2) AS plan_delay_veh_h,
  round(delay_change_veh_h, 2) AS delay_change_veh_h, round(los_f_hours_change, 2) AS los_f_hours_change,
  round(los_e_or_f_hours_change, 2) AS los_e_or_f_hours_change
FROM traffic_scenario_comparison
WHERE base_scenario_id = ${sqlString('base')} AND plan_scenario_id = ${sqlString('plan')}
  AND $__timeFilter(hour) AND ${ZONES}
ORDER BY hour, venue_zone`,
          }),
        ],
      }),
    )
    .withPanel(
      tablePanel({
        title: 'Sensor faults',
        description:
          'Lane sensors stuck at zero or silent; open faults last until a later reading closes them.',
        width: FULL_WIDTH,
        targets: [
          clickhouseQuery({
            columns: [
              'scenario_id',
              'segment_id',
              'sensor_id',
              'lane',
              'fault_kind',
              'start_time',
              'end_time',
              'is_open',
            ],
            sql: `
SELECT scenario_id, segment_id, sensor_id, lane, fault_kind, start_time, end_time, is_open
FROM traffic_sensor_faults FINAL
WHERE start_time <= $__toTime_ms AND end_time >= $__fromTime_ms AND ${SCENARIOS}
ORDER BY start_time DESC`,
          }),
        ],
      }),
    )
    .build();
}
