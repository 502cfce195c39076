/**
 * A ring of recent raw samples (time, position) and a least-squares quadratic fit over a time window
 * of it: the fixed-lag smoother behind the precise metrics (split and finish times, top speed).
 *
 * WHY a second smoother next to the Kalman filter: the filter only sees the past, so it lags, and its
 * noise (about 0.1 m/s on speed) leaks into anything read off it: a crossing time, a maximum. Once a
 * moment lies `halfWidthS` in the past, a quadratic fitted to the raw samples on both sides of it
 * estimates position (noise ≈ 1.5 σ/√n) and velocity there without lag; the odd error terms cancel on
 * a symmetric window. At 50 fps with σ = 3 cm, a ±0.2 s window puts the position within about 1 cm
 * (1 ms at 10 m/s), a ±0.5 s window the speed within about 0.015 m/s. Samples may be spaced
 * irregularly (dropped frames): the fit uses their real times.
 *
 * The ring is plain JSON data (arrays of numbers and counters), updated in place.
 */
export interface SampleRing {
  /** Sample times, seconds since the state's origin; slot `seq % capacity` holds sample number `seq`. */
  timeS: number[];
  /** Sample positions (x), metres. */
  posM: number[];
  /** Number of samples ever pushed; the newest is `count - 1`, the oldest kept is `max(0, count - capacity)`. */
  count: number;
}

/** A ring with a second coordinate. */
export interface SampleRingXY extends SampleRing {
  /** Sample positions (y), metres. */
  posYM: number[];
}

/** The result of a fit; written into a caller's object to avoid allocating one per step. */
export interface QuadraticFit {
  /** Fitted position at the centre, metres. */
  posM: number;
  /** Fitted velocity at the centre, metres per second. */
  velMps: number;
  /** Fitted acceleration (constant over the window), metres per second squared. */
  accMps2: number;
  /** Samples used. */
  samples: number;
}

export function createSampleRing(capacity: number): SampleRing {
  return { timeS: new Array<number>(capacity).fill(0), posM: new Array<number>(capacity).fill(0), count: 0 };
}

export function createSampleRingXY(capacity: number): SampleRingXY {
  return { ...createSampleRing(capacity), posYM: new Array<number>(capacity).fill(0) };
}

/**
 * Positions are stored rounded to 0.1 mm: far below any tracking noise, and it halves the size of the
 * state in JSON.
 */
function roundPosition(posM: number): number {
  return Math.round(posM * 1e4) / 1e4;
}

export function pushSample(ring: SampleRing, timeS: number, posM: number): void {
  const slot = ring.count % ring.timeS.length;
  ring.timeS[slot] = timeS;
  ring.posM[slot] = roundPosition(posM);
  ring.count += 1;
}

export function pushSampleXY(ring: SampleRingXY, timeS: number, xM: number, yM: number): void {
  ring.posYM[ring.count % ring.timeS.length] = roundPosition(yM);
  pushSample(ring, timeS, xM);
}

/** Sequence number of the oldest sample still in the ring. */
export function oldestSeq(ring: SampleRing): number {
  return Math.max(0, ring.count - ring.timeS.length);
}

/** Time of sample `seq` (which must be in the ring). */
export function sampleTimeS(ring: SampleRing, seq: number): number {
  return ring.timeS[seq % ring.timeS.length] ?? 0;
}

/** Time of the newest sample, or `fallbackS` when the ring is empty. */
export function newestTimeS(ring: SampleRing, fallbackS: number): number {
  return ring.count === 0 ? fallbackS : sampleTimeS(ring, ring.count - 1);
}

/** Number of samples strictly after `timeS`. */
export function samplesAfter(ring: SampleRing, timeS: number): number {
  let n = 0;
  for (let seq = ring.count - 1; seq >= oldestSeq(ring); seq--) {
    if (sampleTimeS(ring, seq) <= timeS) break;
    n++;
  }
  return n;
}

