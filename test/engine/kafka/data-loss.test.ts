import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DataLossMonitor, findLostRanges } from '../../../engine/kafka/data-loss.ts';
import { createJsonLogger } from '../../../engine/log.ts';

function monitorWithLog(): { monitor: DataLossMonitor; lines: string[]; registry: Registry } {
  const lines: string[] = [];
  const registry = new Registry();
  const monitor = new DataLossMonitor({
    logger: createJsonLogger({ write: (line) => lines.push(line) }),
    registry,
  });
  return { monitor, lines, registry };
}

describe('findLostRanges', () => {
  it('reports committed offsets below the log start with the number of records lost', () => {
    const reports = findLostRanges(
      'g',
      't',
      [
        { partition: 0, offset: 10 },
        { partition: 1, offset: 500 },
        { partition: 2, offset: -1 },
        { partition: 3, offset: 900 },
      ],
      [
        { partition: 0, low: 0, high: 100 },
        { partition: 1, low: 700, high: 800 },
        { partition: 2, low: 50, high: 60 },
        { partition: 3, low: 0, high: 20 },
      ],
    );
    expect(reports).toEqual([
      {
        groupId: 'g',
        topic: 't',
        partition: 1,
        expectedOffset: 500,
        resumedOffset: 700,
        lostRecords: 200,
        reason: 'log-start-moved',
      },
      {
        groupId: 'g',
        topic: 't',
        partition: 3,
        expectedOffset: 900,
        resumedOffset: 20,
        lostRecords: 0,
        reason: 'offset-past-log-end',
      },
    ]);
  });
});

describe('DataLossMonitor', () => {
  it('measures the gap between the last batch and the first after a reset, loudly', async () => {
    const { monitor, lines, registry } = monitorWithLog();
    expect(monitor.batchFetched('t', 0, 0, 99)).toBeUndefined();
    monitor.offsetReset({ topic: 't', partition: 0, groupId: 'g' });
    const report = monitor.batchFetched('t', 0, 1_000, 1_099);
    expect(report).toMatchObject({ lostRecords: 900, expectedOffset: 100, resumedOffset: 1_000 });
    expect(monitor.reports).toHaveLength(1);
    const errors = lines.map((line) => JSON.parse(line) as { level: string; code?: string; msg: string });
    expect(errors.filter((e) => e.level === 'error' && e.code === 'DATA_LOSS')).toHaveLength(2);
    expect(errors.at(-1)?.msg).toContain('DATA LOSS: 900 records of t[0]');
    const metric = await registry.getSingleMetricAsString('stadion_consumer_lost_records_total');
    expect(metric).toContain('stadion_consumer_lost_records_total{topic="t",partition="0"} 900');
  });

  it('shares its counters with the other monitors of a registry (several topologies in one process)', async () => {
    const { monitor, registry } = monitorWithLog();
    const other = new DataLossMonitor({ logger: createJsonLogger({ write: () => undefined }), registry });
    monitor.batchFetched('a', 0, 0, 9);
    monitor.offsetReset({ topic: 'a', partition: 0, groupId: 'g1' });
    monitor.batchFetched('a', 0, 20, 29);
    other.batchFetched('b', 0, 0, 9);
    other.offsetReset({ topic: 'b', partition: 0, groupId: 'g2' });
    other.batchFetched('b', 0, 15, 19);
    const metric = await registry.getSingleMetricAsString('stadion_consumer_lost_records_total');
    expect(metric).toContain('{topic="a",partition="0"} 10');
    expect(metric).toContain('{topic="b",partition="0"} 5');
  });

  it('does not report ordinary consecutive batches or other partitions', () => {
    const { monitor } = monitorWithLog();
    monitor.batchFetched('t', 0, 0, 9);
    monitor.offsetReset({ topic: 't', partition: 1, groupId: 'g' });
    expect(monitor.batchFetched('t', 0, 10, 19)).toBeUndefined();
    expect(monitor.reports).toHaveLength(0);
  });

  it('reports a reset backwards (log truncated) as an out-of-range event with no count', () => {
    const { monitor } = monitorWithLog();
    monitor.batchFetched('t', 0, 0, 99);
    monitor.offsetReset({ topic: 't', partition: 0, groupId: 'g' });
    expect(monitor.batchFetched('t', 0, 0, 9)).toMatchObject({
      reason: 'offset-past-log-end',
      lostRecords: 0,
    });
  });
});
