/**
 * Validation shared by the window factories: durations and event times are whole, non-negative
 * milliseconds held in JS numbers (safe integers, so epoch milliseconds are exact).
 */
import { StadionError } from '../errors.ts';

/** Throws CONFIG_INVALID unless `value` is a safe integer >= `minimum`; `name` is the parameter, e.g. `sizeMs`. */
export function requireDurationMs(factory: string, name: string, value: number, minimum: number): number {
  if (!Number.isSafeInteger(value) || value < minimum) {
    const expected = minimum === 0 ? 'a non-negative integer' : `an integer >= ${minimum}`;
    throw new StadionError(
      'CONFIG_INVALID',
      `${factory}: ${name} must be ${expected} of milliseconds, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * Throws unless `timestampMs` is a non-negative safe integer. An event time outside that range is a
 * bad record that the source's `timestampOf` should have rejected; reaching a window with one is a bug.
 */
export function requireEventTimeMs(timestampMs: number): number {
  if (!Number.isSafeInteger(timestampMs) || timestampMs < 0) {
    throw new StadionError(
      'INTERNAL',
      `event time ${String(timestampMs)} is not a non-negative integer of milliseconds since the epoch; ` +
        'records with such times must be rejected by the source before they reach a window',
    );
  }
  return timestampMs;
}
