/**
 * What a loop detector's occupancy says about density, and back: a vehicle occupies the loop while
 * any part of it is over the loop, so occupancy = density x effective length (vehicle + loop).
 * Heavy vehicles are longer, so the effective length grows with their share. Pure; shared by the
 * simulator (to make readings) and the topology (to read them).
 */

/** Effective length of a passenger car over a loop (4.5 m car + 2 m loop), metres. */
export const CAR_EFFECTIVE_LENGTH_M = 6.5;
/** Effective length of a heavy vehicle over a loop (12.5 m + 2 m loop), metres. */
export const HEAVY_EFFECTIVE_LENGTH_M = 14.5;

/** Mean effective vehicle length for a heavy-vehicle share (0-1), metres. */
export function effectiveLengthM(heavyVehicleShare: number): number {
  const share = Math.min(1, Math.max(0, heavyVehicleShare));
  return CAR_EFFECTIVE_LENGTH_M + share * (HEAVY_EFFECTIVE_LENGTH_M - CAR_EFFECTIVE_LENGTH_M);
}

/** Occupancy (percent) of a lane at a density (vehicles per km). */
export function occupancyPctOf(densityVehPerKm: number, heavyVehicleShare: number): number {
  return Math.min(100, (densityVehPerKm * effectiveLengthM(heavyVehicleShare)) / 10);
}

/** Density (vehicles per km) of a lane at an occupancy (percent). */
export function densityFromOccupancy(occupancyPct: number, heavyVehicleShare: number): number {
  return (Math.max(0, occupancyPct) * 10) / effectiveLengthM(heavyVehicleShare);
}
