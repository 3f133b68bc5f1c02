import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteDb } from '../../../../src/infra/pglite-db.ts';
import { MAX_BODY_BYTES } from '../../../../src/services/order/http-io.ts';
import type { Order, Page } from '../../../../src/services/order/order-store.ts';
import { serveOrderApi, type ServedOrderApi } from '../../../helpers/order-api.ts';
import { ORDER_DB_TIMEOUT } from '../../../helpers/pglite.ts';

interface ErrorBody {
  error: string;
  message: string;
  field?: string;
  errors?: { field: string; message: string }[];
}

interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
}

const a = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa';
const b = 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb';

describe('order HTTP API on PGlite', () => {
  let api: ServedOrderApi | undefined;
  let db: PgliteDb;
  let base: string;

  beforeAll(async () => {
    api = await serveOrderApi();
    ({ db, base } = api);
  }, ORDER_DB_TIMEOUT);
  afterAll(() => api?.close());

  /** One request; `json` is sent as an application/json body. The answer's body is parsed as JSON. */
  const call = async <T = ErrorBody>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Answer<T>> => {
    const { json, ...rest } = init;
    if (json !== undefined) {
      rest.body = JSON.stringify(json);
      rest.headers = { 'Content-Type': 'application/json', ...rest.headers };
    }
    const res = await fetch(base + path, rest);
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const post = <T = Order>(json: unknown, headers: Record<string, string> = {}) => call<T>('/orders', { method: 'POST', json, headers });
  const ordersOf = async (userId: string) =>
    Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM orders WHERE user_id = $1', [userId])).rows[0]?.n);
  const validBody = (userId = randomUUID()) => ({ userId, amount: 19.99, items: { [a]: 2, [b]: 1 } });

  describe('POST /orders', () => {
    it('creates an order: 200 (as the original service), the order with status CREATED and Location, then readable with GET /orders/<id>', async () => {
      const body = validBody();
      const created = await post(body);
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({ userId: body.userId, amount: 19.99, items: { [a]: 2, [b]: 1 }, status: 'CREATED' });
      expect(created.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(created.body.statusHistory.map((h) => h.status)).toEqual(['CREATED']);
      expect(created.headers.get('location')).toBe(`/orders/${created.body.id}`);

      const read = await call<Order>(`/orders/${created.body.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(created.body);
      expect(await ordersOf(body.userId)).toBe(1);
    });

    it.each([
      ['a missing userId', { userId: undefined, amount: 1, items: { [a]: 1 } }, 'userId'],
      ['a non-UUID userId', { userId: 'bob', amount: 1, items: { [a]: 1 } }, 'userId'],
      ['a negative amount', { amount: -1, items: { [a]: 1 } }, 'amount'],
      ['a non-numeric amount', { amount: '500', items: { [a]: 1 } }, 'amount'],
      ['empty items', { amount: 1, items: {} }, 'items'],
      ['a zero quantity', { amount: 1, items: { [a]: 0 } }, `items.${a}`],
      ['a negative quantity', { amount: 1, items: { [a]: -3 } }, `items.${a}`],
    ])('answers 400 naming the field for %s, and writes nothing', async (_name, fields, field) => {
      const userId = randomUUID();
      const res = await post<ErrorBody>({ userId, ...fields });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.body).toMatchObject({ error: 'Bad Request', field });
      expect(res.body.message).toMatch(new RegExp(`^${field}: .+`));
      expect(res.body.errors?.[0]?.field).toBe(field);
      expect(await ordersOf(userId)).toBe(0);
    });

    it.each([
      ['malformed JSON', '{"userId": ', 'is not valid JSON'],
      ['an empty body', '', 'is empty'],
      ['a JSON array', '[]', 'must be a JSON object'],
    ])('answers 400 with field "body" for %s', async (_name, text, message) => {
      const res = await call('/orders', { method: 'POST', body: text, headers: { 'Content-Type': 'application/json' } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ field: 'body', message: expect.stringContaining(message) });
    });

    it('answers 400 with field "Content-Type" for a body that is not declared JSON', async () => {
      const res = await call('/orders', { method: 'POST', body: JSON.stringify(validBody()), headers: { 'Content-Type': 'text/plain' } });
      expect(res.status).toBe(400);
      expect(res.body.field).toBe('Content-Type');
    });

    it.each([
      ['with a Content-Length', () => JSON.stringify({ ...validBody(), pad: 'x'.repeat(MAX_BODY_BYTES) })],
      ['chunked', () => new Blob([JSON.stringify({ ...validBody(), pad: 'x'.repeat(MAX_BODY_BYTES) })]).stream()],
    ])('answers 400 with field "body" and closes the connection for a body over the limit, sent %s', async (_name, body) => {
      const res = await call('/orders', { method: 'POST', body: body(), headers: { 'Content-Type': 'application/json' }, duplex: 'half' });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ field: 'body', message: expect.stringContaining(`at most ${MAX_BODY_BYTES} bytes`) });
      expect(res.headers.get('connection')).toBe('close');
      expect((await call('/health')).status, 'the server still answers').toBe(200);
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first order for the same key and body: 200, same id, one order stored', async () => {
      const body = validBody();
      const key = randomUUID();
      const first = await post(body, { 'Idempotency-Key': key });
      const again = await post(body, { 'Idempotency-Key': key });
      expect(first.status).toBe(200);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      expect(again.status).toBe(200);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body.id).toBe(first.body.id);
      expect(await ordersOf(body.userId)).toBe(1);
    });

    it('creates one order for two concurrent requests with the same key and body', async () => {
      const body = validBody();
      const key = randomUUID();
      const [one, two] = await Promise.all([post(body, { 'Idempotency-Key': key }), post(body, { 'Idempotency-Key': key })]);
      expect([one.status, two.status]).toEqual([200, 200]);
      expect(
        [one, two].filter((r) => r.headers.get('idempotent-replayed') === 'true'),
        'one created it, one replayed it',
      ).toHaveLength(1);
      expect(one.body.id).toBe(two.body.id);
      expect(await ordersOf(body.userId)).toBe(1);
    });

    it('answers 422 naming Idempotency-Key for the same key with a different body, storing nothing more', async () => {
      const body = validBody();
      const key = randomUUID();
      expect((await post(body, { 'Idempotency-Key': key })).status).toBe(200);
      const other = await post<ErrorBody>({ ...body, amount: 20 }, { 'Idempotency-Key': key });
      expect(other.status).toBe(422);
      expect(other.body.field).toBe('Idempotency-Key');
      expect(await ordersOf(body.userId)).toBe(1);
    });

    it('answers 400 naming Idempotency-Key for a key that is not 1 to 255 visible ASCII characters', async () => {
      const body = validBody();
      for (const key of ['has space', 'k'.repeat(256)]) {
        const res = await post<ErrorBody>(body, { 'Idempotency-Key': key });
        expect(res.status, key).toBe(400);
        expect(res.body.field).toBe('Idempotency-Key');
      }
      expect(await ordersOf(body.userId)).toBe(0);
    });
  });

  describe('GET /orders', () => {
    /** Orders of one user, each created after the clock moved on from the previous one, so "newest first" is unambiguous. */
    const ordersFor = async (userId: string, n: number): Promise<Order[]> => {
      const orders: Order[] = [];
      for (let i = 0; i < n; i++) {
        const last = orders.at(-1);
        while (last && Date.now() <= Date.parse(last.createdAt)) await new Promise((resolve) => setImmediate(resolve));
        const res = await post({ userId, amount: i + 1, items: { [a]: 1 } });
        expect(res.status).toBe(200);
        orders.push(res.body);
      }
      return orders;
    };

    it("pages one user's orders, newest first, shaped like Spring Data's Page", async () => {
      const userId = randomUUID();
      const [first, second, third] = await ordersFor(userId, 3);
      await ordersFor(randomUUID(), 1);

      const page0 = await call<Page<Order>>(`/orders?userId=${userId}&page=0&size=2`);
      expect(page0.status).toBe(200);
      expect(page0.body).toMatchObject({ totalElements: 3, totalPages: 2, number: 0, size: 2 });
      expect(page0.body.content.map((o) => o.id)).toEqual([third!.id, second!.id]);

      const page1 = await call<Page<Order>>(`/orders?userId=${userId}&page=1&size=2`);
      expect(page1.body).toMatchObject({ totalElements: 3, totalPages: 2, number: 1, size: 2 });
      expect(page1.body.content).toEqual([first]);

      const defaults = await call<Page<Order>>(`/orders?userId=${userId}`);
      expect(defaults.body).toMatchObject({ totalElements: 3, number: 0, size: 10 });
      expect(defaults.body.content.map((o) => o.userId)).toEqual([userId, userId, userId]);
    });

    it.each([
      ['page=-1', 'page'],
      ['page=abc', 'page'],
      ['page=1.5', 'page'],
      ['page=1e3', 'page'],
      ['size=0', 'size'],
      ['size=101', 'size'],
      ['userId=bob', 'userId'],
    ])('answers 400 naming the field for %s', async (query, field) => {
      const res = await call(`/orders?${query}`);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'Bad Request', field });
    });
  });

  it('takes an empty filter (userId=&status=) as none, as the original Spring service did', async () => {
    const res = await call<Page<Order>>('/orders?userId=&status=&page=0&size=10');
    expect(res.status).toBe(200);
    expect(res.body.size).toBe(10);
  });

  it('takes the largest amount the table holds and refuses a larger one with 400, not a 503 to retry', async () => {
    expect((await post({ ...validBody(), amount: 999_999_999_999.99 })).status).toBe(200);
    const res = await post<ErrorBody>({ ...validBody(), amount: 1e12 });
    expect(res.status).toBe(400);
    expect(res.body.field).toBe('amount');
  });

  it('adds up one product given in two cases, and holds the sum to the quantity limit', async () => {
    const res = await post<ErrorBody>({ userId: randomUUID(), amount: 1, items: { [a]: 1_000_000, [a.toUpperCase()]: 1_000_000 } });
    expect(res.status).toBe(400);
    expect(res.body.field).toBe(`items.${a}`);
  });

  describe('GET /orders/<id>', () => {
    it('answers 400 naming "id" for malformed percent-encoding', async () => {
      const res = await call('/orders/%ZZ');
      expect(res.status).toBe(400);
      expect(res.body.field).toBe('id');
    });

    it('answers 404 for an unknown id', async () => {
      const id = randomUUID();
      const res = await call(`/orders/${id}`);
      expect(res.status).toBe(404);
      expect(res.body.message).toContain(id);
    });

    it('answers 400 naming "id" for an id that is not a UUID', async () => {
      const res = await call('/orders/not-a-uuid');
      expect(res.status).toBe(400);
      expect(res.body.field).toBe('id');
    });

    it('finds an order by its id in upper case', async () => {
      const created = await post(validBody());
      const res = await call<Order>(`/orders/${created.body.id.toUpperCase()}`);
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(created.body.id);
    });
  });

  describe('routes', () => {
    it('answers GET /health with 200 {"status":"UP"}', async () => {
      expect(await call('/health')).toMatchObject({ status: 200, body: { status: 'UP' } });
    });

    it.each(['/nope', '/orders/a/b'])('answers 404 for the unknown route GET %s', async (path) => {
      const res = await call(path);
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('Not Found');
    });

    it.each([
      ['DELETE', '/orders', 'GET, POST'],
      ['PUT', '/orders', 'GET, POST'],
      ['DELETE', `/orders/${a}`, 'GET'],
      ['POST', `/orders/${a}`, 'GET'],
    ])('answers 405 with Allow for %s %s', async (method, path, allow) => {
      const res = await call(path, { method });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe(allow);
    });
  });
});
