import { describe, expect, it } from 'vitest';
import { parsePositiveInt, parseTopicSpec } from '../../cli/args.ts';

describe('CLI argument helpers', () => {
  it('parses topic specs', () => {
    expect(parseTopicSpec('tracking.frames:6')).toEqual({ name: 'tracking.frames', partitions: 6 });
    expect(() => parseTopicSpec('x')).toThrow(/name:partitions/);
    expect(() => parseTopicSpec('x:0')).toThrow(/name:partitions/);
  });
  it('parses whole numbers with a minimum', () => {
    expect(parsePositiveInt(undefined, '--n', 3)).toBe(3);
    expect(parsePositiveInt('0', '--port', 1, 0)).toBe(0);
    expect(() => parsePositiveInt('1.5', '--n', 1)).toThrow('--n must be a whole number >= 1, got "1.5"');
  });
});
