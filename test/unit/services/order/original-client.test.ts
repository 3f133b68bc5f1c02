import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order, Page } from '../../../../src/services/order/order-store.ts';
import { serveOrderApi, type ServedOrderApi } from '../../../helpers/order-api.ts';
import { ORDER_DB_TIMEOUT } from '../../../helpers/pglite.ts';

/**
 * The original demo's web page (a Streamlit app, Python `requests`) against this API, call for call: the order form
 * posts `requests.post(f"{API}/orders", json={...})` and reports failure for anything but 200; the table reads
 * `requests.get(f"{API}/orders", params={"userId": …, "page": 0, "size": 10}).json()["content"]`.
 */
describe("the original Streamlit page's calls", () => {
  let api: ServedOrderApi | undefined;
  let base: string;

  beforeAll(async () => {
    api = await serveOrderApi();
    ({ base } = api);
  }, ORDER_DB_TIMEOUT);
  afterAll(() => api?.close());

  /** What python-requests sends for `json=`: json.dumps's separators, a float amount from st.number_input, its own headers. */
  const requestsHeaders = (body?: string) => ({
    'User-Agent': 'python-requests/2.31.0',
    'Accept-Encoding': 'gzip, deflate',
    Accept: '*/*',
    Connection: 'keep-alive',
    ...(body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) }),
  });

  it('places an order with HTTP 200 and the order as JSON, then finds it in the content of the first page of the user', async () => {
    const userId = randomUUID();
    const [product1, product2] = [randomUUID(), randomUUID()];
    const body = `{"userId": "${userId}", "amount": 250.0, "items": {"${product1}": 2, "${product2}": 1}}`;

    const placed = await fetch(`${base}/orders`, { method: 'POST', headers: requestsHeaders(body), body });
    // The page's check, as it was: `if response.status_code == 200: st.success(...) else: st.error(...)`.
    expect(placed.status).toBe(200);
    expect(placed.headers.get('content-type')).toBe('application/json');
    const order = (await placed.json()) as Order;
    expect(order).toMatchObject({ userId, amount: 250, items: { [product1]: 2, [product2]: 1 }, status: 'CREATED' });
    expect(order.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(placed.headers.get('location')).toBe(`/orders/${order.id}`);

    // requests encodes params in the order given, with no trailing slash.
    const listed = await fetch(`${base}/orders?userId=${userId}&page=0&size=10`, { headers: requestsHeaders() });
    expect(listed.status).toBe(200);
    const page = (await listed.json()) as Page<Order>;
    expect(Array.isArray(page.content)).toBe(true);
    expect(page.content).toEqual([order]);
    // The columns the page's table showed.
    for (const column of ['id', 'userId', 'amount', 'status', 'createdAt', 'updatedAt']) expect(page.content[0]).toHaveProperty(column);
  });

  it('answers a form the API refuses with something other than 200, so the page reports the failure', async () => {
    const body = `{"userId": "${randomUUID()}", "amount": -1.0, "items": {"${randomUUID()}": 1, "${randomUUID()}": 0}}`;
    const res = await fetch(`${base}/orders`, { method: 'POST', headers: requestsHeaders(body), body });
    expect(res.status).not.toBe(200);
    expect(res.status).toBe(400);
  });

  it('gives an empty content for a user with no orders', async () => {
    const res = await fetch(`${base}/orders?userId=${randomUUID()}&page=0&size=10`, { headers: requestsHeaders() });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Page<Order>).content).toEqual([]);
  });
});
