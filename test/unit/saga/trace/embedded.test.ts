import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../src/infra/log.ts';
import type { OrderTrace } from '../../../../src/saga/trace/model.ts';
import { createOrderApi, listen } from '../../../../src/services/order/http.ts';
import type { OrderStore } from '../../../../src/services/order/order-store.ts';
import { startEmbeddedSaga, type EmbeddedSaga } from '../../../helpers/embedded-saga.ts';
import { waitFor } from '../../../helpers/wait.ts';

// GET /orders/<id>/trace on the saga as `doms demo` runs it: the four services on the embedded stand-ins.
describe('GET /orders/<id>/trace on the embedded saga', () => {
  let saga: EmbeddedSaga | undefined;
  let base = '';
  const product = randomUUID();

  beforeAll(async () => {
    saga = await startEmbeddedSaga({ latencyMs: 1 });
    base = saga.base;
    await saga.embedded.stock.seed({ [product]: 5 });
  }, 60_000);

  afterAll(() => saga?.stop());

  const place = async (quantity: number) => {
    const res = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId: randomUUID(), amount: 3, items: { [product]: quantity } }),
    });
    return ((await res.json()) as { id: string }).id;
  };
  const traced = (id: string) =>
    waitFor(
      async () => {
        const res = await fetch(`${base}/orders/${id}/trace`);
        const trace = (await res.json()) as OrderTrace;
        return res.status === 200 && trace.verdict.state !== 'in flight' && trace;
      },
      { what: `order ${id} to finish` },
    );

  it("answers a confirmed order's steps, Redis records and passing verdict", async () => {
    const id = await place(2);
    const t = await traced(id);
    expect(t.verdict).toMatchObject({ state: 'passed', outcome: 'CONFIRMED', missing: [] });
    expect(t.events.map((e) => e.topic)).toEqual(['order.created', 'inventory.reserved', 'payment.success']);
    expect(new Set(t.events.map((e) => e.partition)).size).toBe(1);
    expect(t.redis).toMatchObject({ reservation: { state: 'SOLD' }, payment: { value: { status: 'success' } }, notification: { value: 'CONFIRMED' } });
  });

  it('answers a rejected order too', async () => {
    const t = await traced(await place(50));
    expect(t.verdict).toMatchObject({ state: 'passed', outcome: 'REJECTED' });
    expect(t.events.map((e) => e.topic)).toEqual(['order.created', 'inventory.rejected']);
  });

  it('answers 404 for an unknown order, 400 for an id that is not a UUID, 405 for anything but GET', async () => {
    expect((await fetch(`${base}/orders/${randomUUID()}/trace`)).status).toBe(404);
    const bad = await fetch(`${base}/orders/nope/trace`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { field?: string }).field).toBe('id');
    expect((await fetch(`${base}/orders/${randomUUID()}/trace`, { method: 'POST' })).status).toBe(405);
  });

  it('answers 501 where the order service was started without a way to trace', async () => {
    const server = createOrderApi({} as OrderStore, silentLogger);
    const port = await listen(server, 0, '127.0.0.1');
    try {
      expect((await fetch(`http://127.0.0.1:${port}/orders/${randomUUID()}/trace`)).status).toBe(501);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
