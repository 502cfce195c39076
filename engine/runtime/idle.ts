/**
 * Idle partitions. A partition with no records for longer than its source's idle timeout (wall clock)
 * no longer holds windows open: its watermark is moved up to the operator watermark, the minimum over
 * the partitions of the same source that are still active. When every partition of a source is idle,
 * nothing moves. Sources are never mixed: a reference stream stamped with wall-clock times (a feed
 * catalogue) must not move a replayed stream's watermark to now.
 */
import type { Task } from './task.ts';

export function idleAdvances(
  allTasks: readonly Task[],
  lastActivityMs: ReadonlyMap<string, number>,
  nowMs: number,
): Array<{ task: Task; watermarkMs: number }> {
  const isIdle = (task: Task): boolean =>
    nowMs - (lastActivityMs.get(task.id) ?? Number.NEGATIVE_INFINITY) > task.source.idleTimeoutMs;
  const bySource = new Map<string, Task[]>();
  for (const task of allTasks) {
    // Watermarks taken from upstream commits neither hold others back nor are moved by idleness.
    if (task.source.watermarkFrom !== undefined) continue;
    const tasks = bySource.get(task.source.name);
    if (tasks === undefined) bySource.set(task.source.name, [task]);
    else tasks.push(task);
  }
  const advances: Array<{ task: Task; watermarkMs: number }> = [];
  for (const tasks of bySource.values()) {
    const active = tasks.filter((task) => !isIdle(task) && Number.isFinite(task.watermarkMs));
    if (active.length === 0) continue;
    const operatorWatermarkMs = Math.min(...active.map((task) => task.watermarkMs));
    for (const task of tasks)
      if (isIdle(task) && task.watermarkMs < operatorWatermarkMs)
        advances.push({ task, watermarkMs: operatorWatermarkMs });
  }
  return advances;
}
