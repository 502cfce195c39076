import { describe, expect, it } from 'vitest';
import {
  initialAxisFilter,
  predictAxisFilter,
  updateAxisFilter,
  type AxisFilterState,
} from '../../../../processors/tracking/kinematics/kalman.ts';
import { Gaussian } from './sprint-model.ts';

const NOISE_M = 0.03;
const VARIANCE_M2 = NOISE_M * NOISE_M;

function track(
  positionAt: (tS: number) => number,
  times: number[],
  rng: Gaussian,
  jerkPsd: number,
): { filter: AxisFilterState; speedErrors: number[]; rawSpeedErrors: number[]; accelerations: number[] } {
  const first = times[0] ?? 0;
  const filter = initialAxisFilter(positionAt(first) + rng.normal(NOISE_M), 0, VARIANCE_M2, 10, 10);
  const speedErrors: number[] = [];
  const rawSpeedErrors: number[] = [];
  const accelerations: number[] = [];
  let previousT = first;
  let previousZ = filter.posM;
  for (const tS of times.slice(1)) {
    const z = positionAt(tS) + rng.normal(NOISE_M);
    predictAxisFilter(filter, tS - previousT, jerkPsd);
    updateAxisFilter(filter, z, VARIANCE_M2);
    const trueSpeed = (positionAt(tS + 1e-6) - positionAt(tS - 1e-6)) / 2e-6;
    speedErrors.push(filter.velMps - trueSpeed);
    rawSpeedErrors.push((z - previousZ) / (tS - previousT) - trueSpeed);
    accelerations.push(filter.accMps2);
    previousT = tS;
    previousZ = z;
  }
  return { filter, speedErrors, rawSpeedErrors, accelerations };
}

const rms = (values: number[]): number => Math.sqrt(values.reduce((a, b) => a + b * b, 0) / values.length);

describe('constant-acceleration Kalman filter', () => {
  it('turns a 2 m/s finite-difference speed noise into about 0.1 m/s (the WHY)', () => {
    const rng = new Gaussian(7);
    const times = Array.from({ length: 1000 }, (_, i) => i * 0.02);
    const { speedErrors, rawSpeedErrors } = track((t) => 10 * t, times, rng, 5);
    const settled = speedErrors.slice(100);
    const raw = rms(rawSpeedErrors);
    const filtered = rms(settled);
    console.log(
      `speed noise at 50 fps, 3 cm: raw difference ${raw.toFixed(2)} m/s, filtered ${filtered.toFixed(3)} m/s`,
    );
    expect(raw).toBeGreaterThan(1.8);
    expect(filtered).toBeLessThan(0.15);
  });

  it('follows a constant acceleration without lag, on irregular steps (dropped frames)', () => {
    const rng = new Gaussian(8);
    const times: number[] = [];
    for (let t = 0; t < 6; t += rng.uniform() < 0.2 ? 0.06 : 0.02) times.push(t);
    const { speedErrors, accelerations } = track((t) => 1 + 2 * t * t, times, rng, 5);
    const settled = accelerations.slice(-100);
    expect(Math.abs(settled.reduce((a, b) => a + b, 0) / settled.length - 4)).toBeLessThan(0.3);
    const tail = speedErrors.slice(-100);
    expect(Math.abs(tail.reduce((a, b) => a + b, 0) / tail.length)).toBeLessThan(0.05);
  });

  it('stays finite and symmetric positive over huge and tiny steps', () => {
    const filter = initialAxisFilter(0, 0, VARIANCE_M2, 10, 10);
    for (const dt of [1e-9, 1e-3, 0.02, 1, 10]) {
      predictAxisFilter(filter, dt, 5);
      updateAxisFilter(filter, 1, VARIANCE_M2);
      for (const value of Object.values(filter)) expect(Number.isFinite(value)).toBe(true);
      expect(filter.c00).toBeGreaterThan(0);
      expect(filter.c11).toBeGreaterThan(0);
      expect(filter.c22).toBeGreaterThan(0);
      expect(filter.c00 * filter.c11).toBeGreaterThanOrEqual(filter.c01 * filter.c01 * (1 - 1e-9));
    }
  });
});
