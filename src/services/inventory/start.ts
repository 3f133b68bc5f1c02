import type { Bus } from '../../infra/bus.ts';
import { startSagaConsumer } from '../../runtime/consumer.ts';
import type { RunningService } from '../service.ts';
import { INVENTORY_GROUPS, inventoryHandler, type InventoryOptions } from './handlers.ts';
import type { StockStore } from './ports.ts';

export async function startInventoryService(bus: Bus, store: StockStore, options: InventoryOptions): Promise<RunningService> {
  const handle = inventoryHandler(store, options, bus.logger.child('inventory', { service: 'inventory' }));
  const [steps, sales] = INVENTORY_GROUPS;
  const answers = await startSagaConsumer(bus, { name: 'inventory', topics: steps.topics, pace: 'step', handle });
  let sold;
  try {
    sold = await startSagaConsumer(bus, {
      name: 'inventory',
      group: sales.name,
      takesOverFrom: sales.takesOverFrom,
      topics: sales.topics,
      pace: 'record',
      handle,
    });
  } catch (e: unknown) {
    await answers.stop();
    throw e;
  }
  const consumers = [answers, sold];
  const crashed = Promise.race(consumers.map((c) => c.crashed));
  crashed.catch(() => {});
  return {
    name: 'inventory',
    crashed,
    stop: async () => void (await Promise.all(consumers.map((c) => c.stop()))),
  };
}
