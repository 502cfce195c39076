import { describe, expect, it } from 'vitest';
import {
  decodeCommitMetadata,
  deduplicationToken,
  encodeCommitMetadata,
} from '../../../engine/runtime/commit-metadata.ts';

describe('commit metadata', () => {
  it('round-trips the watermark and a pending flush', () => {
    const metadata = { watermarkMs: 1_700_000_000_000, pending: { end: 41, watermarkMs: 1_700_000_001_000 } };
    expect(decodeCommitMetadata(encodeCommitMetadata(metadata))).toEqual(metadata);
    expect(decodeCommitMetadata(encodeCommitMetadata({ watermarkMs: null }))).toEqual({ watermarkMs: null });
  });

  it('ignores empty metadata and metadata written by other tools', () => {
    for (const raw of [null, undefined, '', 'not json', '{"pendingEnd":3}', '[]'])
      expect(decodeCommitMetadata(raw)).toBeUndefined();
  });

  it('derives the same token for the same range and watermark, and different ones otherwise', () => {
    const origin = { topic: 't', partition: 2, firstOffset: 10, lastOffset: 19, watermarkMs: 5 };
    const token = deduplicationToken('topo', 'sink', origin);
    expect(token).toBe('stadion:topo:sink:t:2:10-19:5');
    expect(deduplicationToken('topo', 'sink', { ...origin })).toBe(token);
    expect(deduplicationToken('topo', 'other', origin)).not.toBe(token);
    expect(deduplicationToken('topo', 'sink', { ...origin, lastOffset: 20 })).not.toBe(token);
    expect(deduplicationToken('topo', 'sink', { ...origin, watermarkMs: 6 })).not.toBe(token);
    expect(deduplicationToken('topo', 'sink', { ...origin, watermarkMs: null })).toBe(
      'stadion:topo:sink:t:2:10-19:none',
    );
  });
});
