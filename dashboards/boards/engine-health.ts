/**
 * Engine health from the processors' Prometheus metrics (engine/runtime/metrics.ts): throughput,
 * consumer lag, watermark delay, dead letters, late records, sink latency and retries, state size.
 */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import { PROMETHEUS } from '../shared/datasources.ts';
import { board, statPanel, timeSeriesPanel, type Dashboard } from '../shared/panels.ts';

const SELECTOR = '{topology=~"$topology"}';

function promQuery(expr: string, legend: string, refId = 'A'): prometheus.DataqueryBuilder {
  return new prometheus.DataqueryBuilder()
    .datasource(PROMETHEUS)
    .refId(refId)
    .expr(expr)
    .legendFormat(legend)
    .range();
}

const quantile = (q: number, histogram: string): string =>
  `histogram_quantile(${q}, sum by (le, topology, sink) (rate(${histogram}_bucket${SELECTOR}[$__rate_interval])))`;

export function engineHealthBoard(): Dashboard {
  return board({
    uid: 'stadion-engine-health',
    title: 'Stadion: engine health',
    description: 'The stream processors themselves, from their Prometheus metrics.',
    tags: ['engine', 'operations'],
    time: { from: 'now-1h', to: 'now' },
    refresh: '10s',
  })
    .withVariable(
      new dashboard.QueryVariableBuilder('topology')
        .label('Topology')
        .datasource(PROMETHEUS)
        .query('label_values(stadion_records_in_total, topology)')
        .definition('label_values(stadion_records_in_total, topology)')
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .sort(dashboard.VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true)
        .allValue('.*'),
    )
    .withPanel(
      statPanel({
        title: 'Records in per second',
        description: 'All selected topologies together.',
        unit: 'rps',
        targets: [promQuery(`sum(rate(stadion_records_in_total${SELECTOR}[$__rate_interval]))`, 'in')],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Consumer lag',
        description: 'Records behind the end of the source topics; orange above 10k, red above 100k.',
        unit: 'short',
        thresholds: {
          base: 'green',
          steps: [
            [10_000, 'orange'],
            [100_000, 'red'],
          ],
        },
        targets: [promQuery(`sum(stadion_consumer_lag_records${SELECTOR})`, 'lag')],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Dead letters (range)',
        description: 'Records that could not be processed in the time range; any is worth a look.',
        unit: 'short',
        thresholds: { base: 'green', steps: [[1, 'red']] },
        targets: [
          promQuery(`sum(increase(stadion_dead_letters_total${SELECTOR}[$__range]))`, 'dead letters'),
        ],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Paused partitions',
        description: 'Partitions paused by backpressure while a sink retries.',
        unit: 'short',
        thresholds: { base: 'green', steps: [[1, 'orange']] },
        targets: [promQuery(`sum(stadion_paused_partitions${SELECTOR})`, 'paused')],
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Throughput in',
        description: 'Records read per second, by topology and source topic.',
        unit: 'rps',
        targets: [
          promQuery(
            `sum by (topology, topic) (rate(stadion_records_in_total${SELECTOR}[$__rate_interval]))`,
            '{{topology}} {{topic}}',
          ),
        ],
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Throughput out',
        description: 'Rows and messages acknowledged by sinks per second.',
        unit: 'rps',
        targets: [
          promQuery(
            `sum by (topology, sink) (rate(stadion_records_out_total${SELECTOR}[$__rate_interval]))`,
            '{{topology}} {{sink}}',
          ),
        ],
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Consumer lag by topic',
        description: 'High watermark minus the next offset to process, summed over partitions.',
        unit: 'short',
        thresholds: {
          base: 'green',
          steps: [
            [10_000, 'orange'],
            [100_000, 'red'],
          ],
        },
        targets: [
          promQuery(
            `sum by (topology, topic) (stadion_consumer_lag_records${SELECTOR})`,
            '{{topology}} {{topic}}',
          ),
        ],
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Watermark delay',
        description: 'Wall clock minus the slowest partition watermark: how far event time trails real time.',
        unit: 'ms',
        thresholds: {
          base: 'green',
          steps: [
            [5_000, 'orange'],
            [30_000, 'red'],
          ],
        },
        targets: [
          promQuery(
            `max by (topology, topic) (stadion_watermark_delay_ms${SELECTOR})`,
            '{{topology}} {{topic}}',
          ),
        ],
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Dead letters and late records',
        description:
          'Per second: records dead-lettered by error code, and records later than their window grace.',
        unit: 'rps',
        targets: [
          promQuery(
            `sum by (topology, code) (rate(stadion_dead_letters_total${SELECTOR}[$__rate_interval]))`,
            'dead letter {{topology}} {{code}}',
          ),
          promQuery(
            `sum by (topology, store) (rate(stadion_late_records_total${SELECTOR}[$__rate_interval]))`,
            'late {{topology}} {{store}}',
            'B',
          ),
        ],
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Sink flush latency',
        description: 'p50 and p99 time to flush one batch to a sink, retries included.',
        unit: 's',
        thresholds: {
          base: 'green',
          steps: [
            [1, 'orange'],
            [5, 'red'],
          ],
        },
        targets: [
          promQuery(quantile(0.5, 'stadion_sink_flush_seconds'), 'p50 {{topology}} {{sink}}'),
          promQuery(quantile(0.99, 'stadion_sink_flush_seconds'), 'p99 {{topology}} {{sink}}', 'B'),
        ],
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'End-to-end latency',
        description: 'p50 and p99 from event time to sink acknowledgement.',
        unit: 's',
        thresholds: {
          base: 'green',
          steps: [
            [2, 'orange'],
            [10, 'red'],
          ],
        },
        targets: [
          promQuery(quantile(0.5, 'stadion_end_to_end_latency_seconds'), 'p50 {{topology}} {{sink}}'),
          promQuery(quantile(0.99, 'stadion_end_to_end_latency_seconds'), 'p99 {{topology}} {{sink}}', 'B'),
        ],
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Sink retries and commits',
        description: 'Failed sink attempts that were retried, and offset commits, per second.',
        unit: 'ops',
        targets: [
          promQuery(
            `sum by (topology, sink) (rate(stadion_sink_retries_total${SELECTOR}[$__rate_interval]))`,
            'retries {{topology}} {{sink}}',
          ),
          promQuery(
            `sum by (topology) (rate(stadion_offset_commits_total${SELECTOR}[$__rate_interval]))`,
            'commits {{topology}}',
            'B',
          ),
        ],
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'State entries',
        description: 'Entries in keyed state stores, windows included.',
        unit: 'short',
        targets: [
          promQuery(`sum by (topology, store) (stadion_state_entries${SELECTOR})`, '{{topology}} {{store}}'),
        ],
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Rows per sink batch',
        description: 'Mean rows or messages per sink batch: small batches at high throughput cost inserts.',
        unit: 'short',
        targets: [
          promQuery(
            `sum by (topology, sink) (rate(stadion_sink_batch_rows_sum${SELECTOR}[$__rate_interval])) / sum by (topology, sink) (rate(stadion_sink_batch_rows_count${SELECTOR}[$__rate_interval]))`,
            '{{topology}} {{sink}}',
          ),
        ],
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Process memory',
        description: 'Resident memory of each processor process.',
        unit: 'bytes',
        width: 6,
        targets: [promQuery('stadion_process_process_resident_memory_bytes', '{{instance}}')],
      }),
    )
    .withPanel(
      timeSeriesPanel({
        title: 'Event loop lag p99',
        description: 'Node.js event loop delay of each processor: above 100 ms the process is saturated.',
        unit: 's',
        width: 6,
        thresholds: {
          base: 'green',
          steps: [
            [0.1, 'orange'],
            [0.5, 'red'],
          ],
        },
        targets: [promQuery('stadion_process_nodejs_eventloop_lag_p99_seconds', '{{instance}}')],
      }),
    )
    .build();
}
