import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_CORRELATION,
  correlate,
  correlationAtWatermark,
  correlationReceive,
  type CorrelationState,
  type Incident,
  type IncidentMember,
} from '../../../processors/telemetry/correlation.ts';
import type { SlaAlert } from '../../../schemas/generated.ts';

const member = (feedId: string, broadcasterId: string, popId: string, breachStartMs = 0): IncidentMember => ({
  alertId: `${feedId}/${broadcasterId}/${breachStartMs}`,
  feedId,
  broadcasterId,
  popId,
  breachStartMs,
});

/** Broadcasters b1..b4 at pop-A, b5..b6 at pop-B. */
const popOf = (b: string): string => (Number(b.slice(1)) <= 4 ? 'pop-A' : 'pop-B');
const grid = (feeds: readonly string[], broadcasters: readonly string[]): IncidentMember[] =>
  feeds.flatMap((f) => broadcasters.map((b) => member(f, b, popOf(b))));

const scopes = (members: readonly IncidentMember[]) =>
  correlate(members, 0).map((i) => `${i.scope}:${i.scopeId}:${i.members.length}`);

describe('incident correlation', () => {
  it('names a POP when many feeds fail at several broadcasters of one POP', () => {
    expect(scopes(grid(['f1', 'f2', 'f3'], ['b1', 'b2', 'b3']))).toEqual(['pop:pop-A:9']);
  });

  it('names a feed when one feed fails at every broadcaster, across POPs', () => {
    expect(scopes(grid(['f1'], ['b1', 'b2', 'b5', 'b6']))).toEqual(['feed:f1:4']);
  });

  it('names a broadcaster when one broadcaster loses many feeds, even alone at its POP', () => {
    expect(scopes(grid(['f1', 'f2', 'f3', 'f4'], ['b2']))).toEqual(['broadcaster:b2:4']);
  });

  it('leaves a lone alert as a pair', () => {
    expect(scopes([member('f1', 'b1', 'pop-A')])).toEqual(['pair:f1/b1:1']);
  });

  it('separates a POP incident from a concurrent feed fault elsewhere', () => {
    const members = [...grid(['f1', 'f2', 'f3'], ['b1', 'b2']), ...grid(['f9'], ['b5', 'b6'])];
    expect(scopes(members)).toEqual(['pop:pop-A:6', 'feed:f9:2']);
  });

  it('depends only on the set of alerts, not their order or duplicates', () => {
    const members = [
      ...grid(['f1', 'f2', 'f3'], ['b1', 'b2']),
      ...grid(['f9'], ['b5', 'b6']),
      member('f7', 'b3', 'pop-A'),
    ];
    const expected = correlate(members, 0);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(members, { minLength: members.length }),
        fc.nat(members.length - 1),
        (shuffled, dup) => {
          const withDuplicate = [...shuffled, shuffled[dup] ?? members[0]].filter((m) => m !== undefined);
          expect(correlate(withDuplicate, 0)).toEqual(expected);
        },
      ),
    );
  });

  const alert = (feedId: string, broadcasterId: string, windowEndMs: number): SlaAlert => ({
    alertId: `${feedId}/${broadcasterId}/${windowEndMs - 10_000}`,
    kind: 'OPENED',
    feedId,
    broadcasterId,
    popId: popOf(broadcasterId),
    breachStartMs: windowEndMs - 10_000,
    windowStartMs: windowEndMs - 10_000,
    windowEndMs,
    reasons: ['loss'],
    breachingFraction: 1,
    lossRatio: 0.05,
    rttP95Ms: 50,
    windowsInBreach: 1,
  });

  /** Receives the alerts in the given order, with the watermark moved to each of `watermarks` after the
   * alert of the same index; returns the incidents and the final state. */
  function run(alerts: readonly SlaAlert[], watermarks: ReadonlyMap<number, number>, endMs: number) {
    let state: CorrelationState = EMPTY_CORRELATION;
    const incidents: Incident[] = [];
    const apply = (step: { state: CorrelationState; incidents: Incident[] }) => {
      state = step.state;
      incidents.push(...step.incidents);
    };
    alerts.forEach((a, index) => {
      apply(correlationReceive(state, a));
      const wm = watermarks.get(index);
      if (wm !== undefined) apply(correlationAtWatermark(state, wm, 15_000));
    });
    apply(correlationAtWatermark(state, endMs, 15_000));
    return { incidents, state };
  }

  it('clusters openings within the gap and decides a cluster once the watermark passes it', () => {
    let step = correlationReceive(EMPTY_CORRELATION, alert('f1', 'b1', 100_000));
    step = correlationReceive(step.state, alert('f1', 'b5', 110_000));
    expect(step.incidents).toEqual([]);
    const waiting = step.state;
    expect(correlationAtWatermark(waiting, 124_999, 15_000).incidents).toEqual([]);
    const decided = correlationAtWatermark(waiting, 125_000, 15_000);
    expect(decided.incidents.map((i) => [i.incidentId, i.detectedMs])).toEqual([['feed:f1:90000', 125_000]]);
    // An opening more than the gap after the cluster's last decides the cluster first.
    const later = correlationReceive(waiting, alert('f2', 'b2', 200_000));
    const next = correlationAtWatermark(later.state, 200_000, 15_000);
    expect(next.incidents.map((i) => i.scope)).toEqual(['feed']);
    expect(next.state.members.length).toBe(1);
  });

  it('gives the same incidents whatever order the alerts arrive in and wherever the watermark moves', () => {
    // Three clusters in event time: 0-20 s, 60-70 s (a gap of 40 s), 90 s (a gap of 20 s).
    const alerts = [
      alert('f1', 'b1', 0),
      alert('f1', 'b2', 10_000),
      alert('f2', 'b1', 20_000),
      alert('f3', 'b5', 60_000),
      alert('f4', 'b5', 70_000),
      alert('f9', 'b6', 90_000),
    ];
    const expected = run(alerts, new Map(), 200_000).incidents;
    expect(expected.map((i) => `${i.scope}:${i.scopeId}`)).toEqual([
      'pop:pop-A',
      'broadcaster:b5',
      'pair:f9/b6',
    ]);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(alerts, { minLength: alerts.length }),
        fc.array(fc.nat(alerts.length - 1), { maxLength: 6 }),
        fc.nat(alerts.length - 1),
        (shuffled, at, repeat) => {
          // An upstream replay repeats an alert while its original still waits (the watermark cannot
          // pass an alert whose upstream flush never committed): here right after it.
          const withRepeat = shuffled.flatMap((a, index) => (index === repeat ? [a, a] : [a]));
          // A watermark after an alert never passes an alert still to come (the upstream guarantee).
          const watermarks = new Map<number, number>();
          for (const index of at) {
            const pending = withRepeat.slice(index + 1).map((a) => a.windowEndMs);
            watermarks.set(index, Math.min(200_000, ...pending) - 1);
          }
          expect(run(withRepeat, watermarks, 200_000).incidents).toEqual(expected);
        },
      ),
    );
  });

  it('decides an alert the watermark already passed alone at once, and ignores repeats', () => {
    const first = run([alert('f1', 'b1', 100_000)], new Map(), 150_000);
    expect(first.incidents.map((i) => i.scope)).toEqual(['pair']);
    const waiting = correlationReceive(first.state, alert('f3', 'b3', 160_000)).state;
    expect(correlationReceive(waiting, alert('f3', 'b3', 160_000)).state).toBe(waiting);
    // Late: decided alone at once, even after a long quiet (the state keeps where it released to).
    const quiet = correlationAtWatermark(waiting, 3_600_000, 15_000);
    expect(quiet.state.waiting).toEqual([]);
    const late = correlationReceive(quiet.state, alert('f2', 'b2', 120_000));
    expect(late.incidents.map((i) => [i.incidentId, i.detectedMs])).toEqual([
      ['pair:f2/b2:110000', 3_600_000],
    ]);
    expect(JSON.parse(JSON.stringify(late.state))).toEqual(late.state);
  });
});
