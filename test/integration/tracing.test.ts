import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../../src/services/order/order-store.ts';
import { waitFor } from '../helpers/wait.ts';
import { Saga } from '../helpers/workers.ts';

/** A span as OTLP/HTTP JSON carries it, with its resource's service.name. */
interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
}

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type KeyValue = { key: string; value: AnyValue };
interface OtlpTraces {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: KeyValue[] }[] }[];
  }[];
}

const valueOf = (v: AnyValue) => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.boolValue ?? v.doubleValue ?? '';
const attributes = (list: KeyValue[] = []) => Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));

/** A stand-in OTLP/HTTP receiver (JSON encoding): keeps every span posted to /v1/traces. */
async function otlpReceiver(): Promise<{ server: Server; url: string; spans: ExportedSpan[]; posts: () => number }> {
  const spans: ExportedSpan[] = [];
  let posts = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.method === 'POST') {
        posts++;
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraces;
        for (const rs of body.resourceSpans ?? []) {
          const service = String(attributes(rs.resource?.attributes)['service.name']);
          for (const ss of rs.scopeSpans ?? [])
            for (const s of ss.spans ?? [])
              spans.push({
                service,
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId ?? '',
                name: s.name,
                kind: s.kind,
                attributes: attributes(s.attributes),
              });
        }
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, posts: () => posts };
}

const SERVICES = ['doms-order', 'doms-inventory', 'doms-payment', 'doms-notification'];
/** A confirmed order's spans: service and name. */
const STEPS = [
  ['doms-order', 'POST /orders'],
  ['doms-order', 'send order.created'],
  ['doms-inventory', 'process order.created'],
  ['doms-inventory', 'send inventory.reserved'],
  ['doms-payment', 'process inventory.reserved'],
  ['doms-order', 'process inventory.reserved'],
  ['doms-payment', 'send payment.success'],
  ['doms-order', 'process payment.success'],
  ['doms-inventory', 'process payment.success'],
  ['doms-notification', 'process payment.success'],
] as const;
/** OTLP's span kinds (SpanKind in trace.proto). */
const OTLP_SERVER = 2;
const OTLP_CONSUMER = 5;

function tracedSaga(receiver: { url: string }, batchDelayMs: number): Saga {
  const saga = new Saga(['--failure-rate', '0', '--default-stock', '100'], { ownRedisNamespace: true });
  Object.assign(saga.env, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: String(batchDelayMs),
    // Whatever the test's own environment says: these decide the test's case.
    OTEL_SERVICE_NAME: '',
    OTEL_TRACES_EXPORTER: '',
    OTEL_SDK_DISABLED: '',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
  });
  return saga;
}

async function placeOrder(saga: Saga): Promise<Order> {
  const res = await fetch(`${saga.target}/orders`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ userId: randomUUID(), amount: 300, items: { [randomUUID()]: 1 } }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Order;
}

