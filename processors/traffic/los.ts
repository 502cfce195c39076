/**
 * Level of service by density, with the Highway Capacity Manual's basic-freeway thresholds (passenger
 * cars per mile per lane: A <= 11, B <= 18, C <= 26, D <= 35, E <= 45, F above), and the conversions
 * it needs: vehicles to passenger cars (heavy vehicles count as `HEAVY_VEHICLE_PCE` cars) and miles
 * to kilometres. Pure.
 */

export type Los = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

export const LOS_LEVELS: readonly Los[] = ['A', 'B', 'C', 'D', 'E', 'F'];

/** Upper density bounds of A to E, passenger cars per mile per lane (HCM basic freeway segments). */
export const LOS_MAX_DENSITY_PC_PER_MI_PER_LANE: readonly number[] = [11, 18, 26, 35, 45];

export const KM_PER_MILE = 1.609344;

/** The same bounds in passenger cars per km per lane. */
export const LOS_MAX_DENSITY_PC_PER_KM_PER_LANE: readonly number[] = LOS_MAX_DENSITY_PC_PER_MI_PER_LANE.map(
  (d) => d / KM_PER_MILE,
);

/** Passenger-car equivalent of one heavy vehicle (HCM, level terrain). */
export const HEAVY_VEHICLE_PCE = 2;

/** Passenger cars per vehicle for a given heavy-vehicle share (0-1). */
export function pcePerVehicle(heavyVehicleShare: number): number {
  const share = Math.min(1, Math.max(0, heavyVehicleShare));
  return 1 + share * (HEAVY_VEHICLE_PCE - 1);
}

/** Level of service of a density in passenger cars per km per lane. */
export function losOfDensity(densityPcPerKmPerLane: number): Los {
  for (let i = 0; i < LOS_MAX_DENSITY_PC_PER_KM_PER_LANE.length; i += 1) {
    if (densityPcPerKmPerLane <= (LOS_MAX_DENSITY_PC_PER_KM_PER_LANE[i] ?? Number.POSITIVE_INFINITY))
      return LOS_LEVELS[i] ?? 'F';
  }
  return 'F';
}

/** Level of service of a density in vehicles per km per lane with a heavy-vehicle share. */
export function losOf(densityVehPerKmPerLane: number, heavyVehicleShare: number): Los {
  return losOfDensity(densityVehPerKmPerLane * pcePerVehicle(heavyVehicleShare));
}

/** 0 for A ... 5 for F. */
export function losIndex(los: Los): number {
  return LOS_LEVELS.indexOf(los);
}

/** The level at `index` (clamped to A-F). */
export function losAt(index: number): Los {
  return LOS_LEVELS[Math.min(5, Math.max(0, Math.round(index)))] ?? 'F';
}
