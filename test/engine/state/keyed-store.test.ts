import { describe, expect, it } from 'vitest';
import { KeyedStore } from '../../../engine/state/keyed-store.ts';

describe('KeyedStore changes', () => {
  it('gives one entry per changed key with its latest value', () => {
    const store = new KeyedStore('s');
    store.put('a', 1);
    store.put('b', 2);
    store.put('a', 3);
    expect(store.drainChanges()).toEqual([
      { key: 'a', value: 3 },
      { key: 'b', value: 2 },
    ]);
    expect(store.drainChanges()).toEqual([]);
  });

  it('gives a tombstone for a key that was in the changelog', () => {
    const store = new KeyedStore('s');
    store.put('a', 1);
    store.drainChanges();
    store.put('a', 2);
    store.delete('a');
    expect(store.drainChanges()).toEqual([{ key: 'a', value: null }]);
  });

  it('leaves out a key created and deleted between two drains', () => {
    const store = new KeyedStore('s');
    store.put('kept', 1);
    store.put('born-and-gone', 1);
    store.put('born-and-gone', 2);
    store.delete('born-and-gone');
    expect(store.drainChanges()).toEqual([{ key: 'kept', value: 1 }]);
    expect(store.has('born-and-gone')).toBe(false);
  });

  it('treats restored keys as logged and restores without marking them changed', () => {
    const store = new KeyedStore('s');
    store.restore({ key: 'a', value: 1 });
    expect(store.drainChanges()).toEqual([]);
    store.delete('a');
    store.delete('never-there');
    expect(store.drainChanges()).toEqual([{ key: 'a', value: null }]);
  });

  it('re-creates a logged key deleted and put again as a plain update', () => {
    const store = new KeyedStore('s');
    store.put('a', 1);
    store.drainChanges();
    store.delete('a');
    store.put('a', 5);
    expect(store.drainChanges()).toEqual([{ key: 'a', value: 5 }]);
  });

  it('logs a value changed in place once touched, as a put would', () => {
    const store = new KeyedStore('s');
    const value = { n: 1 };
    store.put('a', value);
    store.drainChanges();
    value.n = 2;
    store.touch('a');
    expect(store.drainChanges()).toEqual([{ key: 'a', value: { n: 2 } }]);
    expect(store.drainChanges()).toEqual([]);
    // Touched after a logged delete and put, then deleted: still a tombstone.
    store.delete('a');
    store.put('a', value);
    store.touch('a');
    store.delete('a');
    expect(store.drainChanges()).toEqual([{ key: 'a', value: null }]);
    // Created and touched between two drains, then expired: nothing at all.
    store.put('b', value);
    store.touch('b');
    store.expire('b');
    expect(store.drainChanges()).toEqual([]);
  });
});
