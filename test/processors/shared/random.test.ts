import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed } from '../../../processors/shared/random.ts';

describe('createRng', () => {
  it('repeats the same sequence for the same seed and differs for another', () => {
    const draw = (seed: number): number[] => {
      const rng = createRng(seed);
      return Array.from({ length: 20 }, () => rng.next());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('draws uniforms in [0, 1) and normals with the asked mean and standard deviation', () => {
    const rng = createRng(7);
    const uniforms = Array.from({ length: 50_000 }, () => rng.next());
    expect(Math.min(...uniforms)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...uniforms)).toBeLessThan(1);
    expect(uniforms.reduce((a, b) => a + b, 0) / uniforms.length).toBeCloseTo(0.5, 2);
    const normals = Array.from({ length: 50_000 }, () => rng.normal(3, 2));
    const mean = normals.reduce((a, b) => a + b, 0) / normals.length;
    const sd = Math.sqrt(normals.reduce((a, b) => a + (b - mean) ** 2, 0) / normals.length);
    expect(mean).toBeCloseTo(3, 1);
    expect(sd).toBeGreaterThan(1.96);
    expect(sd).toBeLessThan(2.04);
  });

  it('draws integers in the closed range', () => {
    const rng = createRng(1);
    const seen = new Set(Array.from({ length: 1000 }, () => rng.integer(1, 3)));
    expect([...seen].sort()).toEqual([1, 2, 3]);
  });
});

describe('deriveSeed', () => {
  it('gives stable, distinct seeds per label', () => {
    expect(deriveSeed(5, 'noise')).toBe(deriveSeed(5, 'noise'));
    expect(deriveSeed(5, 'noise')).not.toBe(deriveSeed(5, 'arrival'));
    expect(deriveSeed(5, 'noise')).not.toBe(deriveSeed(6, 'noise'));
  });
});
