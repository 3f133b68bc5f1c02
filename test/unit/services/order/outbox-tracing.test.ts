import { randomUUID } from 'node:crypto';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EventHeaders, TraceHeaders } from '../../../../src/events/headers.ts';
import { Topics } from '../../../../src/events/topics.ts';
import { silentLogger } from '../../../../src/infra/log.ts';
import { MemoryBus } from '../../../../src/infra/memory-bus.ts';
import { OtelTracing } from '../../../../src/infra/otel-tracing.ts';
import type { PgliteDb } from '../../../../src/infra/pglite-db.ts';
import { Attr, installTracing, NO_TRACING } from '../../../../src/infra/tracing.ts';
import { SqlOrderStore } from '../../../../src/services/order/order-store.ts';
import { OutboxRelay } from '../../../../src/services/order/outbox-relay.ts';
import { migrate } from '../../../../src/services/order/schema.ts';
import { orderDb, ORDER_DB_TIMEOUT } from '../../../helpers/pglite.ts';
import { waitFor } from '../../../helpers/wait.ts';

const ORIGIN = randomUUID();
const quick = { timeout: 5_000, interval: 10 };
const request = () => ({ userId: randomUUID(), amount: 5, items: { [randomUUID()]: 1 } });
const traceIdOf = (traceparent: string | undefined) => traceparent?.split('-')[1];

describe('the outbox carries the trace from the request to the relay', () => {
  let db: PgliteDb;
  let bus: MemoryBus;
  let exporter: InMemorySpanExporter;
  let tracing: OtelTracing;

  beforeAll(async () => {
    db = await orderDb();
  }, ORDER_DB_TIMEOUT);
  afterAll(() => db?.end());
  beforeEach(async () => {
    await db.query('DELETE FROM outbox');
    bus = new MemoryBus(silentLogger);
    exporter = new InMemorySpanExporter();
    tracing = new OtelTracing(null, { exporter: () => exporter, immediate: true });
  });
  afterEach(async () => {
    installTracing(NO_TRACING);
    await tracing.shutdown();
  });

  it('writes the request’s context with the order and sends order.created under a child span of the request (the fast path)', async () => {
    installTracing(tracing);
    const relay = new OutboxRelay(db, bus, silentLogger, ORIGIN);
    const store = new SqlOrderStore(db, (rows) => relay.publish(rows), relay);
    const root = tracing.tracer('order').start('POST /orders', 'server');
    const created = await store.create(request(), undefined, root.headers());
    const orderId = created.kind === 'created' ? created.order.id : '';

    const { rows } = await db.query<{ headers: Record<string, string> | null }>('SELECT headers FROM outbox WHERE key = $1', [orderId]);
    expect(rows[0]!.headers).toEqual(root.headers());
    const sent = await waitFor(() => bus.messages(Topics.OrderCreated).find((m) => m.key?.toString() === orderId), quick);
    expect(sent.headers[EventHeaders.Origin]).toBe(ORIGIN);
    expect(traceIdOf(sent.headers[TraceHeaders.Parent])).toBe(traceIdOf(root.headers()[TraceHeaders.Parent]));
    const send = await waitFor(() => exporter.getFinishedSpans().find((s) => s.name === 'send order.created'), quick);
    expect(send.parentSpanContext?.spanId).toBe(root.headers()[TraceHeaders.Parent]!.split('-')[2]);
    expect(send.attributes).toMatchObject({ [Attr.OrderId]: orderId, [Attr.OutboxPath]: 'fast', [Attr.MessagingDestination]: 'order.created' });
    expect(sent.headers[TraceHeaders.Parent]).toContain(send.spanContext().spanId);
    await relay.stop();
  });

  it('continues the trace of a row the sweep publishes after its writer died', async () => {
    installTracing(tracing);
    const writer = tracing.tracer('order').start('POST /orders', 'server');
    const orderId = randomUUID();
    await db.query(`INSERT INTO outbox (topic, key, payload, headers, created_at) VALUES ('order.created', $1, $2, $3::jsonb, now() - interval '10 seconds')`, [
      orderId,
      JSON.stringify({ orderId }),
      JSON.stringify(writer.headers()),
    ]);
    const relay = new OutboxRelay(db, bus, silentLogger, ORIGIN);
    relay.start();
    try {
      const sent = await waitFor(() => bus.messages(Topics.OrderCreated).find((m) => m.key?.toString() === orderId), quick);
      expect(traceIdOf(sent.headers[TraceHeaders.Parent])).toBe(traceIdOf(writer.headers()[TraceHeaders.Parent]));
      const send = await waitFor(() => exporter.getFinishedSpans().find((s) => s.attributes[Attr.OutboxPath] === 'sweep'), quick);
      expect(send.parentSpanContext?.spanId).toBe(writer.headers()[TraceHeaders.Parent]!.split('-')[2]);
    } finally {
      await relay.stop();
    }
  });

  it('writes no context and sends only the origin header with tracing off', async () => {
    const relay = new OutboxRelay(db, bus, silentLogger, ORIGIN);
    const store = new SqlOrderStore(db, (rows) => relay.publish(rows), relay);
    const created = await store.create(request());
    const orderId = created.kind === 'created' ? created.order.id : '';
    const { rows } = await db.query<{ headers: unknown }>('SELECT headers FROM outbox WHERE key = $1', [orderId]);
    expect(rows[0]!.headers).toBeNull();
    const sent = await waitFor(() => bus.messages(Topics.OrderCreated).find((m) => m.key?.toString() === orderId), quick);
    expect(sent.headers).toEqual({ [EventHeaders.Origin]: ORIGIN });
    expect(exporter.getFinishedSpans()).toEqual([]);
    await relay.stop();
  });

  it('gives an outbox made before tracing its headers column at the next start, keeping its rows', async () => {
    await db.query('ALTER TABLE outbox DROP COLUMN headers');
    await db.query(`INSERT INTO outbox (topic, key, payload) VALUES ('order.created', 'old', '{}')`);
    await migrate(db);
    await migrate(db);
    const { rows } = await db.query<{ key: string; headers: unknown }>('SELECT key, headers FROM outbox');
    expect(rows).toEqual([{ key: 'old', headers: null }]);
  });
});
