import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestHash } from '../../src/services/order/order-store.ts';
import { Saga } from '../helpers/workers.ts';

const body = { userId: randomUUID(), amount: 10, items: { [randomUUID()]: 1 } };
let saga: Saga;
let db: pg.Client;
beforeAll(async () => {
  saga = new Saga(['--default-stock', '10']);
  await saga.start('order');
  db = new pg.Client({ connectionString: saga.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db.end();
});

const post = (key: string, payload: unknown = body) =>
  fetch(`${saga.target}/orders`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key }, body: JSON.stringify(payload) });

describe('POST /orders with an Idempotency-Key', () => {
  it('answers a retry with the first order: no second row, no second event', async () => {
    const key = randomUUID();
    const first = await post(key);
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const order = (await first.json()) as { id: string };
    const retry = await post(key);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(((await retry.json()) as { id: string }).id).toBe(order.id);
    const { rows } = await db.query(
      "SELECT (SELECT count(*) FROM orders WHERE user_id = $1) AS orders, (SELECT count(*) FROM outbox WHERE payload LIKE '%' || $1 || '%') AS events",
      [body.userId],
    );
    expect(rows[0]).toEqual({ orders: '1', events: '1' });
  });

  it('answers 422 when the key comes back with a different body', async () => {
    const key = randomUUID();
    expect((await post(key)).status).toBe(200);
    const other = await post(key, { ...body, amount: 11 });
    expect(other.status).toBe(422);
    expect(((await other.json()) as { field: string }).field).toBe('Idempotency-Key');
  });

  it('answers 409 while the first request with the key is still being processed', async () => {
    const key = randomUUID();
    const blocker = new pg.Client({ connectionString: saga.databaseUrl });
    await blocker.connect();
    try {
      // Hold the key the way an in-flight request does: claimed in a transaction not yet committed.
      await blocker.query('BEGIN');
      await blocker.query('INSERT INTO idempotency_keys (key, request_hash, order_id) VALUES ($1, $2, $3)', [key, requestHash(body), randomUUID()]);
      const concurrent = await post(key);
      expect(concurrent.status).toBe(409);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    // Once the first attempt is gone, the key is free again.
    expect((await post(key)).status).toBe(200);
  });

  it('gives exactly one order to a burst of identical requests', async () => {
    const key = randomUUID();
    const payload = { ...body, userId: randomUUID() };
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(key, payload)));
    const statuses = answers.map((a) => a.status);
    // One answer created the order; the others replayed it (Idempotent-Replayed) or were told to retry (409).
    expect(answers.filter((a) => a.status === 200 && a.headers.get('idempotent-replayed') === null)).toHaveLength(1);
    expect(statuses.every((s) => [200, 409].includes(s))).toBe(true);
    const { rows } = await db.query('SELECT count(*) AS n FROM orders WHERE user_id = $1', [payload.userId]);
    expect(rows[0].n).toBe('1');
  });

  it('rejects a malformed key with 400', async () => {
    const res = await post('has spaces in it');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { field: string }).field).toBe('Idempotency-Key');
  });
});
