/**
 * Session windows, with Kafka Streams' semantics: per key, a session is a run of records whose event
 * times are no more than `gapMs` apart.
 *
 * Convention: a session is the closed interval `[startMs, endMs]` of the event times of its first and
 * last records, both inclusive (a single record at `t` is `[t, t]`, see `sessionWindowFor`). Consumers
 * that want a half-open window report `endMs + 1` as its exclusive end.
 *
 * - A record at `t` joins a session when it lies within `gapMs` of it, inclusive:
 *   `startMs - gapMs <= t <= endMs + gapMs`. A record that bridges several sessions merges them.
 * - Sessions of one key therefore never overlap and are more than `gapMs` apart, and the sessions built
 *   from a set of event times do not depend on the order the records arrive in.
 * - A session is closed (final) once `watermarkMs >= endMs + gapMs + graceMs`. A record arriving after
 *   that, even within `gapMs` of it, can no longer join it: it starts a new session (or is late, when
 *   that new session is itself already closed).
 * - Event times are non-negative safe integers of milliseconds; anything else throws.
 */
import { requireDurationMs, requireEventTimeMs } from './validate.ts';

/** A session: event times of its first and last records, both inclusive. */
export interface SessionWindow {
  readonly startMs: number;
  /** The last record's event time (inclusive). */
  readonly endMs: number;
}

export interface SessionWindowsSpec {
  readonly kind: 'session';
  /** Records at most this far apart (inclusive) belong to the same session. */
  readonly gapMs: number;
  readonly graceMs: number;
  /** A session is closed (final) once `watermarkMs >= endMs + gapMs + graceMs`. */
  isClosed(window: SessionWindow, watermarkMs: number): boolean;
}

export const SessionWindows = Object.freeze({
  /**
   * Sessions that end after `gapMs` of inactivity and accept records up to `graceMs` after that (in
   * watermark time). Throws StadionError('CONFIG_INVALID') unless both are integers, `gapMs > 0` and
   * `graceMs >= 0`.
   */
  withGapAndGrace(gapMs: number, graceMs: number): SessionWindowsSpec {
    requireDurationMs('SessionWindows.withGapAndGrace', 'gapMs', gapMs, 1);
    requireDurationMs('SessionWindows.withGapAndGrace', 'graceMs', graceMs, 0);
    return Object.freeze({
      kind: 'session',
      gapMs,
      graceMs,
      isClosed(window: SessionWindow, watermarkMs: number): boolean {
        return watermarkMs >= window.endMs + gapMs + graceMs;
      },
    } satisfies SessionWindowsSpec);
  },
});

/** The session of a single record at `timestampMs`: `[timestampMs, timestampMs]`. */
export function sessionWindowFor(timestampMs: number): SessionWindow {
  requireEventTimeMs(timestampMs);
  return { startMs: timestampMs, endMs: timestampMs };
}

/**
 * Session merge, pure: given the existing sessions of ONE key and a new record time, returns the
 * session the record belongs to (its own `[t, t]`, or the merge of it with every session it lies within
 * `gapMs` of) and the existing sessions it replaced, in their input order. The caller removes
 * `replaced` and stores `window`.
 *
 * The existing sessions are expected to be non-overlapping and more than `gapMs` apart (which this
 * function maintains); they need not be sorted. Should they violate that, the merge is transitive:
 * any session within `gapMs` of the growing result is absorbed too, so the result is still valid.
 */
export function mergeSession(
  existing: readonly SessionWindow[],
  timestampMs: number,
  gapMs: number,
): { window: SessionWindow; replaced: SessionWindow[] } {
  requireEventTimeMs(timestampMs);
  requireDurationMs('mergeSession', 'gapMs', gapMs, 1);
  let startMs = timestampMs;
  let endMs = timestampMs;
  const absorbed = new Array<boolean>(existing.length).fill(false);
  for (let grew = true; grew;) {
    grew = false;
    for (let index = 0; index < existing.length; index += 1) {
      const session = existing[index];
      if (session === undefined || absorbed[index] === true) continue;
      if (session.startMs - gapMs > endMs || session.endMs + gapMs < startMs) continue;
      absorbed[index] = true;
      grew = true;
      startMs = Math.min(startMs, session.startMs);
      endMs = Math.max(endMs, session.endMs);
    }
  }
  return { window: { startMs, endMs }, replaced: existing.filter((_, index) => absorbed[index] === true) };
}
