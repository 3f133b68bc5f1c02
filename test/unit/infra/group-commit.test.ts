import { afterEach, describe, expect, it, vi } from 'vitest';
import { GroupCommit, type Settled } from '../../../src/infra/group-commit.ts';
import { deferred, turns, waitFor, type Deferred } from '../../helpers/wait.ts';

const quick = { timeout: 2_000, interval: 2 };

interface Item {
  id: string;
  key?: string;
}

const ok = <O>(value: O): Settled<O> => ({ ok: true, value });

/** A GroupCommit whose flushes are recorded and, when `hold` is set, kept open until the test releases them. */
function recorder({ maxBatch = 100, hold = false, keyed = false } = {}) {
  const flushes: string[][] = [];
  const gates: Deferred<void>[] = [];
  const gc = new GroupCommit<Item, string>({
    maxBatch,
    ...(keyed ? { key: (item: Item) => item.key } : {}),
    flush: async (items) => {
      flushes.push(items.map((i) => i.id));
      if (hold) {
        const gate = deferred();
        gates.push(gate);
        await gate.promise;
      }
      return items.map((i) => ok(`done:${i.id}`));
    },
  });
  return { gc, flushes, gates };
}

describe('GroupCommit', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes the items submitted in one turn of the event loop in one flush, and answers each with its own result', async () => {
    const { gc, flushes } = recorder();
    const results = await Promise.all(['a', 'b', 'c'].map((id) => gc.submit({ id })));
    expect(results).toEqual(['done:a', 'done:b', 'done:c']);
    expect(flushes).toEqual([['a', 'b', 'c']]);
  });

  it('writes the items submitted while a flush is under way together in the next flush', async () => {
    const { gc, flushes, gates } = recorder({ hold: true });
    const first = gc.submit({ id: 'a' });
    await waitFor(() => flushes.length === 1, { ...quick, what: 'the first flush to start' });
    const later = ['b', 'c', 'd'].map((id) => gc.submit({ id }));
    await turns();
    expect(flushes, 'nothing else is flushed while the first flush runs').toEqual([['a']]);
    expect(gc.pending).toBe(3);

    gates[0]!.resolve();
    await expect(first).resolves.toBe('done:a');
    await waitFor(() => gates.length === 2, { ...quick, what: 'the second flush to start' });
    expect(flushes).toEqual([['a'], ['b', 'c', 'd']]);
    gates[1]!.resolve();
    expect(await Promise.all(later)).toEqual(['done:b', 'done:c', 'done:d']);
  });

  it('flushes an idle submit at once, without waiting for any timer', async () => {
    // With timers frozen, a flush that waited for a setTimeout/setInterval would never come.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const { gc, flushes } = recorder();
    const flushedWithoutTimers = async (id: string) => {
      const outcome = await Promise.race([gc.submit({ id }), turns(50).then(() => 'still waiting')]);
      expect(outcome, `submit of ${id} resolved within 50 turns of the event loop`).toBe(`done:${id}`);
    };
    await flushedWithoutTimers('first');
    // And again once the committer has gone idle after a flush.
    await flushedWithoutTimers('second');
    expect(flushes).toEqual([['first'], ['second']]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('answers an idle submit within a few milliseconds of wall time', async () => {
    const { gc } = recorder();
    await gc.submit({ id: 'warm-up' });
    // The best of a few tries, so a GC pause on a busy machine does not count as batching delay.
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await gc.submit({ id: `x${i}` });
      best = Math.min(best, performance.now() - t0);
    }
    expect(best).toBeLessThan(10);
  });

  it('puts at most maxBatch items in a flush, keeping submission order', async () => {
    const { gc, flushes } = recorder({ maxBatch: 3 });
    const ids = ['1', '2', '3', '4', '5', '6', '7'];
    expect(await Promise.all(ids.map((id) => gc.submit({ id })))).toEqual(ids.map((id) => `done:${id}`));
    expect(flushes).toEqual([['1', '2', '3'], ['4', '5', '6'], ['7']]);
  });

  it('never puts two items of one key in a flush, and keeps their submission order', async () => {
    const { gc, flushes } = recorder({ keyed: true });
    const items: Item[] = [
      { id: 'a1', key: 'A' },
      { id: 'b1', key: 'B' },
      { id: 'a2', key: 'A' },
      { id: 'n1' },
      { id: 'a3', key: 'A' },
      { id: 'b2', key: 'B' },
      { id: 'n2' },
      { id: 'c1', key: 'C' },
    ];
    expect(await Promise.all(items.map((i) => gc.submit(i)))).toEqual(items.map((i) => `done:${i.id}`));
    const keyOf = new Map(items.map((i) => [i.id, i.key]));
    for (const flush of flushes) {
      const keys = flush.map((id) => keyOf.get(id)).filter((k) => k !== undefined);
      expect(new Set(keys).size, `flush ${flush.join(',')} holds a key twice`).toBe(keys.length);
    }
    const order = flushes.flat();
    expect(order.filter((id) => id.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
    expect(order.filter((id) => id.startsWith('b'))).toEqual(['b1', 'b2']);
    expect(order.sort()).toEqual(items.map((i) => i.id).sort());
    // Items without a key, and other keys, are not held back by a repeated key.
    expect(flushes[0]).toEqual(['a1', 'b1', 'n1', 'n2', 'c1']);
  });

  it('keeps a key out of a flush while its earlier item is still being written', async () => {
    const { gc, flushes, gates } = recorder({ keyed: true, hold: true });
    const first = gc.submit({ id: 'a1', key: 'A' });
    await waitFor(() => flushes.length === 1, { ...quick, what: 'the first flush to start' });
    const second = gc.submit({ id: 'a2', key: 'A' });
    const other = gc.submit({ id: 'b1', key: 'B' });
    gates[0]!.resolve();
    await waitFor(() => gates.length === 2, { ...quick, what: 'the second flush to start' });
    expect(flushes).toEqual([['a1'], ['a2', 'b1']]);
    gates[1]!.resolve();
    expect(await Promise.all([first, second, other])).toEqual(['done:a1', 'done:a2', 'done:b1']);
  });

  it('respects maxBatch and keys together', async () => {
    const { gc, flushes } = recorder({ keyed: true, maxBatch: 2 });
    const items: Item[] = [
      { id: 'a1', key: 'A' },
      { id: 'a2', key: 'A' },
      { id: 'b1', key: 'B' },
      { id: 'c1', key: 'C' },
      { id: 'a3', key: 'A' },
    ];
    await Promise.all(items.map((i) => gc.submit(i)));
    expect(flushes.every((f) => f.length <= 2)).toBe(true);
    expect(flushes.flat().filter((id) => id.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
    expect(flushes.flat().sort()).toEqual(items.map((i) => i.id).sort());
  });

  it('rejects only the item a flush failed, and answers the others', async () => {
    const boom = new Error('row 2 violates a constraint');
    const gc = new GroupCommit<string, string>({
      maxBatch: 10,
      flush: async (items) => items.map((i): Settled<string> => (i === 'bad' ? { ok: false, error: boom } : ok(i.toUpperCase()))),
    });
    const [a, bad, c] = await Promise.allSettled([gc.submit('a'), gc.submit('bad'), gc.submit('c')]);
    expect(a).toEqual({ status: 'fulfilled', value: 'A' });
    expect(bad).toEqual({ status: 'rejected', reason: boom });
    expect(c).toEqual({ status: 'fulfilled', value: 'C' });
  });

  it('rejects every item of a flush that throws, and still runs the flushes after it', async () => {
    const down = new Error('database unreachable');
    const flushes: string[][] = [];
    const gate = deferred();
    let calls = 0;
    const gc = new GroupCommit<string, string>({
      maxBatch: 10,
      flush: async (items) => {
        flushes.push(items);
        if (calls++ === 0) {
          await gate.promise;
          throw down;
        }
        return items.map((i) => ok(i));
      },
    });
    const doomed = [gc.submit('a'), gc.submit('b')];
    await waitFor(() => flushes.length === 1, { ...quick, what: 'the first flush to start' });
    const queued = gc.submit('c');
    gate.resolve();
    const settled = await Promise.allSettled(doomed);
    expect(settled).toEqual([
      { status: 'rejected', reason: down },
      { status: 'rejected', reason: down },
    ]);
    await expect(queued).resolves.toBe('c');
    // The committer is not stuck after a failure: a later, idle submit is flushed too.
    await expect(gc.submit('d')).resolves.toBe('d');
    expect(flushes).toEqual([['a', 'b'], ['c'], ['d']]);
  });

  it('rejects every item of a flush that answers for the wrong number of items', async () => {
    const gc = new GroupCommit<string, string>({ maxBatch: 10, flush: async () => [ok('only one')] });
    const settled = await Promise.allSettled([gc.submit('a'), gc.submit('b')]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
  });
});
