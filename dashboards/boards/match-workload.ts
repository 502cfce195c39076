/** Match workload board: distance, high-speed running and sprints per player, minute by minute. */
import { clickhouseQuery, clickhouseVariable, inSelection, sqlString } from '../shared/clickhouse.ts';
import {
  FULL_WIDTH,
  barGaugePanel,
  board,
  statPanel,
  tablePanel,
  timeSeriesPanel,
  type Dashboard,
} from '../shared/panels.ts';

const PLAYER_FILTER = inSelection('athlete_id', 'athlete');
const SESSION = sqlString('session');
const MATCH_FILTER = `session_id = ${SESSION} AND $__timeFilter_ms(minute_start) AND ${PLAYER_FILTER}`;

export function matchWorkloadBoard(): Dashboard {
  return board({
    uid: 'stadion-match-workload',
    title: 'Stadion: match workload',
    description: 'Per-player workload of one match from the tracking feed, in closed one-minute windows.',
    tags: ['tracking', 'match'],
    time: { from: 'now-3h', to: 'now' },
    refresh: '30s',
  })
    .withVariable(
      clickhouseVariable({
        name: 'session',
        label: 'Match',
        sql: `SELECT DISTINCT session_id FROM tracking_workload_minutes WHERE $__timeFilter_ms(minute_start) ORDER BY session_id`,
      }),
    )
    .withVariable(
      clickhouseVariable({
        name: 'athlete',
        label: 'Player',
        multi: true,
        sql: `SELECT DISTINCT athlete_id FROM tracking_workload_minutes WHERE session_id = ${SESSION} ORDER BY athlete_id`,
      }),
    )
    .withPanel(
      statPanel({
        title: 'Total distance',
        description: 'Distance covered by the selected players, all closed minutes.',
        unit: 'lengthm',
        decimals: 0,
        targets: [
          clickhouseQuery({
            columns: ['distance_m'],
            sql: `SELECT sum(distance_m) AS distance_m FROM tracking_workload_minutes WHERE ${MATCH_FILTER}`,
          }),
        ],
      }),
    )
    .withPanel(
      statPanel({
        title: 'High-speed distance',
        description: 'Distance above 5.5 m/s by the selected players.',
        unit: 'lengthm',
        decimals: 0,
        targets: [
          clickhouseQuery({
            columns: ['high_speed_distance_m'],
            sql: `SELECT sum(high_speed_distance_m) AS high_speed_distance_m FROM tracking_workload_minutes WHERE ${MATCH_FILTER}`,
          }),
        ],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Sprints',
        description: 'Sprints (above 7 m/s for at least 1 s) by the selected players.',
        decimals: 0,
        targets: [
          clickhouseQuery({
            columns: ['sprints'],
            sql: `SELECT sum(sprint_count) AS sprints FROM tracking_workload_minutes WHERE ${MATCH_FILTER}`,
          }),
        ],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Minutes played',
        description: 'Closed one-minute windows so far (the latest minute appears once it is complete).',
        decimals: 0,
        targets: [
          clickhouseQuery({
            columns: ['minutes'],
            sql: `SELECT uniqExact(minute_index) AS minutes FROM tracking_workload_minutes WHERE ${MATCH_FILTER}`,
          }),
        ],
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Distance per minute',
        description:
          'Metres covered in each minute, per player. Above 200 m a minute is very high intensity.',
        unit: 'lengthm',
        width: FULL_WIDTH,
        thresholds: { base: 'green', steps: [[200, 'red']] },
        targets: [
          clickhouseQuery({
            queryType: 'timeseries',
            columns: ['time', 'athlete_id', 'distance_m'],
            sql: `
SELECT minute_start AS time, athlete_id, distance_m
FROM tracking_workload_minutes
WHERE ${MATCH_FILTER}
ORDER BY time, athlete_id`,
          }),
        ],
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'High-speed distance per minute',
        description: 'Metres above 5.5 m/s in each minute, per player.',
        unit: 'lengthm',
        targets: [
          clickhouseQuery({
            queryType: 'timeseries',
            columns: ['time', 'athlete_id', 'high_speed_distance_m'],
            sql: `
SELECT minute_start AS time, athlete_id, high_speed_distance_m
FROM tracking_workload_minutes
WHERE ${MATCH_FILTER}
ORDER BY time, athlete_id`,
          }),
        ],
      }),
    )
    .withPanel(
      barGaugePanel({
        title: 'Sprint leaderboard',
        description: 'Sprints per player, most first.',
        decimals: 0,
        targets: [
          clickhouseQuery({
            columns: ['athlete_id', 'sprints'],
            sql: `
SELECT athlete_id, sum(sprint_count) AS sprints
FROM tracking_workload_minutes
WHERE ${MATCH_FILTER}
GROUP BY athlete_id
ORDER BY sprints DESC, athlete_id`,
          }),
        ],
      }),
    )
    .withPanel(
      tablePanel({
        title: 'Workload per player',
        description:
          'Totals over the closed minutes; the high-speed share is the part of the distance above 5.5 m/s.',
        width: FULL_WIDTH,
        height: 12,
        targets: [
          clickhouseQuery({
            columns: [
              'athlete_id',
              'minutes',
              'total_distance_m',
              'distance_per_minute_m',
              'total_high_speed_distance_m',
              'high_speed_share_pct',
              'sprints',
            ],
            sql: `
SELECT athlete_id, count() AS minutes, round(sum(distance_m)) AS total_distance_m,
  round(sum(distance_m) / count(), 1) AS distance_per_minute_m,
  round(sum(high_speed_distance_m)) AS total_high_speed_distance_m,
  round(100 * sum(high_speed_distance_m) / greatest(sum(distance_m), 1), 1) AS high_speed_share_pct,
  sum(sprint_count) AS sprints
FROM tracking_workload_minutes
WHERE ${MATCH_FILTER}
GROUP BY athlete_id
ORDER BY total_distance_m DESC`,
          }),
        ],
      }),
    )
    .build();
}