/** Sums of the normal equations of a window, normalised time u = (t − centre) / halfWidth. */
interface Moments {
  n: number;
  before: number;
  after: number;
  su: number;
  su2: number;
  su3: number;
  su4: number;
  sx: number;
  sxu: number;
  sxu2: number;
  sy: number;
  syu: number;
  syu2: number;
}

const moments: Moments = {
  n: 0,
  before: 0,
  after: 0,
  su: 0,
  su2: 0,
  su3: 0,
  su4: 0,
  sx: 0,
  sxu: 0,
  sxu2: 0,
  sy: 0,
  syu: 0,
  syu2: 0,
};

/** Accumulates the window's sums into `moments`, for `xs` and (when given) `ys`. */
function accumulate(
  ring: SampleRing,
  centreS: number,
  halfWidthS: number,
  xs: readonly number[],
  ys: readonly number[] | null,
): void {
  const capacity = ring.timeS.length;
  const invHalfWidth = 1 / halfWidthS;
  const times = ring.timeS;
  let n = 0;
  let before = 0;
  let after = 0;
  let su = 0;
  let su2 = 0;
  let su3 = 0;
  let su4 = 0;
  let sx = 0;
  let sxu = 0;
  let sxu2 = 0;
  let sy = 0;
  let syu = 0;
  let syu2 = 0;
  const available = ring.count - oldestSeq(ring);
  // Newest to oldest, stepping the slot down instead of taking a modulo per sample.
  let slot = (ring.count - 1) % capacity;
  for (let k = 0; k < available; k++, slot = slot === 0 ? capacity - 1 : slot - 1) {
    const s = (times[slot] ?? 0) - centreS;
    if (s > halfWidthS) continue;
    if (s < -halfWidthS) break;
    // Normalised time u in [-1, 1] keeps the normal equations well conditioned.
    const u = s * invHalfWidth;
    const u2 = u * u;
    n++;
    if (s <= 0) before++;
    if (s >= 0) after++;
    su += u;
    su2 += u2;
    su3 += u2 * u;
    su4 += u2 * u2;
    const x = xs[slot] ?? 0;
    sx += x;
    sxu += x * u;
    sxu2 += x * u2;
    if (ys !== null) {
      const y = ys[slot] ?? 0;
      sy += y;
      syu += y * u;
      syu2 += y * u2;
    }
  }
  moments.n = n;
  moments.before = before;
  moments.after = after;
  moments.su = su;
  moments.su2 = su2;
  moments.su3 = su3;
  moments.su4 = su4;
  moments.sx = sx;
  moments.sxu = sxu;
  moments.sxu2 = sxu2;
  moments.sy = sy;
  moments.syu = syu;
  moments.syu2 = syu2;
}

/**
 * Solves the normal equations [n su su2; su su2 su3; su2 su3 su4]·[b0 b1 b2] = [r0 r1 r2] by Cramer's
 * rule into `out`; false when degenerate (samples bunched in time: the determinant vanishes against
 * its own scale).
 */
function solve(r0: number, r1: number, r2: number, invHalfWidth: number, out: QuadraticFit): boolean {
  const { n, su, su2, su3, su4 } = moments;
  const m00 = su2 * su4 - su3 * su3;
  const m01 = su * su4 - su3 * su2;
  const m02 = su * su3 - su2 * su2;
  const det = n * m00 - su * m01 + su2 * m02;
  if (!(Math.abs(det) > 1e-9 * n * su2 * su4)) return false;
  const b0 = (r0 * m00 - su * (r1 * su4 - su3 * r2) + su2 * (r1 * su3 - su2 * r2)) / det;
  const b1 = (n * (r1 * su4 - su3 * r2) - r0 * m01 + su2 * (su * r2 - r1 * su2)) / det;
  const b2 = (n * (su2 * r2 - r1 * su3) - su * (su * r2 - r1 * su2) + r0 * m02) / det;
  if (!Number.isFinite(b0) || !Number.isFinite(b1) || !Number.isFinite(b2)) return false;
  out.posM = b0;
  out.velMps = b1 * invHalfWidth;
  out.accMps2 = 2 * b2 * invHalfWidth * invHalfWidth;
  out.samples = n;
  return true;
}

