-- Athlete tracking (processors/tracking/topology.ts). Applied by `stadion run tracking` on start,
-- idempotently. non_replicated_deduplication_window lets ClickHouse honour the engine's deduplication
-- tokens, so a replay after a crash or a rebalance changes no row.

CREATE TABLE IF NOT EXISTS tracking_positions (
  session_id LowCardinality(String) COMMENT 'Session (race, heat or match)',
  athlete_id LowCardinality(String) COMMENT 'Athlete',
  frame_number UInt64 COMMENT 'Camera frame number',
  event_time DateTime64(3) COMMENT 'Capture time of the frame, UTC',
  x_m Float64 COMMENT 'Smoothed x, metres (sprints: from the start line)',
  y_m Float64 COMMENT 'Smoothed y, metres',
  speed_mps Float64 COMMENT 'Smoothed speed, metres per second',
  acceleration_mps2 Float64 COMMENT 'Acceleration along the direction of motion, m/s^2',
  distance_m Float64 COMMENT 'Distance covered, metres',
  top_speed_mps Float64 COMMENT 'Highest speed so far, metres per second'
) ENGINE = MergeTree
PARTITION BY toYYYYMMDD(event_time)
ORDER BY (session_id, athlete_id, event_time)
SETTINGS non_replicated_deduplication_window = 10000;

-- The raw path (`stadion run tracking-raw`, processors/tracking/raw.ts): every detection as the cameras
-- sent it, loaded in bulk (ClickHouse parses the Avro frames). Duplicated frames collapse on merge
-- (query with FINAL for exact counts).
CREATE TABLE IF NOT EXISTS tracking_raw_positions (
  session_id LowCardinality(String) COMMENT 'Session (race, heat or match)',
  athlete_id LowCardinality(String) COMMENT 'Athlete (or ball)',
  frame_number UInt64 COMMENT 'Camera frame number',
  event_time DateTime64(3) COMMENT 'Capture time of the frame, UTC',
  x_m Float64 COMMENT 'Position x as detected, metres (sprints: from the start line)',
  y_m Float64 COMMENT 'Position y as detected, metres',
  z_m Float64 COMMENT 'Height of the body centre as detected, metres',
  confidence Float32 COMMENT 'Detection confidence, 0 to 1'
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMMDD(event_time)
ORDER BY (session_id, athlete_id, frame_number)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS tracking_splits (
  session_id LowCardinality(String) COMMENT 'Session',
  athlete_id LowCardinality(String) COMMENT 'Athlete',
  mark_m UInt16 COMMENT 'Mark crossed, metres from the start line',
  time_s Float64 COMMENT 'Time since the start signal, seconds (interpolated at the crossing)',
  segment_time_s Float64 COMMENT 'Time since the previous mark, seconds',
  segment_speed_mps Float64 COMMENT 'Mean speed over the segment, metres per second',
  crossing_time DateTime64(3) COMMENT 'Event time of the crossing, UTC',
  is_finish UInt8 COMMENT '1 at the finish line'
) ENGINE = MergeTree
ORDER BY (session_id, athlete_id, mark_m)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS tracking_athlete_summary (
  session_id LowCardinality(String) COMMENT 'Session',
  athlete_id LowCardinality(String) COMMENT 'Athlete',
  finish_time_s Float64 COMMENT 'Finish time from the start signal, seconds',
  top_speed_mps Float64 COMMENT 'Top speed, metres per second',
  top_speed_at_m Float64 COMMENT 'Where the top speed was reached, metres from the start line',
  finish_speed_mps Float64 COMMENT 'Speed at the finish line, metres per second',
  deceleration_last_20m_mps Float64 COMMENT 'Speed 20 m before the finish minus speed at the finish, m/s',
  stride_count Nullable(UInt16) COMMENT 'Steps from the start signal to the finish',
  mean_stride_length_m Nullable(Float64) COMMENT 'Mean step length, metres',
  mean_stride_frequency_hz Nullable(Float64) COMMENT 'Mean step frequency, steps per second'
) ENGINE = MergeTree
ORDER BY (session_id, athlete_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS tracking_workload_minutes (
  session_id LowCardinality(String) COMMENT 'Session (match)',
  athlete_id LowCardinality(String) COMMENT 'Player',
  minute_index Int32 COMMENT 'Minute since kick-off, from 0',
  minute_start DateTime64(3) COMMENT 'Start of the minute, UTC',
  distance_m Float64 COMMENT 'Distance covered in the minute, metres',
  high_speed_distance_m Float64 COMMENT 'Distance above 5.5 m/s in the minute, metres',
  sprint_count UInt16 COMMENT 'Sprints (above 7 m/s for at least 1 s) started in the minute'
) ENGINE = MergeTree
ORDER BY (session_id, athlete_id, minute_index)
SETTINGS non_replicated_deduplication_window = 10000;

-- The result of a session, fastest first.
CREATE VIEW IF NOT EXISTS tracking_leaderboard AS
SELECT
  session_id,
  athlete_id,
  rank() OVER (PARTITION BY session_id ORDER BY finish_time_s) AS place,
  round(finish_time_s, 2) AS finish_time_s,
  round(top_speed_mps, 2) AS top_speed_mps,
  round(top_speed_at_m, 1) AS top_speed_at_m,
  round(deceleration_last_20m_mps, 2) AS deceleration_last_20m_mps,
  stride_count
FROM tracking_athlete_summary;

-- The fastest segment times at each mark, across sessions.
CREATE VIEW IF NOT EXISTS tracking_fastest_splits AS
SELECT mark_m, session_id, athlete_id, round(segment_time_s, 3) AS segment_time_s, round(segment_speed_mps, 2) AS segment_speed_mps
FROM tracking_splits
ORDER BY mark_m, segment_time_s;

-- An athlete's results session after session.
CREATE VIEW IF NOT EXISTS tracking_athlete_progression AS
SELECT athlete_id, session_id, finish_time_s, top_speed_mps, stride_count
FROM tracking_athlete_summary
ORDER BY athlete_id, session_id;
