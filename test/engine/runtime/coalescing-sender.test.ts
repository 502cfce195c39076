import { describe, expect, it } from 'vitest';
import { CoalescingSender } from '../../../engine/runtime/coalescing-sender.ts';

describe('CoalescingSender', () => {
  it('sends at once when idle, then everything queued meanwhile in one request per sink, in order', async () => {
    const sent: Array<[string, number[]]> = [];
    let release: () => void = () => undefined;
    let gate = new Promise<void>((resolve) => (release = resolve));
    const sender = new CoalescingSender<string, number>(async (sink, items) => {
      sent.push([sink, [...items]]);
      await gate;
    });
    const first = sender.enqueue('a', [1]);
    const queued = [sender.enqueue('a', [2, 3]), sender.enqueue('b', [9]), sender.enqueue('a', [4])];
    expect(sent).toEqual([['a', [1]]]);
    const opened = gate;
    gate = Promise.resolve();
    release();
    await opened;
    await first;
    await Promise.all(queued);
    expect(sent).toEqual([
      ['a', [1]],
      ['a', [2, 3, 4]],
      ['b', [9]],
    ]);
  });

  it('rejects every enqueue of a failed round, and goes on with the next', async () => {
    let fail = true;
    const sender = new CoalescingSender<string, number>((_sink, items) =>
      fail && items.includes(1) ? Promise.reject(new Error('broker down')) : Promise.resolve(),
    );
    await expect(sender.enqueue('a', [1])).rejects.toThrow('broker down');
    fail = false;
    await expect(sender.enqueue('a', [2])).resolves.toBeUndefined();
  });
});
