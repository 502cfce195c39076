import { describe, expect, it } from 'vitest';
import { simulateTelemetry } from '../../../processors/telemetry/simulate/index.ts';
import {
  DEFAULT_SLA_THRESHOLDS,
  sampleBreachMask,
  reasonsOf,
} from '../../../processors/telemetry/thresholds.ts';
import { deepFreeze } from '../../engine/aggregate/laws.ts';
import {
  addSample,
  emptyTelemetryAcc,
  mergeTelemetryAcc,
  minuteWindowAggregator,
  sampleWindowAggregator,
  type TelemetryAcc,
} from '../../../processors/telemetry/window-aggregate.ts';

const sim = simulateTelemetry({ seed: 3, feeds: 8, broadcasters: 4, pops: 2, durationS: 120 });
const samples = [...sim.samples()].flat();

describe('telemetry window aggregates', () => {
  it('adds in parts and merges to the same accumulator as adding everything', () => {
    const agg = sampleWindowAggregator(DEFAULT_SLA_THRESHOLDS);
    const all = samples.reduce((acc, s) => agg.add(acc, s), agg.initialize());
    const cut = Math.floor(samples.length / 3);
    const left = samples.slice(0, cut).reduce((acc, s) => agg.add(acc, s), agg.initialize());
    const right = samples.slice(cut).reduce((acc, s) => agg.add(acc, s), agg.initialize());
    const merged = mergeTelemetryAcc(left, right);
    // Every part equal; the bitrate sum (position 10) up to floating-point addition order.
    const BITRATE_SUM = 10;
    const exceptSum = (acc: TelemetryAcc) => acc.filter((_, i) => i !== BITRATE_SUM);
    expect(exceptSum(merged)).toEqual(exceptSum(all));
    expect(merged[BITRATE_SUM]).toBeCloseTo(all[BITRATE_SUM], 6);
    expect(agg.result(merged).rttMs).toEqual(agg.result(all).rttMs);
    expect(mergeTelemetryAcc(emptyTelemetryAcc(), all)).toBe(all);
  });

  it('adds in place to a copy exactly as add does, leaving the original alone', () => {
    const agg = sampleWindowAggregator(DEFAULT_SLA_THRESHOLDS);
    const inPlace = agg.inPlace;
    if (inPlace === undefined) throw new Error('no in-place path');
    // Degraded samples too, so breach masks and reason counts change.
    const mixed = samples
      .slice(0, 300)
      .map((s, i) =>
        i % 7 === 0 ? { ...s, packetsLost: Math.ceil(s.packetsSent * 0.05), rttMs: s.receiveBufferMs } : s,
      );
    for (const cut of [0, 1, 57, 299]) {
      const prefix = deepFreeze(mixed.slice(0, cut).reduce((acc, s) => agg.add(acc, s), agg.initialize()));
      let own = inPlace.copy(prefix);
      for (const s of mixed.slice(cut)) own = inPlace.add(own, s);
      expect(own).toEqual(mixed.reduce((acc, s) => agg.add(acc, s), agg.initialize()));
      expect(prefix).toEqual(mixed.slice(0, cut).reduce((acc, s) => agg.add(acc, s), agg.initialize()));
    }
  });

  it('merges in place into a copy exactly as merge does, leaving both inputs alone', () => {
    const agg = sampleWindowAggregator(DEFAULT_SLA_THRESHOLDS);
    const minute = minuteWindowAggregator();
    const inPlace = minute.inPlace;
    if (inPlace?.merge === undefined) throw new Error('no in-place merge');
    const degraded = samples.map((s, i) => (i % 5 === 0 ? { ...s, packetsLost: s.packetsSent } : s));
    const windows = [0, 40, 41, 200].map((from) =>
      deepFreeze(degraded.slice(from, from + 37).reduce((acc, s) => agg.add(acc, s), agg.initialize())),
    );
    windows.push(deepFreeze(agg.initialize()));
    for (const a of windows)
      for (const b of windows) {
        const snapshot = JSON.stringify([a, b]);
        expect(inPlace.merge(inPlace.copy(a), b)).toEqual(mergeTelemetryAcc(a, b));
        expect(JSON.stringify([a, b])).toBe(snapshot);
      }
  });

  it('survives a JSON round trip (changelogs) unchanged', () => {
    const acc = samples
      .slice(0, 50)
      .reduce((a, s) => addSample(a, s, DEFAULT_SLA_THRESHOLDS), emptyTelemetryAcc());
    expect(JSON.parse(JSON.stringify(acc))).toEqual(acc);
  });

  it('merges 10 s accumulators into minutes', () => {
    const agg = sampleWindowAggregator(DEFAULT_SLA_THRESHOLDS);
    const minute = minuteWindowAggregator();
    const parts = [samples.slice(0, 100), samples.slice(100, 250)].map((part) =>
      agg.result(part.reduce((acc, s) => agg.add(acc, s), agg.initialize())),
    );
    const result = minute.result(parts.reduce((acc, w) => minute.add(acc, w), minute.initialize()));
    expect(result.samples).toBe(250);
  });

  it('finds the breach reasons of a degraded sample', () => {
    const base = samples[0];
    if (base === undefined) throw new Error('no samples');
    expect(sampleBreachMask(base, DEFAULT_SLA_THRESHOLDS)).toBe(0);
    const lossy = { ...base, packetsLost: Math.ceil(base.packetsSent * 0.05) };
    expect(reasonsOf(sampleBreachMask(lossy, DEFAULT_SLA_THRESHOLDS))).toContain('loss');
    const slow = { ...base, rttMs: base.receiveBufferMs / 2 };
    expect(reasonsOf(sampleBreachMask(slow, DEFAULT_SLA_THRESHOLDS))).toEqual(['latency-budget']);
    const cc = { ...base, ccErrors: 1 };
    expect(reasonsOf(sampleBreachMask(cc, DEFAULT_SLA_THRESHOLDS))).toEqual(['ts-errors']);
  });
});
