/** Live race board: speed curves per athlete, distance covered, splits, top-speed leaderboard, result. */
import { clickhouseQuery, clickhouseVariable, inSelection, sqlString } from '../shared/clickhouse.ts';
import {
  FULL_WIDTH,
  barGaugePanel,
  board,
  tablePanel,
  timeSeriesPanel,
  type Dashboard,
} from '../shared/panels.ts';

/** Athletes of the chosen race, all of them unless some are picked. */
const ATHLETE_FILTER = inSelection('athlete_id', 'athlete');
const SESSION = sqlString('session');

export function raceBoard(): Dashboard {
  return board({
    uid: 'stadion-race',
    title: 'Stadion: live race',
    description:
      'One sprint race as it runs: speed per athlete, splits at every 10 m, top speeds and the result.',
    tags: ['tracking', 'race'],
    time: { from: 'now-15m', to: 'now' },
    refresh: '5s',
  })
    .withVariable(
      clickhouseVariable({
        name: 'session',
        label: 'Race',
        sql: `SELECT DISTINCT session_id FROM tracking_splits WHERE $__timeFilter_ms(crossing_time) ORDER BY session_id`,
      }),
    )
    .withVariable(
      clickhouseVariable({
        name: 'athlete',
        label: 'Athlete',
        multi: true,
        sql: `SELECT DISTINCT athlete_id FROM tracking_splits WHERE session_id = ${SESSION} ORDER BY athlete_id`,
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Speed per athlete',
        description: 'Smoothed speed (Kalman filter), the highest value in each interval.',
        unit: 'velocityms',
        width: FULL_WIDTH,
        height: 10,
        thresholds: {
          base: 'green',
          steps: [
            [11, 'orange'],
            [12, 'red'],
          ],
        },
        targets: [
          clickhouseQuery({
            queryType: 'timeseries',
            columns: ['time', 'athlete_id', 'speed_mps'],
            sql: `
SELECT $__timeInterval_ms(event_time) AS time, athlete_id, max(speed_mps) AS speed_mps
FROM tracking_positions
WHERE session_id = ${SESSION} AND $__timeFilter_ms(event_time) AND ${ATHLETE_FILTER}
GROUP BY time, athlete_id
ORDER BY time, athlete_id`,
          }),
        ],
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Distance covered',
        description:
          'Metres from the start line per athlete: the gaps between the lines are the gaps in the race.',
        unit: 'lengthm',
        targets: [
          clickhouseQuery({
            queryType: 'timeseries',
            columns: ['time', 'athlete_id', 'distance_m'],
            sql: `
SELECT $__timeInterval_ms(event_time) AS time, athlete_id, max(distance_m) AS distance_m
FROM tracking_positions
WHERE session_id = ${SESSION} AND $__timeFilter_ms(event_time) AND ${ATHLETE_FILTER}
GROUP BY time, athlete_id
ORDER BY time, athlete_id`,
          }),
        ],
      }),
    )
    .withPanel(
      barGaugePanel({
        title: 'Top speed',
        description: 'Highest smoothed speed of each athlete so far, fastest first.',
        unit: 'velocityms',
        decimals: 2,
        thresholds: {
          base: 'blue',
          steps: [
            [11, 'green'],
            [12, 'red'],
          ],
        },
        targets: [
          clickhouseQuery({
            columns: ['athlete_id', 'top_speed_mps'],
            sql: `
SELECT athlete_id, max(top_speed_mps) AS top_speed_mps
FROM tracking_positions
WHERE session_id = ${SESSION} AND $__timeFilter_ms(event_time) AND ${ATHLETE_FILTER}
GROUP BY athlete_id
ORDER BY top_speed_mps DESC`,
          }),
        ],
      }),
    )
    .withPanel(
      tablePanel({
        title: 'Splits',
        description:
          'Every 10 m mark per athlete: time from the gun (interpolated at the crossing), segment time and mean segment speed.',
        width: FULL_WIDTH,
        height: 12,
        targets: [
          clickhouseQuery({
            columns: ['athlete_id', 'mark_m', 'time_s', 'segment_time_s', 'segment_speed_mps'],
            sql: `
SELECT athlete_id, mark_m, round(time_s, 2) AS time_s, round(segment_time_s, 3) AS segment_time_s,
  round(segment_speed_mps, 2) AS segment_speed_mps
FROM tracking_splits
WHERE session_id = ${SESSION} AND $__timeFilter_ms(crossing_time) AND ${ATHLETE_FILTER}
ORDER BY mark_m, time_s`,
          }),
        ],
      }),
    )
    .withPanel(
      tablePanel({
        title: 'Result',
        description:
          'Finish order with finish time, top speed and where it was reached, and the deceleration over the last 20 m.',
        width: FULL_WIDTH,
        targets: [
          clickhouseQuery({
            columns: [
              'place',
              'athlete_id',
              'finish_time_s',
              'top_speed_mps',
              'top_speed_at_m',
              'deceleration_last_20m_mps',
              'stride_count',
            ],
            sql: `
SELECT place, athlete_id, finish_time_s, top_speed_mps, top_speed_at_m, deceleration_last_20m_mps, stride_count
FROM tracking_leaderboard
WHERE session_id = ${SESSION} AND ${ATHLETE_FILTER}
ORDER BY place`,
          }),
        ],
      }),
    )
    .build();
}
