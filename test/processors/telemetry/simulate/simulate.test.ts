import avsc from 'avsc';
import { describe, expect, it } from 'vitest';
import { simulateTelemetry } from '../../../../processors/telemetry/simulate/index.ts';
import { feedCatalogueEntrySchema, feedTelemetrySampleSchema } from '../../../../schemas/generated.ts';

const options = { seed: 11, feeds: 40, broadcasters: 8, pops: 3, durationS: 300 } as const;

describe('telemetry simulator', () => {
  it('is deterministic for a seed, and differs across seeds', () => {
    const a = simulateTelemetry(options);
    const b = simulateTelemetry(options);
    expect(b.incidents).toEqual(a.incidents);
    expect([...b.samples()]).toEqual([...a.samples()]);
    expect(simulateTelemetry({ ...options, seed: 12 }).incidents).not.toEqual(a.incidents);
  });

  it('writes samples and catalogue entries valid for their Avro schemas, in bounded disorder', () => {
    const sim = simulateTelemetry(options);
    const sampleType = avsc.Type.forSchema(feedTelemetrySampleSchema);
    const feedType = avsc.Type.forSchema(feedCatalogueEntrySchema);
    expect(sim.catalogue.every((f) => feedType.isValid(f))).toBe(true);
    let maxMs = 0;
    let worstLatenessMs = 0;
    for (const interval of sim.samples())
      for (const s of interval) {
        expect(sampleType.isValid(s)).toBe(true);
        worstLatenessMs = Math.max(worstLatenessMs, maxMs - s.eventTimeMs);
        maxMs = Math.max(maxMs, s.eventTimeMs);
      }
    expect(worstLatenessMs).toBeLessThanOrEqual(sim.options.maxArrivalJitterMs);
  });

  it('places incidents longer than the window, blips shorter, on pairs live throughout, apart in time', () => {
    const sim = simulateTelemetry({ ...options, durationS: 600 });
    let previousEndMs = 0;
    for (const incident of sim.incidents) {
      const lengthMs = incident.endMs - incident.startMs;
      if (incident.blip) expect(lengthMs).toBeLessThan(5_000);
      else expect(lengthMs).toBeGreaterThan(20_000);
      expect(incident.startMs - previousEndMs).toBeGreaterThanOrEqual(sim.options.gapS * 1000);
      expect(incident.pairs.length).toBeGreaterThanOrEqual(3);
      previousEndMs = incident.endMs;
    }
  });

  it('follows the competition day: few feeds live at night', () => {
    const night = simulateTelemetry({ ...options, durationS: 5, startMs: Date.UTC(2026, 7, 1, 3, 0) });
    const day = simulateTelemetry({ ...options, durationS: 5 });
    const count = (s: typeof day) => [...s.samples()].flat().length;
    expect(count(night)).toBeLessThan(count(day) / 2);
  });
});
