/**
 * Idle partitions. A partition with no records for longer than its source's idle timeout (wall clock)
 * no longer holds windows open: its watermark is moved up to the operator watermark, the minimum over
 * the partitions that are still active. When every partition is idle, nothing moves.
 */
import type { Task } from './task.ts';

export function idleAdvances(
  allTasks: readonly Task[],
  lastActivityMs: ReadonlyMap<string, number>,
  nowMs: number,
): Array<{ task: Task; watermarkMs: number }> {
  // Watermarks taken from upstream commits neither hold others back nor are moved by idleness.
  const tasks = allTasks.filter((task) => task.source.watermarkFrom === undefined);
  const isIdle = (task: Task): boolean =>
    nowMs - (lastActivityMs.get(task.id) ?? Number.NEGATIVE_INFINITY) > task.source.idleTimeoutMs;
  const active = tasks.filter((task) => !isIdle(task) && Number.isFinite(task.watermarkMs));
  if (active.length === 0) return [];
  const operatorWatermarkMs = Math.min(...active.map((task) => task.watermarkMs));
  return tasks
    .filter((task) => isIdle(task) && task.watermarkMs < operatorWatermarkMs)
    .map((task) => ({ task, watermarkMs: operatorWatermarkMs }));
}

/** The operator watermark: the minimum over active partitions (all partitions when none is active). */
export function operatorWatermark(
  tasks: readonly Task[],
  lastActivityMs: ReadonlyMap<string, number>,
  nowMs: number,
): number {
  const active = tasks.filter(
    (task) => nowMs - (lastActivityMs.get(task.id) ?? Number.NEGATIVE_INFINITY) <= task.source.idleTimeoutMs,
  );
  const considered = active.length > 0 ? active : tasks;
  return considered.length === 0
    ? Number.NEGATIVE_INFINITY
    : Math.min(...considered.map((task) => task.watermarkMs));
}
