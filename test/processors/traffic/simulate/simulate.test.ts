/** The traffic simulator: deterministic for a seed, plans that do what they say, plausible queues. */
import { describe, expect, it } from 'vitest';
import { simulateTraffic } from '../../../../processors/traffic/simulate/index.ts';

const options = {
  seed: 7,
  venues: 1,
  corridorsPerVenue: 2,
  segmentsPerCorridor: 6,
  hours: 6,
  dayStartMs: Date.UTC(2026, 6, 24, 14, 0, 0),
  sessionsPerVenue: 1,
};

describe('simulateTraffic', () => {
  it('gives the same network, faults, readings and truth for the same seed', () => {
    const a = simulateTraffic(options);
    const b = simulateTraffic(options);
    expect(b.segments).toEqual(a.segments);
    expect(b.faults).toEqual(a.faults);
    expect([...b.readings('closure')]).toEqual([...a.readings('closure')]);
    expect(b.truth('baseline').totalDelayVehH).toBe(a.truth('baseline').totalDelayVehH);
    expect(simulateTraffic({ ...options, seed: 8 }).faults).not.toEqual(a.faults);
  });

  it('closes segments under the closure plan: their sensors count nothing while it lasts', () => {
    const sim = simulateTraffic(options);
    const plan = sim.scenarios.find((s) => s.scenarioId === 'closure');
    const closure = plan?.closures[0];
    expect(closure).toBeDefined();
    if (closure === undefined) return;
    let counted = 0;
    for (const batch of sim.readings('closure'))
      for (const r of batch)
        if (
          r.segmentId === closure.segmentId &&
          r.intervalStartMs >= closure.fromMs + 300_000 &&
          r.intervalStartMs < closure.toMs
        )
          counted += r.lanes.reduce((n, l) => n + l.vehicleCount, 0);
    expect(counted).toBe(0);
  });

  it('queues before the session: congestion episodes on the inbound roads, more delay under the closure', () => {
    const sim = simulateTraffic(options);
    const baseline = sim.truth('baseline');
    const closure = sim.truth('closure');
    const session = sim.sessions[0];
    expect(session).toBeDefined();
    const inbound = baseline.episodes.filter((e) => e.segmentId.includes('-in-'));
    expect(inbound.length).toBeGreaterThan(0);
    for (const e of inbound) expect(e.startMs).toBeLessThan(session?.startMs ?? 0);
    expect(closure.totalDelayVehH).toBeGreaterThan(baseline.totalDelayVehH);
  });
});
