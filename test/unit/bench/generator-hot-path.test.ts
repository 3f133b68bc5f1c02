import { describe, expect, it } from 'vitest';
import { OrderMix } from '../../../src/loadgen/order-mix.ts';

const options = { seed: 'hot', users: 50, products: 30, items: { min: 1, max: 4 }, quantity: { min: 1, max: 3 } };

describe('the generator’s order bodies', () => {
  it('are exactly the JSON of the order stream, without building the objects', () => {
    const objects = new OrderMix(options);
    const texts = new OrderMix(options);
    for (let i = 0; i < 2000; i++) expect(texts.nextJson()).toBe(JSON.stringify(objects.next()));
  });

  it('interleave with next() on one stream', () => {
    const a = new OrderMix(options);
    const b = new OrderMix(options);
    const mixed = [a.next(), JSON.parse(a.nextJson()) as unknown, a.next()];
    expect(mixed).toEqual([b.next(), b.next(), b.next()]);
  });
});
