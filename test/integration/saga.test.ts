import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeEvent } from '../../src/events/events.ts';
import { EventHeaders } from '../../src/events/headers.ts';
import { RedisStockStore } from '../../src/services/inventory/redis-stock-store.ts';
import type { Order } from '../../src/services/order/order-store.ts';
import { doms } from '../helpers/cli.ts';
import { testEnv } from '../helpers/env.ts';
import { deleteAllRecords, produceRaw, readTopic } from '../helpers/kafka.ts';
import { sagaEvents as ev } from '../helpers/saga-events.ts';
import { waitFor } from '../helpers/wait.ts';
import { startWorkers, type WorkerSet } from '../helpers/workers.ts';

let redis: Redis;
let stock: RedisStockStore;

beforeAll(() => {
  redis = new Redis(testEnv.redisUrl);
  stock = new RedisStockStore(redis);
});
afterAll(async () => {
  await redis.quit();
});

async function post(set: WorkerSet, body: unknown): Promise<Response> {
  return fetch(`${set.target}/orders`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

async function getOrder(set: WorkerSet, id: string): Promise<Order> {
  const res = await fetch(`${set.target}/orders/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Order;
}

function finalStatus(set: WorkerSet, id: string): Promise<Order> {
  return waitFor(
    async () => {
      const order = await getOrder(set, id);
      return ['CONFIRMED', 'REJECTED', 'CANCELLED'].includes(order.status) ? order : undefined;
    },
    { what: `order ${id} to reach a terminal status` },
  );
}

describe('the saga with payments that succeed', () => {
  let set: WorkerSet;
  const user = randomUUID();
  beforeAll(async () => {
    set = await startWorkers(['--failure-rate', '0']);
  });

  it('confirms an order placed over HTTP, sells its stock and notifies once', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const seeded = await doms(['stock', 'seed', `${a}=10`, `${b}=10`], { env: set.env });
    expect(seeded.code).toBe(0);

    const res = await post(set, { userId: user, amount: 500, items: { [a]: 2, [b]: 1 } });
    expect(res.status).toBe(200);
    const created = (await res.json()) as Order;
    expect(created).toMatchObject({ userId: user, amount: 500, status: 'CREATED', items: { [a]: 2, [b]: 1 } });

    const order = await finalStatus(set, created.id);
    expect(order.status).toBe('CONFIRMED');
    expect(order.statusHistory.map((h) => h.status)).toEqual(['CREATED', 'RESERVED', 'CONFIRMED']);
    await waitFor(async () => (await stock.get([a]))[0]?.sold === 2, { what: 'the sale to be recorded' });
    expect(await stock.get([a, b])).toEqual([
      { productId: a, available: 8, reserved: 0, sold: 2, added: 10 },
      { productId: b, available: 9, reserved: 0, sold: 1, added: 10 },
    ]);
    await set.process.waitForOutput(new RegExp(`notification sent: order ${created.id} confirmed`));
    expect(set.process.output.match(new RegExp(`notification sent: order ${created.id}`, 'g'))).toHaveLength(1);
  });

  it('publishes order.created in the original format', async () => {
    const p = randomUUID();
    await stock.seed({ [p]: 1 });
    const created = (await (await post(set, { userId: user, amount: 12.5, items: { [p]: 1 } })).json()) as Order;
    const messages = await waitFor(async () => {
      const all = await readTopic(`${set.prefix}order.created`);
      return all.find((m) => m.key === created.id) ? all : undefined;
    });
    const message = messages.find((m) => m.key === created.id)!;
    expect(JSON.parse(message.value!)).toMatchObject({ orderId: created.id, userId: user, totalAmount: 12.5, items: { [p]: 1 } });
  });

  it('confirms an order placed with `doms order place --wait`, printing each step', async () => {
    const p = randomUUID();
    await stock.seed({ [p]: 3 });
    const result = await doms(['order', 'place', '--user', user, '--item', `${p}=3`, '--amount', '99.90', '--wait'], { env: set.env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/order [0-9a-f-]{36} placed/);
    expect(result.stdout).toMatch(/CREATED[\s\S]*CONFIRMED/);
    expect((await stock.get([p]))[0]).toMatchObject({ available: 0, sold: 3 });
  });

  it('rejects an order that stock cannot cover and reserves nothing of it', async () => {
    const [plenty, short] = [randomUUID(), randomUUID()];
    await stock.seed({ [plenty]: 10, [short]: 1 });
    const created = (await (await post(set, { userId: user, amount: 10, items: { [plenty]: 5, [short]: 2 } })).json()) as Order;
    const order = await finalStatus(set, created.id);
    expect(order.status).toBe('REJECTED');
    expect(order.statusHistory.map((h) => h.status)).toEqual(['CREATED', 'REJECTED']);
    expect(await stock.get([plenty, short])).toEqual([
      { productId: plenty, available: 10, reserved: 0, sold: 0, added: 10 },
      { productId: short, available: 1, reserved: 0, sold: 0, added: 1 },
    ]);
    const placed = await doms(['order', 'place', '--user', user, '--item', `${short}=2`, '--amount', '1', '--wait'], { env: set.env });
    expect(placed.code).toBe(1);
    expect(placed.stdout).toContain('REJECTED');
  });

  it("lists a user's orders newest first and shows them with `doms orders` and `doms order get`", async () => {
    const someone = randomUUID();
    const p = randomUUID();
    await stock.seed({ [p]: 5 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(((await (await post(set, { userId: someone, amount: i, items: { [p]: 1 } })).json()) as Order).id);
    const page = (await (await fetch(`${set.target}/orders?userId=${someone}&page=0&size=2`)).json()) as {
      content: Order[];
      totalElements: number;
      totalPages: number;
      number: number;
      size: number;
    };
    expect(page).toMatchObject({ totalElements: 3, totalPages: 2, number: 0, size: 2 });
    expect(page.content.map((o) => o.id)).toEqual([ids[2], ids[1]]);

    const listed = await doms(['orders', '--user', someone, '--json'], { env: set.env });
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { content: Order[] }).content.map((o) => o.id)).toEqual([...ids].reverse());
    const table = await doms(['orders', '--user', someone], { env: set.env });
    for (const id of ids) expect(table.stdout).toContain(id);

    await finalStatus(set, ids[0]!);
    const got = await doms(['order', 'get', ids[0]!], { env: set.env });
    expect(got.code).toBe(0);
    expect(got.stdout).toContain('CONFIRMED');
    expect((await doms(['order', 'get', randomUUID()], { env: set.env })).code).toBe(1);
  });

  it("shows an order's events with `doms tail`, in NDJSON", async () => {
    const p = randomUUID();
    await stock.seed({ [p]: 1 });
    const created = (await (await post(set, { userId: user, amount: 3, items: { [p]: 1 } })).json()) as Order;
    await finalStatus(set, created.id);
    const tail = await doms(
      ['tail', 'order.created', 'inventory.reserved', 'payment.success', '--from-beginning', '--key', created.id, '--num', '3', '--json'],
      { env: set.env },
    );
    expect(tail.code).toBe(0);
    const records = tail.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { topic: string; key: string; value: { orderId: string } });
    expect(records.map((r) => r.topic).sort()).toEqual(['inventory.reserved', 'order.created', 'payment.success']);
    expect(records.every((r) => r.key === created.id && r.value.orderId === created.id)).toBe(true);
  });

  it('skips a malformed message, logging where it was, and keeps processing good orders', async () => {
    await produceRaw(`${set.prefix}order.created`, [
      { key: 'poison', value: 'this is not json' },
      { key: 'x', value: JSON.stringify({ orderId: 'nope' }) },
    ]);
    await set.process.waitForOutput(/malformed message sent to the dead-letter topic.*topic=order.created.*partition=\d+.*offset=\d+/);
    const p = randomUUID();
    await stock.seed({ [p]: 1 });
    const created = (await (await post(set, { userId: user, amount: 1, items: { [p]: 1 } })).json()) as Order;
    expect((await finalStatus(set, created.id)).status).toBe('CONFIRMED');
  });

  it('stops cleanly on SIGTERM', async () => {
    const started = Date.now();
    expect(await set.stop()).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(set.process.output).toContain('stopped');
  });
});

describe('the saga with payments that fail', () => {
  let set: WorkerSet;
  beforeAll(async () => {
    set = await startWorkers(['--failure-rate', '1']);
  });

  it('cancels the order and gives every reserved unit back', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await stock.seed({ [a]: 5, [b]: 2 });
    const created = (await (await post(set, { userId: randomUUID(), amount: 70, items: { [a]: 3, [b]: 2 } })).json()) as Order;
    const order = await finalStatus(set, created.id);
    expect(order.status).toBe('CANCELLED');
    expect(order.statusHistory.map((h) => h.status)).toEqual(['CREATED', 'RESERVED', 'CANCELLED']);
    expect(await stock.get([a, b])).toEqual([
      { productId: a, available: 5, reserved: 0, sold: 0, added: 5 },
      { productId: b, available: 2, reserved: 0, sold: 0, added: 2 },
    ]);
    await set.process.waitForOutput(new RegExp(`notification sent: order ${created.id} cancelled`));
  });

  it('doms verify judges only its own database on topics shared with another saga, and after retention does not ask old orders for events', async () => {
    type VerifyJson = { ok: boolean; violations: { invariant: string; subject: string }[]; notJudged: { otherEvents: number; beforeRetention: number } };
    const verify = async () => {
      const run = await doms(['verify', '--json'], { env: set.env });
      expect(run.stderr, 'doms verify ran').toBe('');
      return { code: run.code, report: JSON.parse(run.stdout) as VerifyJson };
    };
    const p = randomUUID();
    await stock.seed({ [p]: 1 });
    const created = (await (await post(set, { userId: randomUUID(), amount: 1, items: { [p]: 1 } })).json()) as Order;
    await finalStatus(set, created.id);

    // Another database's saga on the same topics, and a producer that stamps no origin.
    const event = (id: string) => serializeEvent(ev.created(id, { [randomUUID()]: 1 }));
    const [theirs, unstamped] = [randomUUID(), randomUUID()];
    await produceRaw(`${set.prefix}order.created`, [
      { key: theirs, value: event(theirs), headers: { [EventHeaders.Origin]: randomUUID() } },
      { key: unstamped, value: event(unstamped) },
    ]);
    const shared = await verify();
    expect(shared.report.violations).toEqual([]);
    expect(shared.code).toBe(0);
    expect(shared.report.notJudged.otherEvents).toBe(2);

    // An event stamped with this database's origin but without its row is a lost row.
    const origin = await originOf(set.databaseUrl);
    const lost = randomUUID();
    await produceRaw(`${set.prefix}order.created`, [{ key: lost, value: event(lost), headers: { [EventHeaders.Origin]: origin } }]);
    const broken = await verify();
    expect(broken.code).toBe(1);
    expect(broken.report.violations).toContainEqual(expect.objectContaining({ invariant: 'I6', subject: lost }));

    // Retention removed every event so far: nothing is lost, and verify says how many orders it could not ask.
    for (const topic of ['order.created', 'payment.success', 'payment.failed']) await deleteAllRecords(`${set.prefix}${topic}`);
    const retained = await verify();
    expect(retained.report.violations).toEqual([]);
    expect(retained.code).toBe(0);
    expect(retained.report.notJudged.beforeRetention).toBeGreaterThanOrEqual(2);
  });
});

async function originOf(databaseUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<{ id: string }>('SELECT id::text FROM saga_origin')).rows[0]!.id;
  } finally {
    await client.end();
  }
}
