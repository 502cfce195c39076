/** The engine's Prometheus metrics, registered on one registry per process. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class EngineMetrics {
  readonly registry: Registry;
  readonly recordsIn: Counter<'topology' | 'topic'>;
  readonly recordsOut: Counter<'topology' | 'sink'>;
  readonly consumerLag: Gauge<'topology' | 'topic' | 'partition'>;
  readonly watermarkDelayMs: Gauge<'topology' | 'topic' | 'partition'>;
  readonly stateEntries: Gauge<'topology' | 'store'>;
  readonly flushSeconds: Histogram<'topology' | 'sink'>;
  readonly flushRows: Histogram<'topology' | 'sink'>;
  readonly deadLetters: Counter<'topology' | 'code'>;
  readonly lateRecords: Counter<'topology' | 'store'>;
  readonly endToEndSeconds: Histogram<'topology' | 'sink'>;
  readonly processingSeconds: Histogram<'topology' | 'sink'>;
  readonly joinMisses: Counter<'topology' | 'table'>;
  readonly sinkRetries: Counter<'topology' | 'sink'>;
  readonly commits: Counter<'topology'>;
  readonly pausedPartitions: Gauge<'topology'>;

  constructor(registry: Registry = new Registry(), options: { defaultMetrics?: boolean } = {}) {
    this.registry = registry;
    if (options.defaultMetrics === true)
      collectDefaultMetrics({ register: registry, prefix: 'stadion_process_' });
    const registers = [registry];
    this.recordsIn = new Counter({
      name: 'stadion_records_in_total',
      help: 'Records read from source topics',
      labelNames: ['topology', 'topic'],
      registers,
    });
    this.recordsOut = new Counter({
      name: 'stadion_records_out_total',
      help: 'Records written to sinks (acknowledged)',
      labelNames: ['topology', 'sink'],
      registers,
    });
    this.consumerLag = new Gauge({
      name: 'stadion_consumer_lag_records',
      help: 'High watermark minus the next offset to process',
      labelNames: ['topology', 'topic', 'partition'],
      registers,
    });
    this.watermarkDelayMs = new Gauge({
      name: 'stadion_watermark_delay_ms',
      help: 'Wall clock minus the partition watermark',
      labelNames: ['topology', 'topic', 'partition'],
      registers,
    });
    this.stateEntries = new Gauge({
      name: 'stadion_state_entries',
      help: 'Entries in keyed state stores (windows included)',
      labelNames: ['topology', 'store'],
      registers,
    });
    this.flushSeconds = new Histogram({
      name: 'stadion_sink_flush_seconds',
      help: 'Time to flush one batch to a sink, retries included',
      labelNames: ['topology', 'sink'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.flushRows = new Histogram({
      name: 'stadion_sink_batch_rows',
      help: 'Rows or messages per sink batch',
      labelNames: ['topology', 'sink'],
      buckets: [1, 10, 100, 1000, 5000, 10000, 50000, 100000],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'stadion_dead_letters_total',
      help: 'Records that could not be processed, by error code',
      labelNames: ['topology', 'code'],
      registers,
    });
    this.lateRecords = new Counter({
      name: 'stadion_late_records_total',
      help: 'Records later than the grace of their windows',
      labelNames: ['topology', 'store'],
      registers,
    });
    this.endToEndSeconds = new Histogram({
      name: 'stadion_end_to_end_latency_seconds',
      help: 'Event time to sink acknowledgement',
      labelNames: ['topology', 'sink'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers,
    });
    this.joinMisses = new Counter({
      name: 'stadion_join_misses_total',
      help: 'Records an inner join dropped because its table had no value for the key (yet)',
      labelNames: ['topology', 'table'],
      registers,
    });
    this.processingSeconds = new Histogram({
      name: 'stadion_processing_latency_seconds',
      help: 'Receipt of the input record by the engine to sink acknowledgement of what it produced',
      labelNames: ['topology', 'sink'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.sinkRetries = new Counter({
      name: 'stadion_sink_retries_total',
      help: 'Failed sink attempts that were retried',
      labelNames: ['topology', 'sink'],
      registers,
    });
    this.pausedPartitions = new Gauge({
      name: 'stadion_paused_partitions',
      help: 'Partitions paused because a sink they feed is retrying (backpressure)',
      labelNames: ['topology'],
      registers,
    });
    this.commits = new Counter({
      name: 'stadion_offset_commits_total',
      help: 'Input offset commits after a flush',
      labelNames: ['topology'],
      registers,
    });
  }
}
