/**
 * Seeded pseudo-random numbers for the simulators: mulberry32 for uniforms, Box–Muller for normals.
 * The same seed always gives the same sequence, on every platform (32-bit integer arithmetic only).
 */

export interface Rng {
  /** A uniform number in [0, 1). */
  next(): number;
  /** A uniform number in [min, max). */
  uniform(min: number, max: number): number;
  /** A normally distributed number. */
  normal(mean?: number, standardDeviation?: number): number;
  /** A uniform integer in [min, max], both included. */
  integer(min: number, max: number): number;
  /** True with probability `probability`. */
  chance(probability: number): boolean;
}

/** Turns any number into a 32-bit unsigned seed (integers are kept as they are, modulo 2^32). */
function toSeed(seed: number): number {
  if (Number.isInteger(seed)) return seed >>> 0;
  return Math.floor(Math.abs(seed) * 0x9e3779b9) >>> 0;
}

/** A generator seeded with `seed` (mulberry32). */
export function createRng(seed: number): Rng {
  let state = toSeed(seed);
  let spareNormal: number | undefined;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
  const standardNormal = (): number => {
    if (spareNormal !== undefined) {
      const value = spareNormal;
      spareNormal = undefined;
      return value;
    }
    // Box–Muller; 1 - next() is in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
  return {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    normal: (mean = 0, standardDeviation = 1) => mean + standardDeviation * standardNormal(),
    integer: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (probability) => next() < probability,
  };
}

/**
 * An independent seed for one purpose of a simulation (`label`), so that e.g. turning keypoints off
 * does not change the position noise: each purpose draws from its own stream.
 */
export function deriveSeed(seed: number, label: string): number {
  let hash = toSeed(seed) ^ 0x811c9dc5;
  for (let index = 0; index < label.length; index += 1) {
    hash = Math.imul(hash ^ label.charCodeAt(index), 0x01000193) >>> 0;
  }
  // A final avalanche (murmur3 fmix32) so that close labels give unrelated seeds.
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}