function enough(minPerSide: number): boolean {
  return moments.before >= minPerSide && moments.after >= minPerSide && moments.n >= 3;
}

/**
 * Fits p(t) = p + v·s + a·s²/2 with s = t − centreS to the ring's samples within ±halfWidthS of
 * `centreS` (positions from `values`: the ring's x by default), writing the result into `out`. Returns
 * false (and leaves `out` unusable) when the window holds fewer than `minPerSide` samples on either side
 * of the centre or the fit is degenerate; a sample exactly at the centre counts for both sides.
 */
export function fitQuadratic(
  ring: SampleRing,
  centreS: number,
  halfWidthS: number,
  minPerSide: number,
  out: QuadraticFit,
  values: readonly number[] = ring.posM,
): boolean {
  if (!(halfWidthS > 0)) return false;
  accumulate(ring, centreS, halfWidthS, values, null);
  if (!enough(minPerSide)) return false;
  return solve(moments.sx, moments.sxu, moments.sxu2, 1 / halfWidthS, out);
}

/** {@link fitQuadratic} of x and y at once (one pass over the window). */
export function fitQuadraticXY(
  ring: SampleRingXY,
  centreS: number,
  halfWidthS: number,
  minPerSide: number,
  outX: QuadraticFit,
  outY: QuadraticFit,
): boolean {
  if (!(halfWidthS > 0)) return false;
  accumulate(ring, centreS, halfWidthS, ring.posM, ring.posYM);
  if (!enough(minPerSide)) return false;
  const invHalfWidth = 1 / halfWidthS;
  return (
    solve(moments.sx, moments.sxu, moments.sxu2, invHalfWidth, outX) &&
    solve(moments.sy, moments.syu, moments.syu2, invHalfWidth, outY)
  );
}

/** A mark crossing found by {@link solveCrossing}. */
export interface Crossing {
  /** Time of the crossing, seconds since the ring's origin. */
  timeS: number;
  /** Fitted velocity at the crossing, metres per second. */
  velMps: number;
}

const scratchFit: QuadraticFit = { posM: 0, velMps: 0, accMps2: 0, samples: 0 };

/**
 * Finds when the trajectory crosses `markM` near `guessS`: fits a local quadratic to the raw samples
 * around the guess, solves it for the mark, re-centres on the solution and solves again. Widens the
 * window (up to 4x) when dropped frames leave too few samples on a side. Returns false when no
 * forward-moving fit brackets the mark.
 */
export function solveCrossing(
  ring: SampleRing,
  markM: number,
  guessS: number,
  halfWidthS: number,
  minPerSide: number,
  out: Crossing,
): boolean {
  let centreS = guessS;
  let found = false;
  for (let iteration = 0; iteration < 3; iteration++) {
    let widthS = halfWidthS;
    let fitted = false;
    for (let widen = 0; widen < 3 && !fitted; widen++) {
      fitted = fitQuadratic(ring, centreS, widthS, minPerSide, scratchFit);
      widthS *= 2;
    }
    if (!fitted) return found;
    const c0 = scratchFit.posM - markM;
    const c1 = scratchFit.velMps;
    const c2 = 0.5 * scratchFit.accMps2;
    if (!(c1 > 1e-3)) return found;
    // Newton on c0 + c1·s + c2·s² = 0 from the linear solution; the quadratic term is a small correction.
    let s = -c0 / c1;
    for (let k = 0; k < 4; k++) {
      const slope = c1 + 2 * c2 * s;
      if (!(slope > 1e-3)) break;
      s -= (c0 + c1 * s + c2 * s * s) / slope;
    }
    if (!Number.isFinite(s) || Math.abs(s) > 4 * halfWidthS) return found;
    out.timeS = centreS + s;
    out.velMps = Math.max(0, c1 + 2 * c2 * s);
    found = true;
    if (Math.abs(s) < 0.1 * halfWidthS) return true;
    centreS += s;
  }
  return found;
}
