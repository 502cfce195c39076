/**
 * A body-centre trajectory integrated on a fine, regular time grid (the simulators' ground truth), and
 * linear interpolation on it.
 */

export interface FineTrajectory {
  /** Time of sample 0, seconds on the simulation's clock. */
  readonly t0S: number;
  /** Grid step, seconds. */
  readonly dtS: number;
  readonly xM: Float64Array;
  readonly yM: Float64Array;
  readonly speedMps: Float64Array;
  /** Direction of travel, radians from +x towards +y, unwrapped (continuous, not reduced to ±π). */
  readonly headingRad: Float64Array;
  /** Continuous step count: step k touches down when it reaches k (k = 1, 2, ...). */
  readonly stepPhase: Float64Array;
}

/** Fractional grid index of `tS`, clamped to the grid. */
export function gridPosition(trajectory: FineTrajectory, tS: number): number {
  const last = trajectory.xM.length - 1;
  const position = (tS - trajectory.t0S) / trajectory.dtS;
  return Math.min(last, Math.max(0, position));
}

/** `series` linearly interpolated at fractional grid position `position`. */
export function interpolate(series: Float64Array, position: number): number {
  const index = Math.floor(position);
  const fraction = position - index;
  const a = series[index] ?? 0;
  if (fraction === 0) return a;
  const b = series[index + 1] ?? a;
  return a + (b - a) * fraction;
}

/** `series` at time `tS` (clamped to the grid). */
export function sampleAt(trajectory: FineTrajectory, series: Float64Array, tS: number): number {
  return interpolate(series, gridPosition(trajectory, tS));
}
