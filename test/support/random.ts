/** Seeded randomness for tests: mulberry32. Print the seed on failure so a run can be reproduced. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed from STADION_TEST_SEED, or a fresh one; logged either way. */
export function testSeed(label: string): number {
  const fromEnv = process.env['STADION_TEST_SEED'];
  const seed = fromEnv === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(fromEnv);
  console.log(`${label}: reproduce with STADION_TEST_SEED=${seed}`);
  return seed;
}
