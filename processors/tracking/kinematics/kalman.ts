/**
 * One axis of a constant-acceleration Kalman filter driven by white jerk, for noisy positions sampled
 * at irregular intervals.
 *
 * WHY a filter at all: speed is the derivative of position, and differentiating noise amplifies it. A
 * raw finite difference of positions with a noise of σ = 3 cm at 50 fps has a speed noise of
 * σ·√2 / 0.02 s ≈ 2.1 m/s, and acceleration (a second difference) is hopeless (≈ 190 m/s²). The filter
 * keeps a small model of the motion (position, velocity, acceleration) and weighs each new position
 * against what the model predicted: with the sprint tuning (5 m²/s⁵) speed comes out with a noise of
 * about 0.1 m/s, at the cost of a short lag. (The precise metrics use a fixed-lag fit: local-fit.ts.)
 *
 * WHY this model: a sprinter's acceleration changes smoothly over the race (from about 8 m/s² out of the
 * blocks to 0 at top speed, then slightly negative), so acceleration is a state and its rate of change
 * (jerk) is the random "process noise", with spectral density `jerkPsdM2PerS5` [m²/s⁵]. The discrete
 * process noise is derived for the actual time step of each sample, so dropped frames (a longer step)
 * are handled exactly rather than by assuming a fixed frame rate. Large `jerkPsdM2PerS5` follows changes
 * faster with more noise; small smooths more and lags more.
 *
 * The state is a plain JSON object (9 numbers) updated in place: it lives in a changelogged store.
 */
export interface AxisFilterState {
  /** Estimated position, metres. */
  posM: number;
  /** Estimated velocity, metres per second. */
  velMps: number;
  /** Estimated acceleration, metres per second squared. */
  accMps2: number;
  /** Covariance, upper triangle (symmetric 3 x 3), units of the states' products. */
  c00: number;
  c01: number;
  c02: number;
  c11: number;
  c12: number;
  c22: number;
}

/** A new filter state at measured position `posM` with an uncertain velocity and acceleration. */
export function initialAxisFilter(
  posM: number,
  velMps: number,
  measurementVarianceM2: number,
  velocitySigmaMps: number,
  accelerationSigmaMps2: number,
): AxisFilterState {
  const filter: AxisFilterState = {
    posM: 0,
    velMps: 0,
    accMps2: 0,
    c00: 0,
    c01: 0,
    c02: 0,
    c11: 0,
    c12: 0,
    c22: 0,
  };
  resetAxisFilter(filter, posM, velMps, measurementVarianceM2, velocitySigmaMps, accelerationSigmaMps2);
  return filter;
}

/** Restarts `filter` in place at a measured position (after a gap too long to predict across). */
export function resetAxisFilter(
  filter: AxisFilterState,
  posM: number,
  velMps: number,
  measurementVarianceM2: number,
  velocitySigmaMps: number,
  accelerationSigmaMps2: number,
): void {
  filter.posM = posM;
  filter.velMps = velMps;
  filter.accMps2 = 0;
  filter.c00 = measurementVarianceM2;
  filter.c01 = 0;
  filter.c02 = 0;
  filter.c11 = velocitySigmaMps * velocitySigmaMps;
  filter.c12 = 0;
  filter.c22 = accelerationSigmaMps2 * accelerationSigmaMps2;
}

/**
 * Advances `filter` in place by `dtS` seconds: x ← F x, P ← F P Fᵀ + Q, with F the constant-acceleration
 * transition and Q the white-jerk noise integrated over the step.
 */
export function predictAxisFilter(filter: AxisFilterState, dtS: number, jerkPsdM2PerS5: number): void {
  const d = dtS;
  const h = 0.5 * d * d;
  filter.posM += d * filter.velMps + h * filter.accMps2;
  filter.velMps += d * filter.accMps2;

  const { c00, c01, c02, c11, c12, c22 } = filter;
  // Rows of F·P.
  const r00 = c00 + d * c01 + h * c02;
  const r01 = c01 + d * c11 + h * c12;
  const r02 = c02 + d * c12 + h * c22;
  const r11 = c11 + d * c12;
  const r12 = c12 + d * c22;
  // (F·P)·Fᵀ plus Q = q·[d⁵/20 d⁴/8 d³/6; d⁴/8 d³/3 d²/2; d³/6 d²/2 d].
  const d2 = d * d;
  const d3 = d2 * d;
  const q = jerkPsdM2PerS5;
  filter.c00 = r00 + d * r01 + h * r02 + (q * d3 * d2) / 20;
  filter.c01 = r01 + d * r02 + (q * d2 * d2) / 8;
  filter.c02 = r02 + (q * d3) / 6;
  filter.c11 = r11 + d * r12 + (q * d3) / 3;
  filter.c12 = r12 + (q * d2) / 2;
  filter.c22 = c22 + q * d;
}

/** Corrects `filter` in place with a measured position of variance `measurementVarianceM2`. */
export function updateAxisFilter(filter: AxisFilterState, posM: number, measurementVarianceM2: number): void {
  const { c00, c01, c02, c11, c12, c22 } = filter;
  const innovationVariance = c00 + measurementVarianceM2;
  if (!(innovationVariance > 0)) return;
  const k0 = c00 / innovationVariance;
  const k1 = c01 / innovationVariance;
  const k2 = c02 / innovationVariance;
  const innovation = posM - filter.posM;
  filter.posM += k0 * innovation;
  filter.velMps += k1 * innovation;
  filter.accMps2 += k2 * innovation;
  // P ← (I − K H) P, written on the upper triangle.
  filter.c00 = c00 - k0 * c00;
  filter.c01 = c01 - k0 * c01;
  filter.c02 = c02 - k0 * c02;
  filter.c11 = c11 - k1 * c01;
  filter.c12 = c12 - k1 * c02;
  filter.c22 = c22 - k2 * c02;
}

/** Innovations beyond this many standard deviations are outliers. */
const OUTLIER_SIGMAS = 5;

/**
 * True when a measured position is too far from the prediction to be believed: more than
 * `max(gateM, 5 σ)` away, σ being the standard deviation of the innovation (which grows while no
 * measurement arrives, so the gate widens over gaps). Call after {@link predictAxisFilter}.
 */
export function isOutlier(
  filter: AxisFilterState,
  posM: number,
  measurementVarianceM2: number,
  gateM: number,
): boolean {
  const sigmaM = Math.sqrt(filter.c00 + measurementVarianceM2);
  return Math.abs(posM - filter.posM) > Math.max(gateM, OUTLIER_SIGMAS * sigmaM);
}
