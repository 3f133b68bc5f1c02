import { describe, expect, it } from 'vitest';
import { MemoryStockStore } from '../../../../src/services/inventory/memory-stock-store.ts';
import { planReservation } from '../../../../src/services/inventory/reservation.ts';
import { stockStoreContract } from '../../../contract/stock-store.contract.ts';

stockStoreContract('memory', () => new MemoryStockStore());

describe('planReservation', () => {
  const stock: Record<string, number> = { a: 5, b: 0 };
  const available = (id: string) => stock[id];

  it('accepts an order that every item can cover, including the exact last units', () => {
    expect(planReservation(available, { a: 5 }, null)).toEqual({ ok: true });
  });

  it('lists every short product, not only the first', () => {
    expect(planReservation(available, { a: 6, b: 1 }, null)).toEqual({
      ok: false,
      shortages: [
        { productId: 'a', requested: 6, available: 5 },
        { productId: 'b', requested: 1, available: 0 },
      ],
    });
  });

  it('treats an unknown product as empty, or as the default stock when one is set', () => {
    expect(planReservation(available, { x: 1 }, null)).toEqual({ ok: false, shortages: [{ productId: 'x', requested: 1, available: 0 }] });
    expect(planReservation(available, { x: 100 }, 100)).toEqual({ ok: true });
  });
});
