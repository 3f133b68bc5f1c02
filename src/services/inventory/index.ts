import { defineService } from '../service.ts';
import { INVENTORY_GROUPS } from './handlers.ts';
import { MemoryStockStore } from './memory-stock-store.ts';
import type { StockStore } from './ports.ts';

/** The inventory service: reserves, releases and sells stock, in Redis (or memory). */
export const inventoryService = defineService({
  name: 'inventory',
  groups: INVENTORY_GROUPS,
  stores: ['redis'],
  portNames: { stock: 'stock' },
  ports: async ({ redis, redisNamespace, ledgerTtl }): Promise<{ stock: StockStore }> => ({
    stock: redis ? (await import('./redis-stock-store.ts')).redisStockStore(redis, redisNamespace, ledgerTtl) : new MemoryStockStore(),
  }),
  start: async (bus, { stock }, { defaultStock }) => (await import('./start.ts')).startInventoryService(bus, stock, { defaultStock }),
  orderKeys: (namespace, orderId) => [`${namespace}:reservation:${orderId}`],
});
