import { describe, expect, it } from 'vitest';
import {
  createSampleRing,
  fitQuadratic,
  oldestSeq,
  pushSample,
  samplesAfter,
  solveCrossing,
  type Crossing,
  type QuadraticFit,
} from '../../../../processors/tracking/kinematics/local-fit.ts';
import { Gaussian } from './sprint-model.ts';

const fit = (): QuadraticFit => ({ posM: 0, velMps: 0, accMps2: 0, samples: 0 });

describe('sample ring and local quadratic fit', () => {
  it('recovers a quadratic exactly from irregular samples, after the ring has wrapped', () => {
    const ring = createSampleRing(16);
    const rng = new Gaussian(3);
    const x = (t: number): number => 40 + 9 * (t - 5) + 1.5 * (t - 5) ** 2;
    let t = 0;
    for (let i = 0; i < 100; i++) {
      t += rng.uniform(0.01, 0.04);
      pushSample(ring, t, x(t));
    }
    expect(oldestSeq(ring)).toBe(84);
    const centre = t - 0.15;
    const out = fit();
    expect(fitQuadratic(ring, centre, 0.2, 2, out)).toBe(true);
    // Positions are stored to 0.1 mm.
    expect(out.posM).toBeCloseTo(x(centre), 3);
    expect(out.velMps).toBeCloseTo(9 + 3 * (centre - 5), 1);
    expect(out.accMps2).toBeCloseTo(3, 0);
  });

  it('refuses windows with too few samples on a side, or degenerate ones', () => {
    const ring = createSampleRing(8);
    const out = fit();
    expect(fitQuadratic(ring, 0, 1, 1, out)).toBe(false);
    pushSample(ring, 0, 0);
    pushSample(ring, 0.02, 0.2);
    expect(fitQuadratic(ring, 0.01, 1, 1, out)).toBe(false);
    pushSample(ring, 0.04, 0.4);
    expect(fitQuadratic(ring, 0.02, 1, 1, out)).toBe(true);
    expect(fitQuadratic(ring, 0.04, 1, 1, out)).toBe(true); // the centre sample counts for both sides
    expect(fitQuadratic(ring, 0.05, 1, 1, out)).toBe(false);
    expect(fitQuadratic(ring, 0.02, 0, 1, out)).toBe(false);
    expect(samplesAfter(ring, 0.01)).toBe(2);
  });

  it('solves the crossing of a mark between frames to well under a millisecond from noisy samples', () => {
    const rng = new Gaussian(11);
    const errors: number[] = [];
    for (let trial = 0; trial < 200; trial++) {
      const ring = createSampleRing(64);
      const v0 = rng.uniform(5, 12);
      const a = rng.uniform(-1, 3);
      const x = (t: number): number => v0 * t + 0.5 * a * t * t;
      for (let t = rng.uniform(0, 0.02); t < 2; t += 0.02) pushSample(ring, t, x(t) + rng.normal(0.03));
      const markM = x(1);
      const out: Crossing = { timeS: 0, velMps: 0 };
      expect(solveCrossing(ring, markM, 1 + rng.uniform(-0.05, 0.05), 0.2, 3, out)).toBe(true);
      errors.push(Math.abs(out.timeS - 1));
      expect(Math.abs(out.velMps - (v0 + a))).toBeLessThan(0.5);
    }
    const meanMs = (errors.reduce((s, e) => s + e, 0) / errors.length) * 1000;
    expect(meanMs).toBeLessThan(1.5);
    expect(Math.max(...errors)).toBeLessThan(0.006);
  });

  it('gives up on a standing or backward-moving fit', () => {
    const ring = createSampleRing(32);
    for (let i = 0; i < 30; i++) pushSample(ring, i * 0.02, 5 - i * 0.01);
    expect(solveCrossing(ring, 4.9, 0.3, 0.2, 3, { timeS: 0, velMps: 0 })).toBe(false);
  });
});
