import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeEvent } from '../../src/events/events.ts';
import { Topics, topicName } from '../../src/events/topics.ts';
import type { StockStore } from '../../src/services/inventory/ports.ts';
import type { Order } from '../../src/services/order/order-store.ts';
import { SERVICE_NAMES, startServices, type Adapters } from '../../src/services/registry.ts';
import type { RunningService } from '../../src/services/service.ts';
import { waitFor } from '../helpers/wait.ts';

/** A set of adapters to run the saga on, and what the tests need to look inside it. */
export interface Harness {
  adapters: Adapters & { stock: StockStore };
  /** Keys (order ids) of the messages on a topic (full name). */
  keysOn(topic: string): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * The saga's behaviour, run unchanged on the embedded adapters (unit suite) and on Kafka, Redis and
 * PostgreSQL (integration suite), so the two modes cannot drift apart.
 */
export function sagaContract(name: string, makeHarness: () => Promise<Harness>) {
  for (const failureRate of [0, 1]) {
    describe(`the saga on ${name} adapters, payments ${failureRate ? 'failing' : 'succeeding'}`, () => {
      let h: Harness;
      let services: RunningService[];
      let target: string;
      beforeAll(async () => {
        h = await makeHarness();
        services = await startServices(SERVICE_NAMES, h.adapters, { port: 0, host: '127.0.0.1', defaultStock: null, failureRate, latencyMs: 0 });
        target = `http://127.0.0.1:${services.find((s) => s.name === 'order')?.port}`;
        // PGlite's start-up takes seconds, many more on a busy machine.
      }, 120_000);
      afterAll(async () => {
        for (const s of [...(services ?? [])].reverse()) await s.stop();
        await h?.close();
      });

      const place = async (items: Record<string, number>): Promise<Order> => {
        const res = await fetch(`${target}/orders`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ userId: randomUUID(), amount: 10, items }),
        });
        expect(res.status).toBe(200);
        return (await res.json()) as Order;
      };
      const settled = (id: string) =>
        waitFor(
          async () => {
            const o = (await (await fetch(`${target}/orders/${id}`)).json()) as Order;
            return ['CONFIRMED', 'REJECTED', 'CANCELLED'].includes(o.status) ? o : undefined;
          },
          { what: `order ${id} to settle` },
        );
      const level = async (id: string) => (await h.adapters.stock.get([id]))[0];

      it('publishes order.created through the outbox', async () => {
        const p = randomUUID();
        await h.adapters.stock.seed({ [p]: 5 });
        const order = await place({ [p]: 1 });
        await waitFor(async () => (await h.keysOn(topicName(Topics.OrderCreated, h.adapters.bus.prefix))).includes(order.id), {
          what: 'order.created on the bus',
        });
      });

      it(failureRate ? 'cancels and gives the stock back (compensation)' : 'confirms and sells the stock, through RESERVED', async () => {
        const p = randomUUID();
        await h.adapters.stock.seed({ [p]: 5 });
        const order = await settled((await place({ [p]: 2 })).id);
        expect(order.statusHistory.map((s) => s.status)).toEqual(['CREATED', 'RESERVED', failureRate ? 'CANCELLED' : 'CONFIRMED']);
        await waitFor(async () => ((await level(p))?.reserved === 0 ? true : undefined), { what: 'the reservation to settle' });
        expect(await level(p)).toMatchObject(failureRate ? { available: 5, reserved: 0, sold: 0 } : { available: 3, reserved: 0, sold: 2 });
      });

      it('reserves all items or none', async () => {
        const [plenty, short] = [randomUUID(), randomUUID()];
        await h.adapters.stock.seed({ [plenty]: 5, [short]: 1 });
        const order = await settled((await place({ [plenty]: 2, [short]: 2 })).id);
        expect(order.status).toBe('REJECTED');
        expect(await level(plenty)).toMatchObject({ available: 5, reserved: 0 });
        expect(await level(short)).toMatchObject({ available: 1, reserved: 0 });
      });

      it('changes nothing when an order.created is delivered again', async () => {
        const p = randomUUID();
        await h.adapters.stock.seed({ [p]: 5 });
        const order = await settled((await place({ [p]: 1 })).id);
        const before = await level(p);
        const event = { type: Topics.OrderCreated, orderId: order.id, userId: order.userId, totalAmount: order.amount, items: order.items } as const;
        await h.adapters.bus.send([{ topic: Topics.OrderCreated, key: order.id, value: serializeEvent(event) }]);
        // The redelivery is re-answered: the inventory topic gets the same answer a second time…
        const answer = topicName(Topics.InventoryReserved, h.adapters.bus.prefix);
        await waitFor(async () => ((await h.keysOn(answer)).filter((k) => k === order.id).length >= 2 ? true : undefined), {
          what: 'the redelivery to be answered',
        });
        // …and nothing else moves.
        const after = (await (await fetch(`${target}/orders/${order.id}`)).json()) as Order;
        expect(after).toEqual(order);
        expect(await level(p)).toEqual(before);
      });
    });
  }
}
