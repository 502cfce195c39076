/**
 * Idle advances stay within a source: an idle partition moves up to the active partitions of its own
 * source, never to another source's watermark (a catalogue stamped with wall-clock times).
 */
import { describe, expect, it } from 'vitest';
import { idleAdvances } from '../../../engine/runtime/idle.ts';
import { Task } from '../../../engine/runtime/task.ts';
import { defineTopology } from '../../../engine/topology/builder.ts';
import { json } from '../../../engine/topology/codecs.ts';

interface Event {
  t: number;
}
const event = json((v): v is Event => typeof v === 'object' && v !== null);
const topology = defineTopology('idle', (t) => {
  t.stream('samples', { topic: 'samples', codec: event, timestampOf: (e) => e.t, idleTimeoutMs: 1_000 });
  t.stream('catalogue', { topic: 'catalogue', codec: event, timestampOf: (e) => e.t, idleTimeoutMs: 1_000 });
});

function task(name: string, partition: number, watermarkMs: number): Task {
  const source = topology.sources.find((s) => s.name === name);
  if (source === undefined) throw new Error(`no source ${name}`);
  const created = new Task(source, partition, { get: () => undefined });
  created.advanceWatermark(watermarkMs);
  return created;
}

describe('idle advances', () => {
  const nowMs = 1_000_000;
  const replayedMs = 10_000; // a replayed day, far behind the wall clock
  const idleSample = task('samples', 0, replayedMs);
  const activeSample = task('samples', 1, replayedMs + 60_000);
  const catalogue = task('catalogue', 0, nowMs);

  it('moves an idle partition to the active partitions of its own source', () => {
    const activity = new Map([
      [idleSample.id, 0],
      [activeSample.id, nowMs],
      [catalogue.id, nowMs],
    ]);
    expect(idleAdvances([idleSample, activeSample, catalogue], activity, nowMs)).toEqual([
      { task: idleSample, watermarkMs: replayedMs + 60_000 },
    ]);
  });

  it('never moves it to another source’s watermark', () => {
    const activity = new Map([
      [idleSample.id, 0],
      [activeSample.id, 0],
      [catalogue.id, nowMs],
    ]);
    expect(idleAdvances([idleSample, activeSample, catalogue], activity, nowMs)).toEqual([]);
  });
});
