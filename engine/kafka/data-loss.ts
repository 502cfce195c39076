/**
 * Data-loss detection for consumers. When a consumer's next offset is no longer in the log (retention
 * deleted it, the local mock broker dropped it, a topic was recreated), Kafka answers
 * OFFSET_OUT_OF_RANGE and the client silently jumps to its reset position. Stadion never lets that pass
 * quietly: it counts the records skipped and reports them in the logs (level error, code DATA_LOSS)
 * and in the metric `stadion_consumer_lost_records_total`, on the local stack and on a real cluster alike.
 *
 * Two ways in:
 * - `checkCommittedOffsets` before consuming: a committed offset below the log start (or past the log end).
 * - `DataLossMonitor` while consuming: told of each reset (kafkajs' log, see clients/kafka.ts) and of each
 *   batch's offsets, it measures the gap between where the partition was and where it resumed.
 */
import { Counter, type Registry } from 'prom-client';
import type { Admin } from 'kafkajs';
import type { Logger } from '../log.ts';

export interface DataLossReport {
  groupId: string;
  topic: string;
  partition: number;
  /** The offset the group would have read next. */
  expectedOffset: number;
  /** The first offset actually available (log start), or where consumption resumed. */
  resumedOffset: number;
  /** Records that will never be read: resumedOffset - expectedOffset; 0 when the offset was past the log end. */
  lostRecords: number;
  /** 'log-start-moved' (records deleted) or 'offset-past-log-end' (log truncated or topic recreated). */
  reason: 'log-start-moved' | 'offset-past-log-end';
}

/** Compares what a group committed with what the log still holds. Pure. */
export function findLostRanges(
  groupId: string,
  topic: string,
  committed: ReadonlyArray<{ partition: number; offset: number }>,
  watermarks: ReadonlyArray<{ partition: number; low: number; high: number }>,
): DataLossReport[] {
  const byPartition = new Map(watermarks.map((w) => [w.partition, w]));
  const reports: DataLossReport[] = [];
  for (const { partition, offset } of committed) {
    const marks = byPartition.get(partition);
    if (marks === undefined || offset < 0) continue; // nothing committed yet: the reset policy applies, no loss
    if (offset < marks.low) {
      reports.push({
        groupId,
        topic,
        partition,
        expectedOffset: offset,
        resumedOffset: marks.low,
        lostRecords: marks.low - offset,
        reason: 'log-start-moved',
      });
    } else if (offset > marks.high) {
      reports.push({
        groupId,
        topic,
        partition,
        expectedOffset: offset,
        resumedOffset: marks.high,
        lostRecords: 0,
        reason: 'offset-past-log-end',
      });
    }
  }
  return reports;
}

/** Asks the cluster for a group's committed offsets and the topics' watermarks, and compares them. */
export async function checkCommittedOffsets(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
): Promise<DataLossReport[]> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const reports: DataLossReport[] = [];
  for (const { topic, partitions } of committed) {
    const marks = await admin.fetchTopicOffsets(topic);
    reports.push(
      ...findLostRanges(
        groupId,
        topic,
        partitions.map((p) => ({ partition: p.partition, offset: Number(p.offset) })),
        marks.map((m) => ({ partition: m.partition, low: Number(m.low), high: Number(m.high) })),
      ),
    );
  }
  return reports;
}

export interface DataLossMonitorOptions {
  logger: Logger;
  /** Registry for the metrics; none means counted in memory only. */
  registry?: Registry;
}

/** Tracks consumption positions and turns offset resets into measured, loudly reported data loss. */
export class DataLossMonitor {
  readonly #logger: Logger;
  readonly #lostRecords: Counter<'topic' | 'partition'>;
  readonly #resets: Counter<'topic' | 'partition'>;
  /** Next offset expected per `topic/partition`, from the batches seen. */
  readonly #nextOffset = new Map<string, number>();
  /** Partitions reset and not yet seen since, with the group that reset them. */
  readonly #pendingResets = new Map<string, string>();
  readonly #reports: DataLossReport[] = [];

  constructor(options: DataLossMonitorOptions) {
    this.#logger = options.logger;
    const registry = options.registry;
    // Several topologies in one process (`stadion run A B`) share the registry and so these counters.
    const counter = (name: string, help: string): Counter<'topic' | 'partition'> =>
      (registry?.getSingleMetric(name) as Counter<'topic' | 'partition'> | undefined) ??
      new Counter({
        name,
        help,
        labelNames: ['topic', 'partition'],
        registers: registry === undefined ? [] : [registry],
      });
    this.#lostRecords = counter(
      'stadion_consumer_lost_records_total',
      'Records a consumer skipped because its offset was no longer in the log (data loss)',
    );
    this.#resets = counter(
      'stadion_consumer_offset_resets_total',
      'OFFSET_OUT_OF_RANGE resets seen by consumers',
    );
  }

  /** Everything reported so far, oldest first. */
  get reports(): readonly DataLossReport[] {
    return this.#reports;
  }

  /** The consumer was told its offset is out of range and is jumping to its reset position. */
  offsetReset(event: { topic: string; partition: number; groupId: string }): void {
    this.#resets.inc({ topic: event.topic, partition: String(event.partition) });
    this.#pendingResets.set(key(event.topic, event.partition), event.groupId);
    this.#logger.error(
      'consumer offset out of range: records may have been lost; measuring at the next fetch',
      {
        code: 'DATA_LOSS',
        ...event,
      },
    );
  }

  /** A batch was fetched; call before processing it. Returns the loss measured, if this batch follows a reset. */
  batchFetched(
    topic: string,
    partition: number,
    firstOffset: number,
    lastOffset: number,
  ): DataLossReport | undefined {
    const id = key(topic, partition);
    const expected = this.#nextOffset.get(id);
    this.#nextOffset.set(id, lastOffset + 1);
    const groupId = this.#pendingResets.get(id);
    if (groupId === undefined) return undefined;
    this.#pendingResets.delete(id);
    if (expected === undefined) return undefined; // position unknown here: checkCommittedOffsets covers it
    const report: DataLossReport =
      firstOffset >= expected
        ? {
            groupId,
            topic,
            partition,
            expectedOffset: expected,
            resumedOffset: firstOffset,
            lostRecords: firstOffset - expected,
            reason: 'log-start-moved',
          }
        : {
            groupId,
            topic,
            partition,
            expectedOffset: expected,
            resumedOffset: firstOffset,
            lostRecords: 0,
            reason: 'offset-past-log-end',
          };
    this.report(report);
    return report;
  }

  /** Record a loss found elsewhere (e.g. by checkCommittedOffsets). */
  report(report: DataLossReport): void {
    this.#reports.push(report);
    this.#lostRecords.inc({ topic: report.topic, partition: String(report.partition) }, report.lostRecords);
    this.#logger.error(
      `DATA LOSS: ${report.lostRecords} records of ${report.topic}[${report.partition}] were gone before group ` +
        `${report.groupId} read them (expected offset ${report.expectedOffset}, resumed at ${report.resumedOffset})`,
      { code: 'DATA_LOSS', ...report },
    );
  }

  /** Forget a partition's position (revoked). */
  forget(topic: string, partition: number): void {
    this.#nextOffset.delete(key(topic, partition));
    this.#pendingResets.delete(key(topic, partition));
  }
}

function key(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}
