/**
 * The SLA state machine of one (feed, broadcaster), pure: fed the pair's 10 s windows in event-time order,
 * it opens an alert when a window breaches and clears it after a clean window; windows in between (some
 * samples breaching, not enough to raise) keep the state as it is. So a blip shorter than a window raises
 * nothing, and an alert does not flap while a degradation comes and goes inside it.
 */
import type { SlaAlert } from '../../schemas/generated.ts';
import type { TelemetryWindowSummary } from './window-aggregate.ts';
import type { SlaThresholds } from './thresholds.ts';

export type WindowVerdict = 'breach' | 'clean' | 'hold';

/** A 10 s window of one pair, as the state machine sees it. */
export interface SlaWindow {
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly summary: TelemetryWindowSummary;
}

export interface OpenAlert {
  readonly alertId: string;
  readonly breachStartMs: number;
  readonly windowsInBreach: number;
}

export interface SlaState {
  /** The open alert, or null. */
  readonly open: OpenAlert | null;
  /** End of the last window seen, ms; older or repeated windows are ignored. */
  readonly lastWindowEndMs: number;
}

export const INITIAL_SLA_STATE: SlaState = Object.freeze({ open: null, lastWindowEndMs: 0 });

/** Whether a window breaches, is clean, or decides nothing. */
export function verdictOf(summary: TelemetryWindowSummary, t: SlaThresholds): WindowVerdict {
  if (summary.samples < t.minSamplesPerWindow) return 'hold';
  if (summary.breachingFraction >= t.raiseBreachingFraction) return 'breach';
  if (summary.breachingFraction <= t.clearBreachingFraction) return 'clean';
  return 'hold';
}

export function alertIdOf(feedId: string, broadcasterId: string, breachStartMs: number): string {
  return `${feedId}/${broadcasterId}/${breachStartMs}`;
}

function alertRecord(kind: SlaAlert['kind'], window: SlaWindow, open: OpenAlert): SlaAlert {
  const s = window.summary;
  return {
    alertId: open.alertId,
    kind,
    feedId: window.summary.feedId,
    broadcasterId: window.summary.broadcasterId,
    popId: s.popId,
    breachStartMs: open.breachStartMs,
    windowStartMs: window.windowStartMs,
    windowEndMs: window.windowEndMs,
    reasons: kind === 'OPENED' ? [...s.reasons] : [],
    breachingFraction: s.breachingFraction,
    lossRatio: s.lossRatio,
    rttP95Ms: s.rttMs.p95 ?? 0,
    windowsInBreach: open.windowsInBreach,
  };
}

/** One step: the new state, and the alert record the window caused (if any). */
export function slaStep(
  state: SlaState,
  window: SlaWindow,
  thresholds: SlaThresholds,
): { state: SlaState; alert: SlaAlert | null } {
  if (window.windowEndMs <= state.lastWindowEndMs) return { state, alert: null };
  const verdict = verdictOf(window.summary, thresholds);
  const lastWindowEndMs = window.windowEndMs;
  if (state.open === null) {
    if (verdict !== 'breach') return { state: { open: null, lastWindowEndMs }, alert: null };
    const open: OpenAlert = {
      alertId: alertIdOf(window.summary.feedId, window.summary.broadcasterId, window.windowStartMs),
      breachStartMs: window.windowStartMs,
      windowsInBreach: 1,
    };
    return { state: { open, lastWindowEndMs }, alert: alertRecord('OPENED', window, open) };
  }
  if (verdict === 'clean')
    return { state: { open: null, lastWindowEndMs }, alert: alertRecord('CLEARED', window, state.open) };
  const open = { ...state.open, windowsInBreach: state.open.windowsInBreach + 1 };
  return { state: { open, lastWindowEndMs }, alert: null };
}
