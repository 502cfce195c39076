/**
 * Broadcaster scorecard: per rights-holding broadcaster, availability (share of 10 s windows without
 * an open SLA alert), minutes in breach, alerts and the feeds that hurt most, by day and by hour.
 */
import { clickhouseQuery, clickhouseVariable, inSelection } from '../shared/clickhouse.ts';
import {
  FULL_WIDTH,
  barGaugePanel,
  board,
  tablePanel,
  timeSeriesPanel,
  type Dashboard,
} from '../shared/panels.ts';

const BROADCASTERS = inSelection('broadcaster_id', 'broadcaster');

/** Availability colours: below 99 % red, below 99.9 % orange. */
const AVAILABILITY = {
  base: 'red',
  steps: [
    [99, 'orange'],
    [99.9, 'green'],
  ],
} as const;

export function broadcasterScorecardBoard(): Dashboard {
  return board({
    uid: 'stadion-broadcaster-scorecard',
    title: 'Stadion: broadcaster scorecard',
    description:
      'Delivery quality per broadcaster against the SLA: availability, minutes in breach, alerts, worst feeds.',
    tags: ['telemetry', 'broadcasters'],
    time: { from: 'now-7d', to: 'now' },
    refresh: '1m',
  })
    .withVariable(
      clickhouseVariable({
        name: 'broadcaster',
        label: 'Broadcaster',
        multi: true,
        sql: `SELECT DISTINCT broadcaster_id FROM telemetry_rollup_1h WHERE $__timeFilter(hour) ORDER BY broadcaster_id`,
      }),
    )
    .withPanel(
      barGaugePanel({
        title: 'Availability',
        description: 'Share of 10 s windows without an open SLA alert over the range, worst first.',
        unit: 'percent',
        decimals: 2,
        thresholds: AVAILABILITY,
        targets: [
          clickhouseQuery({
            columns: ['broadcaster_id', 'availability_pct'],
            sql: `
SELECT broadcaster_id, round(100 * (1 - sum(windows_in_alert) / greatest(sum(windows), 1)), 3) AS availability_pct
FROM telemetry_rollup_1h
WHERE $__timeFilter(hour) AND ${BROADCASTERS}
GROUP BY broadcaster_id
ORDER BY availability_pct, broadcaster_id`,
          }),
        ],
      }),
    )
    .withPanel(
      barGaugePanel({
        title: 'SLA alerts opened',
        description: 'Alerts opened per broadcaster in the range (broadcasters without any show 0).',
        decimals: 0,
        thresholds: {
          base: 'green',
          steps: [
            [1, 'orange'],
            [10, 'red'],
          ],
        },
        targets: [
          clickhouseQuery({
            columns: ['broadcaster_id', 'alerts_opened'],
            sql: `
SELECT b.broadcaster_id AS broadcaster_id, a.opened AS alerts_opened
FROM (SELECT DISTINCT broadcaster_id FROM telemetry_rollup_1h WHERE $__timeFilter(hour) AND ${BROADCASTERS}) AS b
LEFT JOIN (
  SELECT broadcaster_id, count() AS opened FROM telemetry_alerts
  WHERE kind = 'opened' AND $__timeFilter_ms(window_end) GROUP BY broadcaster_id
) AS a ON a.broadcaster_id = b.broadcaster_id
ORDER BY alerts_opened DESC, broadcaster_id
SETTINGS join_use_nulls = 0`,
          }),
        ],
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Minutes in breach per hour',
        description: 'Minutes with an SLA alert open, per broadcaster and hour, summed over its feeds.',
        unit: 'm',
        width: FULL_WIDTH,
        targets: [
          clickhouseQuery({
            queryType: 'timeseries',
            columns: ['time', 'broadcaster_id', 'minutes_in_breach'],
            sql: `
SELECT hour AS time, broadcaster_id, round(sum(windows_in_alert) * 10 / 60, 2) AS minutes_in_breach
FROM telemetry_rollup_1h
WHERE $__timeFilter(hour) AND ${BROADCASTERS}
GROUP BY time, broadcaster_id
ORDER BY time, broadcaster_id`,
          }),
        ],
      }),
    )
    .withPanel(
      tablePanel({
        title: 'Daily scorecard',
        description:
          'Per broadcaster and day: availability, minutes in breach, packet loss, and the three feeds with the most minutes in breach.',
        width: FULL_WIDTH,
        height: 12,
        thresholds: AVAILABILITY,
        targets: [
          clickhouseQuery({
            columns: [
              'day',
              'broadcaster_id',
              'availability_pct',
              'minutes_in_breach',
              'loss_ratio',
              'worst_feeds',
            ],
            sql: `
SELECT day, broadcaster_id, availability_pct, minutes_in_breach, loss_ratio,
  arrayStringConcat(arrayMap(f -> concat(f.1, ' (', toString(f.2), ' min)'), worst_feeds), ', ') AS worst_feeds
FROM telemetry_broadcaster_scorecard
WHERE $__dateFilter(day) AND ${BROADCASTERS}
ORDER BY day DESC, availability_pct, broadcaster_id`,
          }),
        ],
      }).overrideByName('availability_pct', [
        { id: 'unit', value: 'percent' },
        { id: 'custom.cellOptions', value: { type: 'color-background' } },
      ]),
    )
    .build();
}
