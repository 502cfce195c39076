-- Broadcast feed telemetry (processors/telemetry/topology.ts). Applied by `stadion run telemetry` on start,
-- idempotently. non_replicated_deduplication_window lets ClickHouse honour the engine's deduplication
-- tokens, so a replay after a crash or a rebalance changes no row (and, the source block being dropped,
-- pushes nothing twice into the materialized views).

CREATE TABLE IF NOT EXISTS telemetry_feeds (
  feed_id String COMMENT 'Feed (video channel) id',
  venue LowCardinality(String) COMMENT 'Venue the feed comes from',
  event LowCardinality(String) COMMENT 'Competition (sport) the feed covers',
  channel LowCardinality(String) COMMENT 'Channel: MLT (multilateral), CAM-n, ISO-..., CLEAN',
  nominal_bitrate_kbps Float64 COMMENT 'Encoder bitrate setting, kilobits per second',
  resolution LowCardinality(String) COMMENT 'Video resolution, e.g. 1920x1080',
  codec LowCardinality(String) COMMENT 'Video codec, e.g. hevc',
  updated_at DateTime64(3) COMMENT 'Kafka timestamp of the catalogue entry, UTC; the latest wins'
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY feed_id
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS telemetry_samples (
  feed_id LowCardinality(String) COMMENT 'Feed id',
  broadcaster_id LowCardinality(String) COMMENT 'Receiving broadcaster id',
  pop_id LowCardinality(String) COMMENT 'Point of presence delivering the feed to the broadcaster',
  event_time DateTime64(3) COMMENT 'End of the stats interval, UTC',
  interval_ms UInt32 COMMENT 'Length of the stats interval, ms',
  rtt_ms Float64 COMMENT 'Round-trip time, ms (SRT msRTT)',
  latency_ms Float64 COMMENT 'End-to-end transport latency, ms',
  packets_sent UInt64 COMMENT 'Original packets sent in the interval',
  packets_received UInt64 COMMENT 'Packets received in the interval, retransmissions included',
  packets_lost UInt64 COMMENT 'Packets detected lost in the interval',
  packets_retransmitted UInt64 COMMENT 'Packets retransmitted in the interval',
  packets_dropped UInt64 COMMENT 'Packets dropped as too late (never recovered) in the interval',
  send_rate_mbps Float64 COMMENT 'Sending rate, megabits per second',
  receive_buffer_ms Float64 COMMENT 'Receive buffer (SRT latency), ms',
  bandwidth_estimate_mbps Float64 COMMENT 'Estimated link bandwidth, megabits per second',
  video_bitrate_kbps Float64 COMMENT 'Video bitrate received, kilobits per second',
  frames_dropped UInt32 COMMENT 'Video frames dropped in the interval',
  cc_errors UInt32 COMMENT 'TS continuity-count errors in the interval',
  ts_p1_errors UInt32 COMMENT 'TR 101 290 priority-1 errors in the interval (CC, sync, PAT/PMT)',
  ts_p2_errors UInt32 COMMENT 'TR 101 290 priority-2 errors in the interval (PCR/PTS repetition)'
) ENGINE = MergeTree
PARTITION BY toYYYYMMDD(event_time)
ORDER BY (feed_id, broadcaster_id, event_time)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS telemetry_windows_10s (
  feed_id LowCardinality(String) COMMENT 'Feed id',
  broadcaster_id LowCardinality(String) COMMENT 'Broadcaster id',
  pop_id LowCardinality(String) COMMENT 'Point of presence',
  window_start DateTime64(3) COMMENT 'Window start, inclusive, UTC',
  window_end DateTime64(3) COMMENT 'Window end, exclusive, UTC',
  samples UInt32 COMMENT 'Samples in the window',
  packets_sent UInt64 COMMENT 'Original packets sent',
  packets_lost UInt64 COMMENT 'Packets detected lost',
  packets_retransmitted UInt64 COMMENT 'Packets retransmitted',
  packets_dropped UInt64 COMMENT 'Packets never recovered',
  loss_ratio Float64 COMMENT 'packets_lost / packets_sent',
  retransmission_ratio Float64 COMMENT 'packets_retransmitted / packets_sent',
  drop_ratio Float64 COMMENT 'packets_dropped / packets_sent',
  rtt_ms_p50 Nullable(Float64) COMMENT 'Median RTT, ms (sketch, within 1 % of the exact lower quantile)',
  rtt_ms_p95 Nullable(Float64) COMMENT '95th percentile RTT, ms (sketch, 1 %)',
  rtt_ms_p99 Nullable(Float64) COMMENT '99th percentile RTT, ms (sketch, 1 %)',
  rtt_ms_max Nullable(Float64) COMMENT 'Highest RTT, ms (exact)',
  latency_ms_p50 Nullable(Float64) COMMENT 'Median latency, ms (sketch, 1 %)',
  latency_ms_p95 Nullable(Float64) COMMENT '95th percentile latency, ms (sketch, 1 %)',
  latency_ms_p99 Nullable(Float64) COMMENT '99th percentile latency, ms (sketch, 1 %)',
  latency_ms_max Nullable(Float64) COMMENT 'Highest latency, ms (exact)',
  bitrate_min_kbps Nullable(Float64) COMMENT 'Lowest video bitrate of a sample, kbps',
  bitrate_mean_kbps Nullable(Float64) COMMENT 'Mean video bitrate over the samples, kbps',
  bandwidth_min_mbps Nullable(Float64) COMMENT 'Lowest bandwidth estimate, Mbps',
  frames_dropped UInt64 COMMENT 'Video frames dropped',
  cc_errors UInt64 COMMENT 'TS continuity-count errors',
  ts_p1_errors UInt64 COMMENT 'TR 101 290 priority-1 errors',
  ts_p2_errors UInt64 COMMENT 'TR 101 290 priority-2 errors',
  breaching_samples UInt32 COMMENT 'Samples breaching an SLA condition',
  reasons Array(LowCardinality(String)) COMMENT 'Conditions in at least half of the breaching samples',
  breaching_fraction Float64 COMMENT 'breaching_samples / samples',
  verdict LowCardinality(String) COMMENT 'breach, clean or hold (decides nothing) for the SLA',
  in_alert UInt8 COMMENT '1 when an SLA alert is open for the pair after this window'
) ENGINE = MergeTree
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (feed_id, broadcaster_id, window_start)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS telemetry_windows_1m (
  feed_id LowCardinality(String) COMMENT 'Feed id',
  broadcaster_id LowCardinality(String) COMMENT 'Broadcaster id',
  pop_id LowCardinality(String) COMMENT 'Point of presence',
  window_start DateTime64(3) COMMENT 'Window start, inclusive, UTC (windows hop by 10 s)',
  window_end DateTime64(3) COMMENT 'Window end, exclusive, UTC',
  samples UInt32 COMMENT 'Samples in the window',
  packets_sent UInt64 COMMENT 'Original packets sent',
  packets_lost UInt64 COMMENT 'Packets detected lost',
  packets_retransmitted UInt64 COMMENT 'Packets retransmitted',
  packets_dropped UInt64 COMMENT 'Packets never recovered',
  loss_ratio Float64 COMMENT 'packets_lost / packets_sent',
  retransmission_ratio Float64 COMMENT 'packets_retransmitted / packets_sent',
  drop_ratio Float64 COMMENT 'packets_dropped / packets_sent',
  rtt_ms_p50 Nullable(Float64) COMMENT 'Median RTT, ms (sketch, 1 %)',
  rtt_ms_p95 Nullable(Float64) COMMENT '95th percentile RTT, ms (sketch, 1 %)',
  rtt_ms_p99 Nullable(Float64) COMMENT '99th percentile RTT, ms (sketch, 1 %)',
  rtt_ms_max Nullable(Float64) COMMENT 'Highest RTT, ms',
  latency_ms_p50 Nullable(Float64) COMMENT 'Median latency, ms (sketch, 1 %)',
  latency_ms_p95 Nullable(Float64) COMMENT '95th percentile latency, ms (sketch, 1 %)',
  latency_ms_p99 Nullable(Float64) COMMENT '99th percentile latency, ms (sketch, 1 %)',
  latency_ms_max Nullable(Float64) COMMENT 'Highest latency, ms',
  bitrate_min_kbps Nullable(Float64) COMMENT 'Lowest video bitrate, kbps',
  bitrate_mean_kbps Nullable(Float64) COMMENT 'Mean video bitrate, kbps',
  bandwidth_min_mbps Nullable(Float64) COMMENT 'Lowest bandwidth estimate, Mbps',
  frames_dropped UInt64 COMMENT 'Video frames dropped',
  cc_errors UInt64 COMMENT 'TS continuity-count errors',
  ts_p1_errors UInt64 COMMENT 'TR 101 290 priority-1 errors',
  ts_p2_errors UInt64 COMMENT 'TR 101 290 priority-2 errors',
  breaching_samples UInt32 COMMENT 'Samples breaching an SLA condition',
  reasons Array(LowCardinality(String)) COMMENT 'Conditions in at least half of the breaching samples'
) ENGINE = MergeTree
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (feed_id, broadcaster_id, window_start)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS telemetry_alerts (
  alert_id String COMMENT 'feed_id/broadcaster_id/breach start ms; shared by the opened and cleared rows',
  kind LowCardinality(String) COMMENT 'opened or cleared',
  feed_id LowCardinality(String) COMMENT 'Feed id',
  broadcaster_id LowCardinality(String) COMMENT 'Broadcaster id',
  pop_id LowCardinality(String) COMMENT 'Point of presence',
  breach_start DateTime64(3) COMMENT 'Start of the first breaching window, UTC',
  window_start DateTime64(3) COMMENT 'Start of the deciding window, UTC',
  window_end DateTime64(3) COMMENT 'End of the deciding window (the event time of the alert), UTC',
  reasons Array(LowCardinality(String)) COMMENT 'Conditions breached (opened rows)',
  breaching_fraction Float64 COMMENT 'Share of the deciding window samples that breached',
  loss_ratio Float64 COMMENT 'Loss ratio of the deciding window',
  rtt_p95_ms Float64 COMMENT '95th percentile RTT of the deciding window, ms',
  windows_in_breach UInt32 COMMENT 'Windows from the first breaching one to the deciding one that were not clean'
) ENGINE = MergeTree
ORDER BY (feed_id, broadcaster_id, breach_start, kind)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS telemetry_incidents (
  incident_id String COMMENT 'scope:scope_id:started ms',
  scope LowCardinality(String) COMMENT 'Root scope: pop, feed, broadcaster, or pair (nothing shared)',
  scope_id String COMMENT 'The POP, feed or broadcaster id (pair: feed_id/broadcaster_id)',
  started_at DateTime64(3) COMMENT 'Earliest breach start of its alerts, UTC',
  detected_at DateTime64(3) COMMENT 'Event time the correlation decided it (last opening + cluster gap), UTC',
  pop_ids Array(LowCardinality(String)) COMMENT 'POPs of its alerts',
  alerts UInt32 COMMENT 'Alerts (feed x broadcaster pairs) in the incident',
  feeds UInt32 COMMENT 'Distinct feeds',
  broadcasters UInt32 COMMENT 'Distinct broadcasters'
) ENGINE = MergeTree
ORDER BY (started_at, incident_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS telemetry_incident_members (
  incident_id String COMMENT 'Incident id',
  scope LowCardinality(String) COMMENT 'Root scope of the incident',
  alert_id String COMMENT 'Alert id (telemetry_alerts.alert_id)',
  feed_id LowCardinality(String) COMMENT 'Feed id',
  broadcaster_id LowCardinality(String) COMMENT 'Broadcaster id',
  pop_id LowCardinality(String) COMMENT 'Point of presence',
  breach_start DateTime64(3) COMMENT 'Breach start of the alert, UTC'
) ENGINE = MergeTree
ORDER BY (incident_id, feed_id, broadcaster_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- Hourly rollup per pair for long ranges (days, the whole Games): merge the states with -Merge.
CREATE TABLE IF NOT EXISTS telemetry_rollup_1h (
  hour DateTime COMMENT 'Hour, UTC',
  feed_id LowCardinality(String) COMMENT 'Feed id',
  broadcaster_id LowCardinality(String) COMMENT 'Broadcaster id',
  pop_id LowCardinality(String) COMMENT 'Point of presence',
  windows SimpleAggregateFunction(sum, UInt64) COMMENT '10 s windows with samples',
  windows_in_alert SimpleAggregateFunction(sum, UInt64) COMMENT '10 s windows with an alert open',
  samples SimpleAggregateFunction(sum, UInt64) COMMENT 'Samples',
  packets_sent SimpleAggregateFunction(sum, UInt64) COMMENT 'Original packets sent',
  packets_lost SimpleAggregateFunction(sum, UInt64) COMMENT 'Packets detected lost',
  packets_retransmitted SimpleAggregateFunction(sum, UInt64) COMMENT 'Packets retransmitted',
  packets_dropped SimpleAggregateFunction(sum, UInt64) COMMENT 'Packets never recovered',
  frames_dropped SimpleAggregateFunction(sum, UInt64) COMMENT 'Video frames dropped',
  ts_p1_errors SimpleAggregateFunction(sum, UInt64) COMMENT 'TR 101 290 priority-1 errors',
  bitrate_min_kbps AggregateFunction(min, Float64) COMMENT 'Lowest video bitrate: minMerge',
  rtt_p95_ms AggregateFunction(quantileTDigest(0.95), Float64) COMMENT 'Typical 10 s window RTT p95 over the hour: quantileTDigestMerge(0.95)',
  rtt_max_ms AggregateFunction(max, Float64) COMMENT 'Highest RTT: maxMerge'
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (feed_id, broadcaster_id, pop_id, hour)
-- Replayed inserts into telemetry_windows_10s reach the view again: deduplicated here by their token
-- (deduplicate_blocks_in_dependent_materialized_views, set on every insert).
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS telemetry_rollup_1h_mv TO telemetry_rollup_1h AS
SELECT
  toStartOfHour(window_start) AS hour,
  feed_id,
  broadcaster_id,
  pop_id,
  toUInt64(count()) AS windows,
  toUInt64(sum(in_alert)) AS windows_in_alert,
  toUInt64(sum(samples)) AS samples,
  sum(packets_sent) AS packets_sent,
  sum(packets_lost) AS packets_lost,
  sum(packets_retransmitted) AS packets_retransmitted,
  sum(packets_dropped) AS packets_dropped,
  sum(frames_dropped) AS frames_dropped,
  sum(ts_p1_errors) AS ts_p1_errors,
  minState(ifNull(bitrate_min_kbps, 0)) AS bitrate_min_kbps,
  quantileTDigestState(0.95)(ifNull(rtt_ms_p95, 0)) AS rtt_p95_ms,
  maxState(ifNull(rtt_ms_max, 0)) AS rtt_max_ms
FROM telemetry_windows_10s
GROUP BY hour, feed_id, broadcaster_id, pop_id;

-- Per broadcaster and day: availability (share of 10 s windows without an open alert), minutes in
-- breach, alerts opened, and the three feeds with the most minutes in breach.
CREATE VIEW IF NOT EXISTS telemetry_broadcaster_scorecard AS
SELECT
  broadcaster_id,
  day,
  round(100 * (1 - sum(windows_in_alert) / sum(windows)), 3) AS availability_pct,
  round(sum(windows_in_alert) * 10 / 60, 2) AS minutes_in_breach,
  round(sum(packets_lost) / greatest(sum(packets_sent), 1), 6) AS loss_ratio,
  arraySlice(arrayFilter(x -> x.2 > 0, arraySort(x -> -x.2, groupArray((feed_id, round(windows_in_alert * 10 / 60, 2))))), 1, 3) AS worst_feeds
FROM
(
  SELECT broadcaster_id, feed_id, toDate(hour) AS day,
    sum(windows) AS windows, sum(windows_in_alert) AS windows_in_alert,
    sum(packets_sent) AS packets_sent, sum(packets_lost) AS packets_lost
  FROM telemetry_rollup_1h
  GROUP BY broadcaster_id, feed_id, day
)
GROUP BY broadcaster_id, day
ORDER BY day, availability_pct;

-- Per POP and minute: pairs reporting, pairs in alert, loss, RTT.
CREATE VIEW IF NOT EXISTS telemetry_pop_health AS
SELECT
  pop_id,
  toStartOfMinute(window_start) AS minute,
  uniqExact(feed_id, broadcaster_id) AS pairs,
  uniqExactIf((feed_id, broadcaster_id), in_alert = 1) AS pairs_in_alert,
  round(sum(packets_lost) / greatest(sum(packets_sent), 1), 6) AS loss_ratio,
  round(sum(packets_dropped) / greatest(sum(packets_sent), 1), 6) AS drop_ratio,
  round(quantileExact(0.5)(rtt_ms_p50), 2) AS rtt_ms_p50,
  round(max(rtt_ms_p99), 2) AS rtt_ms_p99_max
FROM telemetry_windows_10s
GROUP BY pop_id, minute
ORDER BY pop_id, minute;

-- Incidents with their end (the last alert of theirs cleared) and duration; open ones have no end.
CREATE VIEW IF NOT EXISTS telemetry_incident_timeline AS
SELECT
  i.incident_id AS incident_id,
  i.scope AS scope,
  i.scope_id AS scope_id,
  i.started_at AS started_at,
  i.detected_at AS detected_at,
  c.ended_at AS ended_at,
  if(c.cleared = i.alerts, round(dateDiff('millisecond', i.started_at, c.ended_at) / 1000, 1), NULL) AS duration_s,
  i.alerts AS alerts,
  c.cleared AS alerts_cleared,
  i.feeds AS feeds,
  i.broadcasters AS broadcasters,
  i.pop_ids AS pop_ids
FROM telemetry_incidents AS i
LEFT JOIN
(
  SELECT m.incident_id AS incident_id, max(a.window_end) AS ended_at, count() AS cleared
  FROM telemetry_incident_members AS m
  INNER JOIN telemetry_alerts AS a ON a.alert_id = m.alert_id AND a.kind = 'cleared'
  GROUP BY m.incident_id
) AS c ON c.incident_id = i.incident_id
ORDER BY started_at;
