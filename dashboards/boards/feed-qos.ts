/**
 * Feed QoS board: SLA status of every (feed, broadcaster) pair, the alerts timeline and the alerts,
 * incidents with their root scope, the worst feeds, and the health of each point of presence (POP).
 */
import { anyInSelection, clickhouseQuery, clickhouseVariable, inSelection } from '../shared/clickhouse.ts';
import {
  FULL_WIDTH,
  barGaugePanel,
  board,
  statPanel,
  tablePanel,
  timeSeriesPanel,
  valueColours,
  type Dashboard,
} from '../shared/panels.ts';

/** The pairs the variables select (feed, broadcaster, POP), for tables with those three columns. */
export const PAIR_FILTER = [
  inSelection('feed_id', 'feed'),
  inSelection('broadcaster_id', 'broadcaster'),
  inSelection('pop_id', 'pop'),
].join(' AND ');

const WINDOWS = `telemetry_windows_10s WHERE $__timeFilter_ms(window_start) AND ${PAIR_FILTER}`;

export const VERDICT_COLOURS = { clean: 'green', hold: 'orange', breach: 'red' } as const;

export function feedQosBoard(): Dashboard {
  return board({
    uid: 'stadion-feed-qos',
    title: 'Stadion: feed QoS',
    description:
      'Broadcast feed delivery: SLA status per feed and broadcaster from 10 s windows, SLA alerts, incidents and POP health.',
    tags: ['telemetry', 'feeds'],
    time: { from: 'now-30m', to: 'now' },
    refresh: '10s',
  })
    .withVariable(
      clickhouseVariable({
        name: 'broadcaster',
        label: 'Broadcaster',
        multi: true,
        sql: `SELECT DISTINCT broadcaster_id FROM telemetry_windows_10s WHERE $__timeFilter_ms(window_start) ORDER BY broadcaster_id`,
      }),
    )
    .withVariable(
      clickhouseVariable({
        name: 'pop',
        label: 'POP',
        multi: true,
        sql: `SELECT DISTINCT pop_id FROM telemetry_windows_10s WHERE $__timeFilter_ms(window_start) ORDER BY pop_id`,
      }),
    )
    .withVariable(
      clickhouseVariable({
        name: 'feed',
        label: 'Feed',
        multi: true,
        sql: `SELECT DISTINCT feed_id FROM telemetry_windows_10s WHERE $__timeFilter_ms(window_start) ORDER BY feed_id`,
      }),
    )
    .withPanel(
      statPanel({
        title: 'Pairs in alert',
        description: 'Feed x broadcaster pairs whose latest window in the range has an SLA alert open.',
        decimals: 0,
        thresholds: { base: 'green', steps: [[1, 'red']] },
        targets: [
          clickhouseQuery({
            columns: ['pairs_in_alert'],
            sql: `
SELECT countIf(alerting = 1) AS pairs_in_alert
FROM (SELECT feed_id, broadcaster_id, argMax(in_alert, window_start) AS alerting FROM ${WINDOWS} GROUP BY feed_id, broadcaster_id)`,
          }),
        ],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Pairs reporting',
        description: 'Feed x broadcaster pairs with samples in the range.',
        decimals: 0,
        targets: [
          clickhouseQuery({
            columns: ['pairs'],
            sql: `SELECT uniqExact(feed_id, broadcaster_id) AS pairs FROM ${WINDOWS}`,
          }),
        ],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Packet loss',
        description: 'Packets detected lost over packets sent, all selected pairs.',
        unit: 'percentunit',
        decimals: 3,
        thresholds: {
          base: 'green',
          steps: [
            [0.001, 'orange'],
            [0.01, 'red'],
          ],
        },
        targets: [
          clickhouseQuery({
            columns: ['loss_ratio'],
            sql: `SELECT sum(packets_lost) / greatest(sum(packets_sent), 1) AS loss_ratio FROM ${WINDOWS}`,
          }),
        ],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Incidents',
        description:
          'Correlated incidents (one root cause: a POP, a feed, a broadcaster) started in the range.',
        decimals: 0,
        thresholds: { base: 'green', steps: [[1, 'red']] },
        targets: [
          clickhouseQuery({
            columns: ['incidents'],
            sql: `
SELECT count() AS incidents FROM telemetry_incident_timeline
WHERE $__timeFilter_ms(started_at) AND ${anyInSelection('pop_ids', 'pop')}`,
          }),
        ],
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Alerts timeline',
        description: 'Pairs with an SLA alert open, per POP.',
        width: FULL_WIDTH,
        decimals: 0,
        targets: [
          clickhouseQuery({
            queryType: 'timeseries',
            columns: ['time', 'pop_id', 'pairs_in_alert'],
            sql: `
SELECT $__timeInterval_ms(window_start) AS time, pop_id, uniqExactIf((feed_id, broadcaster_id), in_alert = 1) AS pairs_in_alert
FROM ${WINDOWS}
GROUP BY time, pop_id
ORDER BY time, pop_id`,
          }),
        ],
      }),
    )
    .withPanel(
      tablePanel({
        title: 'SLA status',
        description:
          'The latest 10 s window of each pair in the range: verdict (breach, hold, clean), alert state and the measures behind it.',
        width: FULL_WIDTH,
        height: 12,
        targets: [
          clickhouseQuery({
            columns: [
              'feed_id',
              'broadcaster_id',
              'pop_id',
              'verdict',
              'in_alert',
              'loss_ratio',
              'rtt_ms_p95',
              'latency_ms_p95',
              'bitrate_mean_kbps',
              'reasons',
              'updated',
            ],
            sql: `
SELECT feed_id, broadcaster_id, pop AS pop_id, last_verdict AS verdict, alerting AS in_alert, last_loss AS loss_ratio,
  last_rtt AS rtt_ms_p95, last_latency AS latency_ms_p95, last_bitrate AS bitrate_mean_kbps, last_reasons AS reasons, updated
FROM (
  SELECT feed_id, broadcaster_id, argMax(pop_id, window_start) AS pop, argMax(verdict, window_start) AS last_verdict,
    argMax(in_alert, window_start) AS alerting, round(argMax(loss_ratio, window_start), 5) AS last_loss,
    round(argMax(rtt_ms_p95, window_start), 1) AS last_rtt, round(argMax(latency_ms_p95, window_start), 1) AS last_latency,
    round(argMax(bitrate_mean_kbps, window_start)) AS last_bitrate,
    arrayStringConcat(argMax(reasons, window_start), ', ') AS last_reasons, max(window_start) AS updated
  FROM ${WINDOWS}
  GROUP BY feed_id, broadcaster_id
)
ORDER BY in_alert DESC, verdict = 'breach' DESC, loss_ratio DESC, feed_id, broadcaster_id
LIMIT 500`,
          }),
        ],
      }).overrideByName('verdict', valueColours(VERDICT_COLOURS)),
    )
    .withPanel(
      barGaugePanel({
        title: 'Worst feeds',
        description: 'Minutes with an SLA alert open per feed, summed over its broadcasters; the ten worst.',
        unit: 'm',
        decimals: 1,
        thresholds: {
          base: 'green',
          steps: [
            [0.5, 'orange'],
            [5, 'red'],
          ],
        },
        targets: [
          clickhouseQuery({
            columns: ['feed_id', 'minutes_in_alert'],
            sql: `
SELECT feed_id, round(countIf(in_alert = 1) * 10 / 60, 2) AS minutes_in_alert
FROM ${WINDOWS}
GROUP BY feed_id
ORDER BY minutes_in_alert DESC, feed_id
LIMIT 10`,
          }),
        ],
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'POP health: packet loss',
        description: 'Loss ratio per point of presence and minute, over every pair it delivers.',
        unit: 'percentunit',
        thresholds: {
          base: 'green',
          steps: [
            [0.001, 'orange'],
            [0.01, 'red'],
          ],
        },
        targets: [
          clickhouseQuery({
            queryType: 'timeseries',
            columns: ['time', 'pop_id', 'loss_ratio'],
            sql: `
SELECT minute AS time, pop_id, loss_ratio
FROM telemetry_pop_health
WHERE $__timeFilter(minute) AND ${inSelection('pop_id', 'pop')}
ORDER BY time, pop_id`,
          }),
        ],
      }),
    )
    .withPanel(
      tablePanel({
        title: 'POP health',
        description:
          'Per POP over the range: pairs, pairs that were in alert, loss, drops and the worst RTT p99.',
        targets: [
          clickhouseQuery({
            columns: ['pop_id', 'pairs', 'pairs_in_alert', 'loss_ratio', 'drop_ratio', 'rtt_ms_p99_max'],
            sql: `
SELECT pop_id, max(pairs) AS pairs, max(pairs_in_alert) AS pairs_in_alert, round(avg(loss_ratio), 6) AS loss_ratio,
  round(avg(drop_ratio), 6) AS drop_ratio, max(rtt_ms_p99_max) AS rtt_ms_p99_max
FROM telemetry_pop_health
WHERE $__timeFilter(minute) AND ${inSelection('pop_id', 'pop')}
GROUP BY pop_id
ORDER BY pairs_in_alert DESC, pop_id`,
          }),
        ],
      }),
    )
    .withPanel(
      tablePanel({
        title: 'SLA alerts',
        description: 'Alerts opened and cleared in the range, newest first, with the conditions breached.',
        width: FULL_WIDTH,
        targets: [
          clickhouseQuery({
            columns: [
              'time',
              'kind',
              'feed_id',
              'broadcaster_id',
              'pop_id',
              'breach_start',
              'reasons',
              'loss_ratio',
              'rtt_p95_ms',
            ],
            sql: `
SELECT window_end AS time, kind, feed_id, broadcaster_id, pop_id, breach_start, arrayStringConcat(reasons, ', ') AS reasons,
  round(loss_ratio, 5) AS loss_ratio, round(rtt_p95_ms, 1) AS rtt_p95_ms
FROM telemetry_alerts
WHERE $__timeFilter_ms(window_end) AND ${PAIR_FILTER}
ORDER BY time DESC
LIMIT 500`,
          }),
        ],
      }).overrideByName('kind', valueColours({ opened: 'red', cleared: 'green' })),
    )
    .withPanel(
      tablePanel({
        title: 'Incidents',
        description:
          'Alerts correlated by their shared cause (POP, feed or broadcaster), with when they started, were detected and ended.',
        width: FULL_WIDTH,
        targets: [
          clickhouseQuery({
            columns: [
              'started_at',
              'scope',
              'scope_id',
              'detected_at',
              'ended_at',
              'duration_s',
              'alerts',
              'feeds',
              'broadcasters',
              'pops',
            ],
            sql: `
SELECT started_at, scope, scope_id, detected_at, ended_at, duration_s, alerts, feeds, broadcasters,
  arrayStringConcat(pop_ids, ', ') AS pops
FROM telemetry_incident_timeline
WHERE $__timeFilter_ms(started_at) AND ${anyInSelection('pop_ids', 'pop')}
ORDER BY started_at DESC`,
          }),
        ],
      }),
    )
    .build();
}
