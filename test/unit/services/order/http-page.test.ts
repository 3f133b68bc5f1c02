import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../src/infra/log.ts';
import type { PgliteDb } from '../../../../src/infra/pglite-db.ts';
import { createOrderApi, listen } from '../../../../src/services/order/http.ts';
import { CONTENT_SECURITY_POLICY } from '../../../../src/services/order/web-page.ts';
import { MAX_WAIT_MS, WAIT_POLL_MS } from '../../../../src/services/order/order-watch.ts';
import { SqlOrderStore, type Order, type OrderStore } from '../../../../src/services/order/order-store.ts';
import { orderDb, ORDER_DB_TIMEOUT } from '../../../helpers/pglite.ts';

const a = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The store, counting its reads: how often a held request goes to the database. */
class CountingStore implements OrderStore {
  gets = 0;
  constructor(readonly inner: SqlOrderStore) {}
  create: OrderStore['create'] = (...args) => this.inner.create(...args);
  advance: OrderStore['advance'] = (...args) => this.inner.advance(...args);
  list: OrderStore['list'] = (...args) => this.inner.list(...args);
  get: OrderStore['get'] = (id) => {
    this.gets++;
    return this.inner.get(id);
  };
}

async function stop(server: Server | undefined): Promise<void> {
  if (!server?.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

describe('order service: GET /orders/<id>?wait= and the web page, on PGlite', () => {
  let db: PgliteDb;
  let store: CountingStore;
  let server: Server | undefined;
  let base: string;

  beforeAll(async () => {
    db = await orderDb();
    store = new CountingStore(new SqlOrderStore(db));
    server = createOrderApi(store, silentLogger);
    base = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  }, ORDER_DB_TIMEOUT);
  afterAll(async () => {
    await stop(server);
    await db?.end();
  });

  const place = async (): Promise<Order> => {
    const res = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId: randomUUID(), amount: 1, items: { [a]: 1 } }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Order;
  };
  /** GET /orders/<id><query>: the status code, the order (or error) and how long the answer took. */
  const get = async (id: string, query: string, init: RequestInit = {}) => {
    const started = Date.now();
    const res = await fetch(`${base}/orders/${id}${query}`, init);
    const body = (await res.json()) as Order & { field?: string; message?: string };
    return { status: res.status, body, ms: Date.now() - started };
  };

  describe('GET /orders/<id>?wait=', () => {
    it('answers at once when the status already differs from ?status=', async () => {
      const order = await place();
      const res = await get(order.id, '?wait=10s&status=RESERVED');
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('CREATED');
      expect(res.ms).toBeLessThan(1000);
    });

    it('answers at once for a terminal order, even when its status is the one given', async () => {
      const order = await place();
      await store.advance(order.id, 'CONFIRMED');
      const res = await get(order.id, '?wait=10s&status=CONFIRMED');
      expect(res.body.status).toBe('CONFIRMED');
      expect(res.ms).toBeLessThan(1000);
    });

    it('answers as soon as the status changes, with the order as it is then', async () => {
      const order = await place();
      const answer = get(order.id, '?wait=10s&status=CREATED');
      await sleep(300);
      const moved = Date.now();
      await store.advance(order.id, 'RESERVED');
      const res = await answer;
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('RESERVED');
      expect(res.body.statusHistory.map((h) => h.status)).toEqual(['CREATED', 'RESERVED']);
      expect(res.ms).toBeGreaterThanOrEqual(300);
      expect(Date.now() - moved, 'within a poll or two of the change').toBeLessThan(WAIT_POLL_MS * 2 + 500);
    });

    it('waits for a change from the current status when no ?status= is given', async () => {
      const order = await place();
      const answer = get(order.id, '?wait=10s');
      await sleep(300);
      await store.advance(order.id, 'REJECTED');
      const res = await answer;
      expect(res.body.status).toBe('REJECTED');
      expect(res.ms).toBeGreaterThanOrEqual(300);
    });

    it('answers when the wait ends with the order unchanged, having read it a bounded number of times', async () => {
      const order = await place();
      const before = store.gets;
      const res = await get(order.id, '?wait=1s&status=CREATED');
      expect(res.status).toBe(200);
      expect(res.body).toEqual(order);
      expect(res.ms).toBeGreaterThanOrEqual(950);
      expect(res.ms).toBeLessThan(3000);
      // One read to start, then one per poll: not a busy loop.
      expect(store.gets - before).toBeLessThanOrEqual(2 + Math.ceil(1000 / WAIT_POLL_MS));
    });

    it('reads a waited-for order once per poll however many requests wait for it', async () => {
      const order = await place();
      const before = store.gets;
      const answers = await Promise.all(Array.from({ length: 8 }, () => get(order.id, '?wait=1s&status=CREATED')));
      expect(answers.map((r) => r.body.status)).toEqual(Array(8).fill('CREATED'));
      // 8 first reads, then the shared polls: far fewer than 8 × the polls.
      expect(store.gets - before).toBeLessThanOrEqual(8 + 2 + Math.ceil(1000 / WAIT_POLL_MS));
    });

    it('stops reading when the client goes away', async () => {
      const order = await place();
      const controller = new AbortController();
      const gone = get(order.id, '?wait=30s&status=CREATED', { signal: controller.signal }).catch((e: unknown) => e);
      await sleep(500);
      const whileWaiting = store.gets;
      controller.abort();
      expect(await gone).toBeInstanceOf(Error);
      await sleep(WAIT_POLL_MS * 2);
      const afterLeaving = store.gets;
      await sleep(WAIT_POLL_MS * 4);
      expect(store.gets, 'no more reads once the request is gone').toBe(afterLeaving);
      expect(whileWaiting).toBeGreaterThan(0);
    });

    it('answers 404 at once for an unknown order', async () => {
      const res = await get(randomUUID(), '?wait=10s&status=CREATED');
      expect(res.status).toBe(404);
      expect(res.ms).toBeLessThan(1000);
    });

    it.each([
      ['wait=abc', 'wait'],
      ['wait=31s', 'wait'],
      [`wait=${MAX_WAIT_MS + 1}`, 'wait'],
      ['wait=-1s', 'wait'],
      ['wait=10x', 'wait'],
      ['wait=10s&status=PAID', 'status'],
    ])('answers 400 naming the field for %s', async (query, field) => {
      const order = await place();
      const res = await get(order.id, `?${query}`);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ field, message: expect.stringMatching(new RegExp(`^${field}: `)) });
    });

    it.each(['wait=0', 'wait=0s', 'wait=30s&status=RESERVED', 'wait=500ms&status=RESERVED', 'wait='])('takes %s', async (query) => {
      const order = await place();
      const res = await get(order.id, `?${query}`);
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(order.id);
      expect(res.ms).toBeLessThan(1000);
    });

    it('answers the held requests when the server closes, instead of keeping it open until their waits end', async () => {
      const own = createOrderApi(store, silentLogger);
      const port = await listen(own, 0, '127.0.0.1');
      try {
        const order = await place();
        const started = Date.now();
        const held = fetch(`http://127.0.0.1:${port}/orders/${order.id}?wait=30s&status=CREATED`);
        await sleep(300);
        const closed = new Promise<void>((resolve) => own.close(() => resolve()));
        const res = await held;
        expect(res.status).toBe(200);
        expect(((await res.json()) as Order).status).toBe('CREATED');
        await closed;
        expect(Date.now() - started).toBeLessThan(5000);
      } finally {
        await stop(own);
      }
    });
  });

  describe('the web page', () => {
    it.each([
      ['/', 'text/html; charset=utf-8', '<!doctype html>'],
      ['/web/app.js', 'text/javascript; charset=utf-8', 'function'],
      ['/web/style.css', 'text/css; charset=utf-8', '.status-CONFIRMED'],
      ['/web/favicon.svg', 'image/svg+xml', '<svg'],
    ])('serves %s as %s with a Content-Security-Policy of its own origin only', async (path, type, content) => {
      const res = await fetch(base + path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await res.text()).toContain(content);
    });

    it('has a policy that allows nothing from another origin and no inline code', () => {
      const directives = new Map(
        CONTENT_SECURITY_POLICY.split(';')
          .map((d) => d.trim().split(/\s+/) as [string, ...string[]])
          .map(([k, ...v]) => [k, v]),
      );
      expect(directives.get('default-src')).toEqual(["'self'"]);
      for (const sources of directives.values()) for (const s of sources) expect(["'self'", "'none'"]).toContain(s);
    });

    it('links only files of its own, by paths it serves', async () => {
      const html = await (await fetch(`${base}/`)).text();
      const links = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      expect(links.length).toBeGreaterThanOrEqual(3);
      for (const link of links) {
        expect(link).toMatch(/^\/web\//);
        expect((await fetch(base + link)).status, link).toBe(200);
      }
      expect(html).not.toMatch(/<script>|<style>|\son\w+=/);
    });

    it('answers HEAD without a body', async () => {
      const res = await fetch(`${base}/`, { method: 'HEAD' });
      expect(res.status).toBe(200);
      expect(Number(res.headers.get('content-length'))).toBeGreaterThan(0);
      expect(await res.text()).toBe('');
    });

    it.each(['/web/nope.js', '/web/app.ts', '/web/../package.json', '/web/..%2fpackage.json', '/web/.hidden.js', '/index.html'])(
      'answers 404 for %s',
      async (path) => {
        const res = await fetch(base + path);
        expect(res.status).toBe(404);
        expect(res.headers.get('content-type')).toBe('application/json');
      },
    );

    it('answers 405 for POST /', async () => {
      const res = await fetch(`${base}/`, { method: 'POST' });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
    });
  });
});
