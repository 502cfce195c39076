-- Road traffic around venues (processors/traffic/topology.ts). Applied by `stadion run traffic` on
-- start, idempotently. non_replicated_deduplication_window lets ClickHouse honour the engine's
-- deduplication tokens, so a replay after a crash or a rebalance changes no row.

CREATE TABLE IF NOT EXISTS traffic_segments (
  segment_id String COMMENT 'Segment',
  name String COMMENT 'Display name',
  corridor_id LowCardinality(String) COMMENT 'Corridor (chain of segments in one direction)',
  position Int32 COMMENT 'Position along the corridor in the direction of travel, 0 = most upstream',
  length_m Float64 COMMENT 'Length, metres',
  lanes UInt8 COMMENT 'Lanes in the direction of travel',
  free_flow_speed_kmh Float64 COMMENT 'Free-flow speed, km/h',
  capacity_veh_per_h_per_lane Float64 COMMENT 'Capacity, vehicles per hour per lane',
  venue_zone Nullable(String) COMMENT 'Venue zone, if any',
  upstream_segment_ids Array(String) COMMENT 'Segments flowing into this one',
  downstream_segment_ids Array(String) COMMENT 'Segments this one flows into'
) ENGINE = ReplacingMergeTree
ORDER BY segment_id
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS traffic_scenarios (
  scenario_id String COMMENT 'Scenario (traffic plan)',
  name String COMMENT 'Display name',
  description String COMMENT 'What the plan does',
  day_start DateTime64(3) COMMENT 'Start of the day the plan covers, UTC',
  day_end DateTime64(3) COMMENT 'End of the day the plan covers (exclusive), UTC',
  closed_segment_ids Array(String) COMMENT 'Segments closed at some time under the plan',
  diversions Array(String) COMMENT 'Diversions, as from->to (share)'
) ENGINE = ReplacingMergeTree
ORDER BY scenario_id
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS traffic_segment_windows (
  scenario_id LowCardinality(String) COMMENT 'Scenario (traffic plan)',
  segment_id String COMMENT 'Segment',
  venue_zone Nullable(String) COMMENT 'Venue zone of the segment',
  window_s UInt16 COMMENT 'Window length, seconds (60 or 300)',
  window_start DateTime64(3) COMMENT 'Window start, UTC',
  window_end DateTime64(3) COMMENT 'Window end (exclusive), UTC',
  lanes UInt8 COMMENT 'Lanes of the segment',
  intervals UInt16 COMMENT 'Counting intervals released for the window',
  lane_readings UInt32 COMMENT 'Healthy lane readings used',
  vehicles UInt32 COMMENT 'Vehicles counted by the healthy lane readings',
  flow_veh_per_h Nullable(Float64) COMMENT 'Flow over all lanes, vehicles per hour',
  flow_veh_per_h_per_lane Nullable(Float64) COMMENT 'Flow per lane, vehicles per hour',
  occupancy_pct Nullable(Float64) COMMENT 'Mean detector occupancy, percent',
  density_veh_per_km_per_lane Nullable(Float64) COMMENT 'Density (from occupancy), vehicles per km per lane',
  speed_kmh Nullable(Float64) COMMENT 'Space-mean speed, km/h',
  heavy_vehicle_share Nullable(Float64) COMMENT 'Heavy vehicles among those counted, 0-1',
  los Nullable(FixedString(1)) COMMENT 'Level of service A-F (HCM density thresholds); null without healthy data',
  delay_veh_h Nullable(Float64) COMMENT 'Vehicle-hours of delay against free flow in the window (unbiased, may be slightly negative)',
  excluded_readings UInt32 COMMENT 'Lane readings excluded as faulty (stuck at zero)',
  missing_readings UInt32 COMMENT 'Lane readings that never arrived'
) ENGINE = MergeTree
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (scenario_id, window_s, segment_id, window_start)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS traffic_congestion_episodes (
  scenario_id LowCardinality(String) COMMENT 'Scenario (traffic plan)',
  segment_id String COMMENT 'Segment',
  start_time DateTime64(3) COMMENT 'Start of the first congested minute, UTC',
  end_time DateTime64(3) COMMENT 'End of the last congested minute, UTC',
  duration_s Float64 COMMENT 'end_time - start_time, seconds',
  congested_minutes UInt32 COMMENT 'Congested minutes in the episode (one calm minute may interrupt it)',
  worst_los FixedString(1) COMMENT 'Worst level of service',
  min_speed_kmh Nullable(Float64) COMMENT 'Lowest 1-minute space-mean speed, km/h',
  max_density_veh_per_km_per_lane Float64 COMMENT 'Highest 1-minute density, vehicles per km per lane',
  delay_veh_h Float64 COMMENT 'Vehicle-hours of delay in the congested minutes'
) ENGINE = MergeTree
ORDER BY (scenario_id, segment_id, start_time)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS traffic_sensor_faults (
  scenario_id LowCardinality(String) COMMENT 'Scenario (traffic plan) whose readings showed the fault',
  segment_id String COMMENT 'Segment',
  sensor_id String COMMENT 'Sensor',
  lane UInt8 COMMENT 'Lane',
  fault_kind LowCardinality(String) COMMENT 'stuck_zero or missing',
  start_time DateTime64(3) COMMENT 'First faulty interval, UTC',
  end_time DateTime64(3) COMMENT 'End of the last faulty interval known (exclusive), UTC',
  is_open UInt8 COMMENT '1 while the fault lasts (a later row closes it)',
  intervals UInt32 COMMENT 'Faulty intervals so far'
) ENGINE = ReplacingMergeTree(end_time)
ORDER BY (scenario_id, sensor_id, fault_kind, start_time)
SETTINGS non_replicated_deduplication_window = 10000;

