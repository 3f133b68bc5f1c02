import { defineService, needDb } from '../service.ts';
import { ORDER_TOPICS } from './handlers.ts';

/** The order service: the HTTP API, the outbox relay and the consumer that records each order's timeline, on PostgreSQL (or PGlite). */
export const orderService = defineService({
  name: 'order',
  groups: [{ name: 'order', topics: ORDER_TOPICS }],
  stores: ['postgres'],
  portNames: { db: 'database' },
  ports: async ({ db }) => ({ db: needDb(db) }),
  start: async (bus, { db }, { port, host, traceOrder }) => (await import('./start.ts')).startOrderService(bus, db, { port, host, traceOrder }),
});
