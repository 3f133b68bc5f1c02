import { describe, expect, it } from 'vitest';
import { OrderMix, parseRange } from '../../../src/loadgen/order-mix.ts';
import { createOrderRequest, validate } from '../../../src/services/order/request.ts';

const options = { seed: 's', users: 10, products: 20, items: { min: 1, max: 3 }, quantity: { min: 1, max: 2 } };

describe('order mix', () => {
  it('is reproducible with the same seed and differs with another', () => {
    const a = new OrderMix(options);
    const b = new OrderMix(options);
    const c = new OrderMix({ ...options, seed: 't' });
    const first = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(first);
    expect(Array.from({ length: 50 }, () => c.next())).not.toEqual(first);
  });

  it('makes valid orders within the ranges, priced from the catalogue', () => {
    const mix = new OrderMix(options);
    for (let i = 0; i < 200; i++) {
      const order = mix.next();
      expect(validate(createOrderRequest, order).ok).toBe(true);
      const lines = Object.entries(order.items);
      expect(lines.length).toBeGreaterThanOrEqual(1);
      expect(lines.length).toBeLessThanOrEqual(3);
      expect(lines.every(([, q]) => q >= 1 && q <= 2)).toBe(true);
      const expected = lines.reduce((sum, [id, q]) => sum + mix.products.find((p) => p.id === id)!.price * q, 0);
      expect(order.amount).toBeCloseTo(expected, 2);
      expect(mix.users).toContain(order.userId);
    }
  });

  it('parses ranges', () => {
    expect(parseRange('1-3')).toEqual({ min: 1, max: 3 });
    expect(parseRange('2')).toEqual({ min: 2, max: 2 });
    expect(() => parseRange('3-1')).toThrow();
    expect(() => parseRange('0')).toThrow();
  });
});
