/**
 * What a real camera feed does to frames on their way to Kafka: some are lost, some are sent twice,
 * some arrive a few frames late. Applied to a clean, in-order list of frames with a seeded generator.
 */
import type { Rng } from '../../shared/random.ts';

/** How imperfect the arrival order is. Every rate is a probability per frame. */
export interface ArrivalImperfectionOptions {
  /** Fraction of frames dropped (never delivered). */
  readonly dropRate: number;
  /** Fraction of delivered frames delivered a second time (an identical copy). */
  readonly duplicateRate: number;
  /** Fraction of deliveries (originals and copies) that arrive late. */
  readonly reorderRate: number;
  /** A late delivery arrives after at most this many later-numbered frames. */
  readonly maxReorderFrames: number;
}

/** What was done to the frames, by frame number. */
export interface ArrivalReport {
  /** Frames never delivered, ascending. */
  readonly droppedFrameNumbers: number[];
  /** Frames delivered twice, ascending. */
  readonly duplicatedFrameNumbers: number[];
  /** Frames with at least one delivery arriving after a later-numbered frame, ascending. */
  readonly lateFrameNumbers: number[];
  /** The largest lateness of any delivery (see {@link latenessOfDeliveries}), at most `maxReorderFrames`. */
  readonly maxLatenessFrames: number;
}

interface Delivery<T> {
  readonly frame: T;
  readonly inOrderIndex: number;
  readonly copy: number;
  readonly arrivalKey: number;
}

/**
 * The lateness of each delivery: how many distinct frames with a higher frame number arrived before it.
 * 0 for a delivery in order.
 */
export function latenessOfDeliveries(frames: ReadonlyArray<{ frameNumber: number }>): number[] {
  const ranks = new Map<number, number>();
  [...new Set(frames.map((f) => f.frameNumber))]
    .sort((a, b) => a - b)
    .forEach((frameNumber, rank) => ranks.set(frameNumber, rank + 1));
  // A Fenwick tree counting the distinct frame numbers seen so far, by rank.
  const tree = new Array<number>(ranks.size + 1).fill(0);
  const prefixCount = (rank: number): number => {
    let total = 0;
    for (let i = rank; i > 0; i -= i & -i) total += tree[i] ?? 0;
    return total;
  };
  const seen = new Set<number>();
  return frames.map((frame) => {
    const rank = ranks.get(frame.frameNumber) ?? 0;
    const lateness = seen.size - prefixCount(rank);
    if (!seen.has(frame.frameNumber)) {
      seen.add(frame.frameNumber);
      for (let i = rank; i < tree.length; i += i & -i) tree[i] = (tree[i] ?? 0) + 1;
    }
    return lateness;
  });
}

/**
 * Drops, duplicates and delays frames. A delivery's arrival key is its in-order index plus a delay
 * (0, or with probability `reorderRate` d + 0.5 with d uniform in 1..maxReorderFrames); deliveries
 * arrive in key order, ties in frame order. Hence a late delivery arrives after exactly the d frames
 * that follow it (fewer if some of those are late too), never more than `maxReorderFrames`.
 * Copies are deep clones, so that a consumer mutating one delivery cannot change another.
 */
export function applyArrivalImperfections<T extends { frameNumber: number }>(
  framesInOrder: readonly T[],
  options: ArrivalImperfectionOptions,
  rng: Rng,
): { frames: T[]; report: ArrivalReport } {
  const dropped: number[] = [];
  const duplicated: number[] = [];
  const deliveries: Array<Delivery<T>> = [];
  // A delay of d frames puts the delivery just after the d frames that follow it.
  const delay = (): number =>
    options.maxReorderFrames > 0 && rng.chance(options.reorderRate)
      ? rng.integer(1, options.maxReorderFrames) + 0.5
      : 0;
  let inOrderIndex = 0;
  for (const frame of framesInOrder) {
    if (rng.chance(options.dropRate)) {
      dropped.push(frame.frameNumber);
      continue;
    }
    deliveries.push({ frame, inOrderIndex, copy: 0, arrivalKey: inOrderIndex + delay() });
    if (rng.chance(options.duplicateRate)) {
      duplicated.push(frame.frameNumber);
      deliveries.push({
        frame: structuredClone(frame),
        inOrderIndex,
        copy: 1,
        arrivalKey: inOrderIndex + delay(),
      });
    }
    inOrderIndex += 1;
  }
  deliveries.sort(
    (a, b) => a.arrivalKey - b.arrivalKey || a.inOrderIndex - b.inOrderIndex || a.copy - b.copy,
  );
  const frames = deliveries.map((d) => d.frame);
  const lateness = latenessOfDeliveries(frames);
  const late = new Set<number>();
  lateness.forEach((value, index) => {
    const frame = frames[index];
    if (value > 0 && frame !== undefined) late.add(frame.frameNumber);
  });
  return {
    frames,
    report: {
      droppedFrameNumbers: dropped,
      duplicatedFrameNumbers: duplicated,
      lateFrameNumbers: [...late].sort((a, b) => a - b),
      maxLatenessFrames: lateness.reduce((max, value) => Math.max(max, value), 0),
    },
  };
}
