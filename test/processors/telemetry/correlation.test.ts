import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  correlate,
  correlationAdd,
  correlationAtWatermark,
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

  it('clusters openings within the gap and decides a cluster once the watermark passes it', () => {
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
    let step = correlationAdd(undefined, alert('f1', 'b1', 100_000), 15_000);
    step = correlationAdd(step.state, alert('f1', 'b5', 110_000), 15_000);
    expect(step.incidents).toEqual([]);
    expect(correlationAtWatermark(step.state, 124_999, 15_000).incidents).toEqual([]);
    const decided = correlationAtWatermark(step.state, 125_000, 15_000);
    expect(decided.state).toBeUndefined();
    expect(decided.incidents.map((i) => [i.incidentId, i.detectedMs])).toEqual([['feed:f1:90000', 125_000]]);
    const next = correlationAdd(step.state, alert('f2', 'b2', 200_000), 15_000);
    expect(next.incidents.map((i) => i.scope)).toEqual(['feed']);
    expect(next.state.members.length).toBe(1);
  });
});
