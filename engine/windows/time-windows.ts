/**
 * Tumbling and hopping event-time windows, with Kafka Streams' `TimeWindows` semantics.
 *
 * - A window is half-open, `[startMs, endMs)` with `endMs = startMs + sizeMs`.
 * - Windows are aligned to the epoch: every `startMs` is a multiple of `advanceMs` (tumbling windows
 *   advance by their size). A record at `t` belongs to every window with `startMs <= t < endMs`, listed
 *   oldest first: `sizeMs / advanceMs` windows when the advance divides the size, otherwise
 *   `floor` or `ceil` of that ratio depending on `t`.
 * - No window starts before the epoch (as in Kafka Streams): a record with `t < sizeMs - advanceMs`
 *   belongs to fewer windows, those with `startMs >= 0`.
 * - A window is closed (final) once the watermark reaches `endMs + graceMs`; a record whose windows
 *   are all closed is late.
 * - Event times are non-negative safe integers of milliseconds; anything else throws (see validate.ts).
 *
 * Values are immutable; `windowsFor` and `isClosed` are pure functions.
 */
import { StadionError } from '../errors.ts';
import { requireDurationMs, requireEventTimeMs } from './validate.ts';

/** A half-open event-time window `[startMs, endMs)`. */
export interface TimeWindow {
  readonly startMs: number;
  readonly endMs: number;
}

/** Tumbling or hopping windows: fixed size, aligned to the epoch. */
export interface FixedWindows {
  /** `'tumbling'` when `advanceMs === sizeMs` (including `advanceBy(sizeMs)`), otherwise `'hopping'`. */
  readonly kind: 'tumbling' | 'hopping';
  readonly sizeMs: number;
  readonly advanceMs: number;
  readonly graceMs: number;
  /** Every window containing `timestampMs`, oldest first. Pure. Windows are aligned to the epoch (`startMs % advanceMs === 0`). */
  windowsFor(timestampMs: number): TimeWindow[];
  /**
   * Start of the first (oldest) window containing `timestampMs`; the others follow every `advanceMs`
   * up to `timestampMs` (what `windowsFor` lists, without the array, for hot paths).
   */
  firstStartMs(timestampMs: number): number;
  /** A window is closed (final) once `watermarkMs >= endMs + graceMs`. */
  isClosed(window: TimeWindow, watermarkMs: number): boolean;
}

/** Tumbling windows that can be turned into hopping ones. */
export type TumblingWindows = FixedWindows & {
  /** Hopping windows of the same size and grace advancing by `advanceMs` (`0 < advanceMs <= sizeMs`). */
  advanceBy(advanceMs: number): FixedWindows;
};

function fixedWindows(sizeMs: number, advanceMs: number, graceMs: number): FixedWindows {
  const firstStartMs = (timestampMs: number): number => {
    requireEventTimeMs(timestampMs);
    const lowest = Math.max(0, timestampMs - sizeMs + 1);
    return lowest + ((advanceMs - (lowest % advanceMs)) % advanceMs);
  };
  return Object.freeze({
    kind: advanceMs === sizeMs ? 'tumbling' : 'hopping',
    sizeMs,
    advanceMs,
    graceMs,
    firstStartMs,
    windowsFor(timestampMs: number): TimeWindow[] {
      const windows: TimeWindow[] = [];
      for (let startMs = firstStartMs(timestampMs); startMs <= timestampMs; startMs += advanceMs) {
        windows.push({ startMs, endMs: startMs + sizeMs });
      }
      return windows;
    },
    isClosed(window: TimeWindow, watermarkMs: number): boolean {
      return watermarkMs >= window.endMs + graceMs;
    },
  } satisfies FixedWindows);
}

export const TimeWindows = Object.freeze({
  /**
   * Tumbling windows of `sizeMs` that accept records up to `graceMs` after their end (in watermark
   * time). Throws StadionError('CONFIG_INVALID') unless `sizeMs` is an integer > 0 and `graceMs` an
   * integer >= 0.
   */
  ofSizeAndGrace(sizeMs: number, graceMs: number): TumblingWindows {
    const factory = 'TimeWindows.ofSizeAndGrace';
    requireDurationMs(factory, 'sizeMs', sizeMs, 1);
    requireDurationMs(factory, 'graceMs', graceMs, 0);
    return Object.freeze({
      ...fixedWindows(sizeMs, sizeMs, graceMs),
      advanceBy(advanceMs: number): FixedWindows {
        requireDurationMs('TimeWindows.advanceBy', 'advanceMs', advanceMs, 1);
        if (advanceMs > sizeMs) {
          throw new StadionError(
            'CONFIG_INVALID',
            `TimeWindows.advanceBy: advanceMs (${advanceMs}) must not exceed the window size (${sizeMs}); records would fall between windows`,
          );
        }
        return fixedWindows(sizeMs, advanceMs, graceMs);
      },
    });
  },
});
