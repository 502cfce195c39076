-- Tables of the engine's example topology (processors/demo/readings.ts).
-- non_replicated_deduplication_window makes ClickHouse honour the engine's insert_deduplication_token,
-- so a batch replayed after a crash or a rebalance changes no row.

CREATE TABLE IF NOT EXISTS demo_reading_windows (
  sensor_id LowCardinality(String) COMMENT 'Sensor id (the Kafka key)',
  window_start DateTime64(3) COMMENT 'Window start, inclusive, UTC',
  window_end DateTime64(3) COMMENT 'Window end, exclusive, UTC',
  readings UInt64 COMMENT 'Readings in the window',
  mean_speed_mps Float64 COMMENT 'Mean speed, metres per second',
  max_speed_mps Float64 COMMENT 'Highest speed, metres per second'
) ENGINE = MergeTree
ORDER BY (sensor_id, window_start)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS demo_reading_peaks (
  sensor_id LowCardinality(String) COMMENT 'Sensor id',
  sequence UInt64 COMMENT 'Sequence number of the reading that set the best',
  event_time DateTime64(3) COMMENT 'Event time of that reading, UTC',
  speed_mps Float64 COMMENT 'The new personal best, metres per second'
) ENGINE = MergeTree
ORDER BY (sensor_id, sequence)
SETTINGS non_replicated_deduplication_window = 10000;