-- The latest 1-minute status of every segment, per scenario.
CREATE VIEW IF NOT EXISTS traffic_segment_status_live AS
SELECT
  w.scenario_id AS scenario_id,
  w.segment_id AS segment_id,
  argMax(w.venue_zone, w.window_start) AS venue_zone,
  max(w.window_start) AS window_start,
  argMax(w.los, w.window_start) AS los,
  argMax(w.flow_veh_per_h, w.window_start) AS flow_veh_per_h,
  argMax(w.speed_kmh, w.window_start) AS speed_kmh,
  argMax(w.density_veh_per_km_per_lane, w.window_start) AS density_veh_per_km_per_lane,
  argMax(w.excluded_readings + w.missing_readings, w.window_start) AS faulty_readings
FROM traffic_segment_windows AS w
WHERE w.window_s = 60
GROUP BY w.scenario_id, w.segment_id;

-- Congestion episodes with their queue: the run of adjacent upstream segments of the same corridor
-- congested at the same time (episodes overlapping this one), its length in metres and segments.
CREATE VIEW IF NOT EXISTS traffic_congestion_queues AS
WITH seg AS (SELECT segment_id, corridor_id, position, length_m, venue_zone FROM traffic_segments FINAL)
SELECT
  e.scenario_id AS scenario_id,
  e.segment_id AS segment_id,
  s.venue_zone AS venue_zone,
  s.corridor_id AS corridor_id,
  e.start_time AS start_time,
  e.end_time AS end_time,
  e.duration_s AS duration_s,
  e.worst_los AS worst_los,
  e.delay_veh_h AS delay_veh_h,
  arrayReverseSort(groupUniqArrayIf(u.position, u.position <= s.position)) AS upstream_positions,
  arrayFirstIndex((p, i) -> p != s.position - i + 1, upstream_positions, arrayEnumerate(upstream_positions)) AS gap_at,
  groupUniqArrayIf((u.position, u.length_m), u.position <= s.position) AS upstream_lengths,
  if(gap_at = 0, length(upstream_positions), gap_at - 1) AS queue_segments,
  arraySum(x -> if(x.1 > s.position - queue_segments, x.2, 0), upstream_lengths) AS queue_extent_m
FROM traffic_congestion_episodes AS e
INNER JOIN seg AS s ON s.segment_id = e.segment_id
LEFT JOIN (
  SELECT o.scenario_id AS scenario_id, o.start_time AS start_time, o.end_time AS end_time, g.corridor_id AS corridor_id,
    g.position AS position, g.length_m AS length_m, o.segment_id AS segment_id
  FROM traffic_congestion_episodes AS o INNER JOIN seg AS g ON g.segment_id = o.segment_id
) AS u ON u.scenario_id = e.scenario_id AND u.corridor_id = s.corridor_id
WHERE u.start_time < e.end_time AND u.end_time > e.start_time
GROUP BY e.scenario_id, e.segment_id, s.venue_zone, s.corridor_id, s.position, e.start_time, e.end_time, e.duration_s,
  e.worst_los, e.delay_veh_h;

-- Per venue zone, scenario and hour: vehicle-hours of delay and hours spent at each level of service
-- (summed over segments, 5-minute windows).
CREATE VIEW IF NOT EXISTS traffic_zone_hourly AS
SELECT
  scenario_id,
  venue_zone,
  toStartOfHour(window_start) AS hour,
  sum(delay_veh_h) AS delay_veh_h,
  sumIf(window_s, los = 'A') / 3600 AS los_a_hours,
  sumIf(window_s, los = 'B') / 3600 AS los_b_hours,
  sumIf(window_s, los = 'C') / 3600 AS los_c_hours,
  sumIf(window_s, los = 'D') / 3600 AS los_d_hours,
  sumIf(window_s, los = 'E') / 3600 AS los_e_hours,
  sumIf(window_s, los = 'F') / 3600 AS los_f_hours,
  sum(vehicles) AS vehicles
FROM traffic_segment_windows
WHERE window_s = 300
GROUP BY scenario_id, venue_zone, hour;

-- What plan B changes against plan A, per zone and hour: every ordered pair of scenarios.
CREATE VIEW IF NOT EXISTS traffic_scenario_comparison AS
SELECT
  a.scenario_id AS base_scenario_id,
  b.scenario_id AS plan_scenario_id,
  a.venue_zone AS venue_zone,
  a.hour AS hour,
  a.delay_veh_h AS base_delay_veh_h,
  b.delay_veh_h AS plan_delay_veh_h,
  b.delay_veh_h - a.delay_veh_h AS delay_change_veh_h,
  a.los_f_hours AS base_los_f_hours,
  b.los_f_hours AS plan_los_f_hours,
  b.los_f_hours - a.los_f_hours AS los_f_hours_change,
  (b.los_e_hours + b.los_f_hours) - (a.los_e_hours + a.los_f_hours) AS los_e_or_f_hours_change
FROM traffic_zone_hourly AS a
INNER JOIN traffic_zone_hourly AS b ON a.venue_zone = b.venue_zone AND a.hour = b.hour
WHERE a.scenario_id != b.scenario_id;
