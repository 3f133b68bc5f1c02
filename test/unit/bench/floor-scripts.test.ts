import { describe, expect, it } from 'vitest';
import * as floor from '../../../src/bench/floor-scripts.ts';
import * as saga from '../../../src/services/inventory/redis-scripts.ts';

describe("the floor's Redis scripts", () => {
  it("are the inventory service's, word for word", () => {
    expect(floor.RESERVE).toBe(saga.RESERVE);
    expect(floor.SETTLE).toBe(saga.SETTLE);
  });
});
