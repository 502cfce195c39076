/**
 * What a committed offset carries in its metadata, so that a replay after a crash or a rebalance
 * reproduces what the interrupted run wrote.
 *
 * - The task's watermark at the committed offset: a new owner starts from it instead of from nothing,
 *   so windows close at the same offsets as they did before.
 * - A pending flush. Before a partition flushes the outputs of offsets [c, x], the runner commits offset
 *   c again with `pending: { end: x, watermarkMs }`; it then writes the sinks (ClickHouse inserts with a
 *   token derived from [c, x] and that watermark) and the state changelogs, and commits x + 1. A process
 *   that finds a pending flush processes exactly up to x, forces the recorded watermark, and flushes the
 *   same outputs under the same tokens: ClickHouse drops the repeated blocks.
 */
export interface CommitMetadata {
  /** The task's watermark at the committed offset; null before any record. */
  readonly watermarkMs: number | null;
  readonly pending?: { readonly end: number; readonly watermarkMs: number | null };
}

export function encodeCommitMetadata(metadata: CommitMetadata): string {
  return JSON.stringify({ stadion: 1, ...metadata });
}

/** Undefined for empty metadata or metadata some other tool wrote. */
export function decodeCommitMetadata(raw: string | null | undefined): CommitMetadata | undefined {
  if (raw === null || raw === undefined || raw === '') return undefined;
  try {
    const parsed = JSON.parse(raw) as {
      stadion?: unknown;
      watermarkMs?: unknown;
      pending?: { end?: unknown; watermarkMs?: unknown };
    };
    if (parsed.stadion !== 1) return undefined;
    const watermarkMs = typeof parsed.watermarkMs === 'number' ? parsed.watermarkMs : null;
    const pending = parsed.pending;
    if (pending !== undefined && typeof pending.end === 'number') {
      return {
        watermarkMs,
        pending: {
          end: pending.end,
          watermarkMs: typeof pending.watermarkMs === 'number' ? pending.watermarkMs : null,
        },
      };
    }
    return { watermarkMs };
  } catch {
    return undefined;
  }
}

/**
 * The ClickHouse insert_deduplication_token of one sink's flush: the topology, the sink, the input
 * partition, the offset range and the watermark the flush was cut at. A replay of the same range under
 * the same watermark produces the same rows under the same token.
 */
export function deduplicationToken(
  topology: string,
  sink: string,
  origin: {
    topic: string;
    partition: number;
    firstOffset: number;
    lastOffset: number;
    watermarkMs: number | null;
  },
): string {
  const wm = origin.watermarkMs === null ? 'none' : String(origin.watermarkMs);
  return `stadion:${topology}:${sink}:${origin.topic}:${origin.partition}:${origin.firstOffset}-${origin.lastOffset}:${wm}`;
}
