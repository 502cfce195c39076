import { describe, expect, it } from 'vitest';
import { KM_PER_MILE, losOf, losOfDensity, pcePerVehicle } from '../../../processors/traffic/los.ts';
import { densityFromOccupancy, occupancyPctOf } from '../../../processors/traffic/loop-detector.ts';

describe('level of service by density (HCM basic freeway thresholds)', () => {
  it('maps the thresholds in pc/mi/ln, inclusive upper bounds', () => {
    const perKm = (pcPerMile: number) => pcPerMile / KM_PER_MILE;
    expect(losOfDensity(0)).toBe('A');
    expect(losOfDensity(perKm(11))).toBe('A');
    expect(losOfDensity(perKm(11.01))).toBe('B');
    expect(losOfDensity(perKm(18))).toBe('B');
    expect(losOfDensity(perKm(26))).toBe('C');
    expect(losOfDensity(perKm(35))).toBe('D');
    expect(losOfDensity(perKm(45))).toBe('E');
    expect(losOfDensity(perKm(45.01))).toBe('F');
  });

  it('counts heavy vehicles as two passenger cars', () => {
    expect(pcePerVehicle(0)).toBe(1);
    expect(pcePerVehicle(0.1)).toBeCloseTo(1.1);
    // 26 veh/km/ln is E with no heavy vehicles (41.8 pc/mi) and F with 10% (46 pc/mi).
    expect(losOf(26, 0)).toBe('E');
    expect(losOf(26, 0.1)).toBe('F');
  });

  it('turns occupancy into density and back through the effective vehicle length', () => {
    expect(densityFromOccupancy(occupancyPctOf(30, 0.08), 0.08)).toBeCloseTo(30, 9);
    expect(occupancyPctOf(100, 0)).toBeCloseTo(65); // 6.5 m per car
  });
});
