import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { serializeEvent } from '../../../src/events/events.ts';
import { Topics } from '../../../src/events/topics.ts';
import type { RunningConsumer } from '../../../src/infra/bus.ts';
import { createLogger } from '../../../src/infra/log.ts';
import { MemoryBus } from '../../../src/infra/memory-bus.ts';
import { startSagaConsumer } from '../../../src/runtime/consumer.ts';
import { orderLogFields } from '../../../src/runtime/event-position.ts';
import { inventoryService } from '../../../src/services/inventory/index.ts';
import { MemoryStockStore } from '../../../src/services/inventory/memory-stock-store.ts';
import { sagaEvents } from '../../helpers/saga-events.ts';
import { waitFor } from '../../helpers/wait.ts';

const quick = { timeout: 4_000, interval: 5 };

/** An in-process bus whose workers log JSON into an array. */
function jsonBus() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('doms', { format: 'json', level: 'info', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { bus: new MemoryBus(logger, 1), lines };
}

describe('log lines about an order', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  it("name the order and where its message was read: a handler's line carries orderId, topic, partition and offset", async () => {
    const { bus, lines } = jsonBus();
    const service = await inventoryService.start(bus, { stock: new MemoryStockStore() }, { port: 0, defaultStock: 10, failureRate: 0, latencyMs: 0 });
    stops.push(() => service.stop());
    const [first, second] = [randomUUID(), randomUUID()];
    for (const id of [first, second])
      await bus.send([{ topic: Topics.OrderCreated, key: id, value: serializeEvent(sagaEvents.created(id, { [randomUUID()]: 1 })) }]);
    const reserved = await waitFor(
      () => {
        const found = lines.filter((l) => l.msg === 'stock reserved');
        return found.length === 2 ? found : undefined;
      },
      { ...quick, what: 'a "stock reserved" line for each order' },
    );
    expect(reserved).toEqual([
      expect.objectContaining({ level: 'info', service: 'inventory', orderId: first, topic: Topics.OrderCreated, partition: 0, offset: '0' }),
      expect.objectContaining({ level: 'info', service: 'inventory', orderId: second, topic: Topics.OrderCreated, partition: 0, offset: '1' }),
    ]);
  });

  it('name the order, topic, partition and offset of a message set aside because its handler keeps failing', async () => {
    const { bus, lines } = jsonBus();
    const bad = randomUUID();
    const consumer: RunningConsumer = await startSagaConsumer(bus, {
      name: 'payment',
      topics: [Topics.InventoryReserved],
      pace: 'step',
      handle: async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'amount')");
      },
    });
    stops.push(() => consumer.stop());
    await bus.send([{ topic: Topics.InventoryReserved, key: bad, value: serializeEvent(sagaEvents.reserved(bad)) }]);
    const dead = await waitFor(() => lines.find((l) => String(l.msg).startsWith('message sent to the dead-letter topic')), {
      ...quick,
      what: 'the dead-letter line',
    });
    expect(dead).toMatchObject({ level: 'error', service: 'payment', orderId: bad, topic: Topics.InventoryReserved, partition: 0, offset: '0' });
  });

  it('carry only the orderId for an event that was not read from a topic', () => {
    const event = sagaEvents.paid(randomUUID());
    expect(orderLogFields(event)).toEqual({ orderId: event.orderId });
  });
});
