import { describe, expect, it } from 'vitest';
import { orderKeys } from '../../../src/bench/redis-keys.ts';
import { orderRedisKeys } from '../../../src/services/registry.ts';

describe("the bench's Redis keys", () => {
  it("are among the keys the services' registry names for an order, which the clean-up deletes", () => {
    expect(orderKeys('ns', 'o1')).toEqual(['ns:reservation:o1', 'ns:payment:o1', 'ns:notified:o1']);
    expect(orderRedisKeys('ns', 'o1')).toEqual(expect.arrayContaining(orderKeys('ns', 'o1')));
  });
});
