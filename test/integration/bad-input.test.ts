import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doms } from '../helpers/cli.ts';
import { readTopic } from '../helpers/kafka.ts';
import { waitFor } from '../helpers/wait.ts';
import { startWorkers, type WorkerSet } from '../helpers/workers.ts';

const user = '11111111-1111-1111-1111-111111111111';
const product = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa';
const good = { userId: user, amount: 500, items: { [product]: 2 } };

let set: WorkerSet;
let db: pg.Client;
beforeAll(async () => {
  set = await startWorkers(['--default-stock', '100']);
  db = new pg.Client({ connectionString: set.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db.end();
});

const json = (body: unknown) => ({ body: JSON.stringify(body), type: 'application/json' });

describe('POST /orders with bad input', () => {
  const cases: [string, { body: string; type?: string }, string][] = [
    ['malformed JSON', { body: '{"userId": ', type: 'application/json' }, 'body'],
    ['an empty body', { body: '', type: 'application/json' }, 'body'],
    ['a JSON array', json([good]), 'body'],
    ['a non-UUID userId', json({ ...good, userId: '42' }), 'userId'],
    ['a non-UUID product id', json({ ...good, items: { 'product-1': 1 } }), 'items.product-1'],
    ['quantity 0', json({ ...good, items: { [product]: 0 } }), `items.${product}`],
    ['a negative quantity', json({ ...good, items: { [product]: -1 } }), `items.${product}`],
    ['a fractional quantity', json({ ...good, items: { [product]: 0.5 } }), `items.${product}`],
    ['empty items', json({ ...good, items: {} }), 'items'],
    ['a missing amount', json({ userId: user, items: good.items }), 'amount'],
    ['a negative amount', json({ ...good, amount: -5 }), 'amount'],
    ['an oversized body', json({ ...good, note: 'x'.repeat(100_000) }), 'body'],
    ['a wrong content type', { body: JSON.stringify(good), type: 'text/plain' }, 'Content-Type'],
    ['no content type', { body: JSON.stringify(good) }, 'Content-Type'],
  ];

  it.each(cases)('answers 400 naming the field for %s', async (_name, { body, type }, field) => {
    const res = await fetch(`${set.target}/orders`, { method: 'POST', headers: type ? { 'Content-Type': type } : {}, body });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/json');
    const error = (await res.json()) as { field: string; message: string };
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
  });

  it('wrote and published nothing for any of them', async () => {
    // One good order afterwards: once it is on the topic, anything published before it would be too.
    const res = await fetch(`${set.target}/orders`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(good) });
    const { id } = (await res.json()) as { id: string };
    const messages = await waitFor(async () => {
      const all = await readTopic(`${set.prefix}order.created`);
      return all.some((m) => m.key === id) ? all : undefined;
    });
    expect(messages.map((m) => m.key)).toEqual([id]);
    const { rows } = await db.query<{ orders: string; items: string; outbox: string }>(
      'SELECT (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM order_items) AS items, (SELECT count(*) FROM outbox) AS outbox',
    );
    expect(rows[0]).toEqual({ orders: '1', items: '1', outbox: '1' });
  });

  it('answers 404 for an unknown order and 400 for a malformed id', async () => {
    expect((await fetch(`${set.target}/orders/${randomUUID()}`)).status).toBe(404);
    const bad = await fetch(`${set.target}/orders/not-a-uuid`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { field: string }).field).toBe('id');
  });

  it('answers 400 for a bad page query', async () => {
    const res = await fetch(`${set.target}/orders?size=1000`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { field: string }).field).toBe('size');
  });
});

describe('the CLI with bad input', () => {
  it.each([
    ['a zero quantity', ['order', 'place', '--user', user, '--item', `${product}=0`, '--amount', '5'], /--item.*at least 1/],
    ['a fractional quantity', ['order', 'place', '--user', user, '--item', `${product}=1.5`, '--amount', '5'], /--item.*whole number/],
    ['an item without quantity', ['order', 'place', '--user', user, '--item', product, '--amount', '5'], /--item.*productId>=<quantity>/],
    ['a non-UUID user', ['order', 'place', '--user', 'bob', '--item', `${product}=1`, '--amount', '5'], /--user.*UUID/],
    ['a negative amount', ['order', 'place', '--user', user, '--item', `${product}=1`, '--amount', '-5'], /--amount.*negative/],
    ['a missing amount', ['order', 'place', '--user', user, '--item', `${product}=1`], /--amount/],
    ['an unknown service', ['run', 'shipping'], /shipping/],
    ['an unknown topic', ['tail', 'orders.created'], /unknown topic 'orders.created'/],
    ['a bad stock quantity', ['stock', 'seed', `${product}=-3`], /minimum 0/],
    ['a bad failure rate', ['run', 'payment', '--failure-rate', '2'], /--failure-rate.*between 0 and 1/],
  ])('exits 2 with one line for %s', async (_name, args, message) => {
    const result = await doms(args, { env: set.env });
    expect(result.code).toBe(2);
    const lines = result.stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('(run with --help'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it('names the setting when a service is unreachable or misconfigured', async () => {
    const kafka = await doms(['tail'], { env: { ...set.env, KAFKA_BROKERS: '127.0.0.1:1' } });
    expect(kafka.code).toBe(2);
    expect(kafka.stderr.trim()).toMatch(/^doms: cannot reach Kafka at 127.0.0.1:1 \(KAFKA_BROKERS/);
    const redis = await doms(['stock', 'get'], { env: { ...set.env, REDIS_URL: 'redis://127.0.0.1:1' } });
    expect(redis.code).toBe(2);
    expect(redis.stderr.trim()).toMatch(/^doms: cannot reach Redis .*REDIS_URL/);
    const url = await doms(['run', 'order'], { env: { ...set.env, DATABASE_URL: 'mysql://x' } });
    expect(url.code).toBe(2);
    expect(url.stderr.trim()).toBe("doms: invalid DATABASE_URL: 'mysql://x' must start with postgres:// or postgresql://");
    const target = await doms(['orders'], { env: { ...set.env, DOMS_TARGET: 'http://127.0.0.1:1' } });
    expect(target.code).toBe(2);
    expect(target.stderr.trim()).toMatch(/cannot reach the order service at http:\/\/127.0.0.1:1.*DOMS_TARGET/);
  });
});
