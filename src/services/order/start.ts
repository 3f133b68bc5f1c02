import type { Bus, RunningConsumer } from '../../infra/bus.ts';
import { startSagaConsumer } from '../../runtime/consumer.ts';
import type { Db } from '../../infra/db.ts';
import type { OrderTraceReader, RunningService } from '../service.ts';
import { ORDER_TOPICS, orderHandler } from './handlers.ts';
import { createOrderApi, listen } from './http.ts';
import { SqlOrderStore } from './order-store.ts';
import { OutboxRelay } from './outbox-relay.ts';
import { migrate } from './schema.ts';

interface OrderServiceOptions {
  port: number;
  host?: string;
  traceOrder?: OrderTraceReader;
}

export async function startOrderService(bus: Bus, db: Db, options: OrderServiceOptions): Promise<RunningService> {
  const log = bus.logger.child('order', { service: 'order' });
  const origin = await migrate(db);
  const relay = new OutboxRelay(db, bus, log.child('outbox'), origin);
  const store = new SqlOrderStore(db, (rows) => relay.publish(rows), relay);
  relay.start();
  let consumer: RunningConsumer | undefined;
  const server = createOrderApi(store, log, options.traceOrder);
  let port: number;
  try {
    // The API first: it needs only the database, while joining the consumer group can take a session
    // timeout (10 s) after a kill -9 of the previous instance, and clients should not be refused meanwhile.
    port = await listen(server, options.port, options.host);
    log.info(`order API listening on http://${options.host ?? 'localhost'}:${port}`, { port });
    consumer = await startSagaConsumer(bus, {
      name: 'order',
      topics: ORDER_TOPICS,
      // The saga's next steps go by the events, not the order's row: its timeline is recorded a little
      // later, several changes to a statement.
      pace: 'record',
      handle: orderHandler(store, log),
    });
  } catch (e: unknown) {
    // A taken port, say: stop what already runs, so nothing works on after the caller closes the database.
    await relay.stop();
    await consumer?.stop();
    if (server.listening) await new Promise((resolve) => server.close(resolve));
    throw e;
  }
  const running = consumer;

  return {
    name: 'order',
    port,
    crashed: running.crashed,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      await relay.stop();
      await running.stop();
    },
  };
}
