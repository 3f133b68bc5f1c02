import { describe, expect, it } from 'vitest';
import { Queue } from '../../../src/bench/queue.ts';

describe('the floor queue', () => {
  it('hands out n items in arrival order once that many have arrived, keeping the rest', async () => {
    const q = new Queue<number>();
    let taken: number[] | undefined;
    const pending = q.take(3).then((items) => (taken = items));
    q.put([1, 2]);
    await Promise.resolve();
    expect(taken).toBeUndefined();
    q.put([3, 4]);
    await pending;
    expect(taken).toEqual([1, 2, 3]);
    q.put([5]);
    expect(await q.take(2)).toEqual([4, 5]);
  });
});
