import { startConsumer } from '../../infra/consumer.ts';
import type { BusContext, RunningService } from '../types.ts';
import { INVENTORY_TOPICS, inventoryHandler, type InventoryOptions } from './handlers.ts';
import type { StockStore } from './reservation.ts';

export async function startInventoryService(bus: BusContext, store: StockStore, options: InventoryOptions): Promise<RunningService> {
  const consumer = await startConsumer({ name: 'inventory', topics: INVENTORY_TOPICS, handle: inventoryHandler(store, options, bus.logger.child('inventory')) }, bus);
  return { name: 'inventory', crashed: consumer.crashed, stop: () => consumer.stop() };
}