describe('tracing with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  let saga: Saga;

  beforeAll(async () => {
    receiver = await otlpReceiver();
    // Batches go out every 100 ms rather than 5 s: the test waits for them, not a fixed time.
    saga = tracedSaga(receiver, 100);
    await saga.start('all');
  }, 120_000);

  afterAll(async () => {
    await saga?.teardown();
    await new Promise((resolve) => receiver?.server.close(resolve));
  });

  it("exports one order's path as one trace: the HTTP request its root, spans of all four services, each linked to its parent", async () => {
    const order = await placeOrder(saga);

    // Every step of a confirmed order, in the service that takes it. The spans come in batches, each
    // service's in its own: wait until all are in and every parent with them.
    const trace = await waitFor(
      () => {
        const mine = receiver.spans.filter((s) => s.attributes['doms.order.id'] === order.id);
        const ids = new Set(mine.map((s) => s.traceId));
        if (ids.size !== 1) return undefined;
        const all = receiver.spans.filter((s) => s.traceId === mine[0]!.traceId);
        const spanIds = new Set(all.map((s) => s.spanId));
        const complete = STEPS.every(([service, name]) => all.some((s) => s.service === service && s.name === name));
        return complete && all.every((s) => s.parentSpanId === '' || spanIds.has(s.parentSpanId)) ? all : undefined;
      },
      { timeout: 60_000, interval: 100, what: `the spans of every step of order ${order.id}` },
    );

    const ofOrder = receiver.spans.filter((s) => s.attributes['doms.order.id'] === order.id);
    expect(new Set(ofOrder.map((s) => s.traceId)).size).toBe(1);
    expect(new Set(trace.map((s) => s.service))).toEqual(new Set(SERVICES));

    // One root, the POST; every other span's parent is in the trace.
    const roots = trace.filter((s) => s.parentSpanId === '');
    expect(roots.map((s) => [s.service, s.name, s.kind])).toEqual([['doms-order', 'POST /orders', OTLP_SERVER]]);
    expect(roots[0]!.attributes['http.response.status_code']).toBe(200);
    const ids = new Set(trace.map((s) => s.spanId));
    expect(trace.filter((s) => s.parentSpanId !== '' && !ids.has(s.parentSpanId)).map((s) => `${s.service} ${s.name}`)).toEqual([]);

    // The outbox relay's send is the root's child; inventory processes what it sent.
    const relay = trace.find((s) => s.service === 'doms-order' && s.name === 'send order.created')!;
    expect(relay.parentSpanId).toBe(roots[0]!.spanId);
    expect(relay.attributes['messaging.destination.name']).toBe(`${saga.prefix}order.created`);
    const reserve = trace.find((s) => s.service === 'doms-inventory' && s.name === 'process order.created')!;
    expect(reserve.parentSpanId).toBe(relay.spanId);
    expect(trace.filter((s) => s.name.startsWith('process ')).every((s) => s.kind === OTLP_CONSUMER)).toBe(true);
    expect(reserve.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': `${saga.prefix}order.created`,
      'messaging.consumer.group.name': `${saga.prefix}doms-inventory`,
      'messaging.kafka.message.key': order.id,
      'doms.order.id': order.id,
    });
    expect(reserve.attributes['messaging.destination.partition.id']).toMatch(/^\d+$/);
    expect(typeof reserve.attributes['messaging.kafka.offset']).toBe('number');

    // Each step's send is the child of the process span it came from: inventory → payment → order and notification.
    const parentOf = (s: ExportedSpan) => trace.find((p) => p.spanId === s.parentSpanId);
    const paid = trace.find((s) => s.service === 'doms-payment' && s.name === 'process inventory.reserved')!;
    expect(parentOf(paid)).toMatchObject({ service: 'doms-inventory', name: 'send inventory.reserved' });
    expect(parentOf(parentOf(paid)!)).toBe(reserve);
    const notified = trace.find((s) => s.service === 'doms-notification' && s.name === 'process payment.success')!;
    expect(parentOf(notified)).toMatchObject({ service: 'doms-payment', name: 'send payment.success' });
    expect(parentOf(parentOf(notified)!)).toBe(paid);
  }, 90_000);
});

describe('tracing on stop', () => {
  it('exports the spans still buffered when a worker is stopped (SIGTERM)', async () => {
    const receiver = await otlpReceiver();
    try {
      // A batch delay far beyond the test: only the flush on shutdown can export the spans.
      const saga = tracedSaga(receiver, 600_000);
      const worker = await saga.start('order');
      const order = await placeOrder(saga);
      expect(receiver.posts()).toBe(0);
      expect(await worker.stop()).toBe(0);
      expect(receiver.spans.filter((s) => s.attributes['doms.order.id'] === order.id).map((s) => s.name)).toContain('POST /orders');
      await saga.teardown();
    } finally {
      await new Promise((resolve) => receiver.server.close(resolve));
    }
  }, 90_000);
});
