import { describe, expect, it } from 'vitest';
import {
  INITIAL_SLA_STATE,
  slaStep,
  verdictOf,
  type SlaState,
  type SlaWindow,
} from '../../../processors/telemetry/sla.ts';
import { DEFAULT_SLA_THRESHOLDS, slaThresholds } from '../../../processors/telemetry/thresholds.ts';
import { emptyTelemetryAcc, summarize } from '../../../processors/telemetry/window-aggregate.ts';

const t = DEFAULT_SLA_THRESHOLDS;

/** A window of 10 samples of which `breaching` breach, starting at `index` x 10 s. */
function window(index: number, breaching: number, samples = 10): SlaWindow {
  const base = { ...summarize(emptyTelemetryAcc()), feedId: 'f', broadcasterId: 'b', popId: 'p' };
  return {
    windowStartMs: index * 10_000,
    windowEndMs: (index + 1) * 10_000,
    summary: {
      ...base,
      samples,
      breachingSamples: breaching,
      breachingFraction: breaching / samples,
      reasons: breaching > 0 ? ['loss'] : [],
    },
  };
}

function run(
  breachingPerWindow: readonly number[],
): Array<{ kind: string; at: number; breachStartMs: number }> {
  let state: SlaState = INITIAL_SLA_STATE;
  const alerts: Array<{ kind: string; at: number; breachStartMs: number }> = [];
  breachingPerWindow.forEach((breaching, index) => {
    const step = slaStep(state, window(index, breaching), t);
    state = step.state;
    if (step.alert !== null)
      alerts.push({
        kind: step.alert.kind,
        at: step.alert.windowEndMs,
        breachStartMs: step.alert.breachStartMs,
      });
  });
  return alerts;
}

describe('SLA state machine', () => {
  it('judges windows: breach at 80 % of samples, clean at none, hold in between or when too few', () => {
    expect(verdictOf(window(0, 8).summary, t)).toBe('breach');
    expect(verdictOf(window(0, 7).summary, t)).toBe('hold');
    expect(verdictOf(window(0, 0).summary, t)).toBe('clean');
    expect(verdictOf(window(0, 4, 4).summary, t)).toBe('hold');
  });

  it('opens on a breaching window and clears after a clean one', () => {
    expect(run([0, 10, 10, 0, 0])).toEqual([
      { kind: 'OPENED', at: 20_000, breachStartMs: 10_000 },
      { kind: 'CLEARED', at: 40_000, breachStartMs: 10_000 },
    ]);
  });

  it('does not flap while the degradation comes and goes inside the alert', () => {
    expect(run([10, 3, 10, 5, 9, 1, 0]).map((a) => a.kind)).toEqual(['OPENED', 'CLEARED']);
  });

  it('raises nothing for windows only partly breaching (blips)', () => {
    expect(run([0, 3, 0, 5, 7, 0])).toEqual([]);
  });

  it('ignores a window it has already seen or an older one', () => {
    const first = slaStep(INITIAL_SLA_STATE, window(3, 10), t);
    expect(slaStep(first.state, window(3, 0), t)).toEqual({ state: first.state, alert: null });
    expect(slaStep(first.state, window(1, 0), t).alert).toBeNull();
  });

  it('checks thresholds', () => {
    expect(() => slaThresholds({ raiseBreachingFraction: 1.5 })).toThrow(/raiseBreachingFraction/);
    expect(() => slaThresholds({ clearBreachingFraction: 0.9 })).toThrow(/below/);
    expect(() => slaThresholds({ minSamplesPerWindow: 0 })).toThrow(/minSamplesPerWindow/);
    expect(slaThresholds({ lossRatioMax: 0.05 }).lossRatioMax).toBe(0.05);
  });
});
