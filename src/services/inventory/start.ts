import type { Bus } from '../../infra/bus.ts';
import { startSagaConsumer } from '../../runtime/consumer.ts';
import type { RunningService } from '../service.ts';
import { INVENTORY_TOPICS, inventoryHandler, type InventoryOptions } from './handlers.ts';
import type { StockStore } from './ports.ts';

export async function startInventoryService(bus: Bus, store: StockStore, options: InventoryOptions): Promise<RunningService> {
  const consumer = await startSagaConsumer(bus, {
    name: 'inventory',
    topics: INVENTORY_TOPICS,
    pace: 'step',
    handle: inventoryHandler(store, options, bus.logger.child('inventory', { service: 'inventory' })),
  });
  return { name: 'inventory', crashed: consumer.crashed, stop: () => consumer.stop() };
}
