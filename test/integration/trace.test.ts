import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAdmin, createKafka } from '../../src/infra/kafka.ts';
import { ensureTopics } from '../../src/infra/kafka-topics.ts';
import { keyPartition } from '../../src/infra/kafka-keyed-records.ts';
import { silentLogger } from '../../src/infra/log.ts';
import { kafkaRecords } from '../../src/wiring/trace-sources.ts';
import type { OrderTrace } from '../../src/saga/trace/model.ts';
import type { Order } from '../../src/services/order/order-store.ts';
import { testEnv } from '../helpers/env.ts';
import { produceRaw, readTopic, removeSagaTopics } from '../helpers/kafka.ts';
import { getOrder, placeOrder } from '../helpers/orders.ts';
import { waitFor } from '../helpers/wait.ts';
import { Saga } from '../helpers/workers.ts';

/**
 * `doms trace` on the running saga (real Kafka, Redis, PostgreSQL): a confirmed, a rejected and a
 * cancelled order each show every step and pass; a duplicate event is absorbed, not a fault; a
 * reservation record deleted by hand is named as missing.
 */
const saga = new Saga(['--failure-rate', '0.5'], { ownRedisNamespace: true });
const redis = new Redis(testEnv.redisUrl);
const user = randomUUID();
const [plenty, scarce] = [randomUUID(), randomUUID()];
/** Finished orders by outcome. */
const finished = new Map<string, Order[]>();

const isTerminal = (s: string) => ['CONFIRMED', 'REJECTED', 'CANCELLED'].includes(s);

async function trace(id: string, ...flags: string[]) {
  const run = await saga.doms(['trace', id, ...flags], { timeout: 60_000 });
  return { ...run, trace: flags.includes('--json') && run.stdout ? (JSON.parse(run.stdout) as OrderTrace) : undefined };
}

const steps = (t: OrderTrace) => t.events.filter((e) => e.kind === 'step').map((e) => e.topic);
const check = (t: OrderTrace, name: string) => t.verdict.checks.find((c) => c.name === name);

beforeAll(async () => {
  await saga.start('all');
  const seeded = await saga.doms(['stock', 'seed', `${plenty}=1000`, `${scarce}=0`]);
  expect(seeded.code).toBe(0);
  // Half the payments fail (a coin per order): 20 orders give three confirmed and one cancelled but for a 1-in-5,000 chance.
  const placed = [
    ...(await Promise.all(Array.from({ length: 20 }, () => placeOrder(() => saga.target, { userId: user, amount: 20, items: { [plenty]: 2 } })))),
    ...(await Promise.all([1, 2].map(() => placeOrder(() => saga.target, { userId: user, amount: 5, items: { [plenty]: 1, [scarce]: 1 } })))),
  ];
  const orders = await waitFor(
    async () => {
      const now = await Promise.all(placed.map((o) => getOrder(saga.target, o.id)));
      return now.every((o) => isTerminal(o.status)) && now;
    },
    { timeout: 60_000, what: 'every order to finish' },
  );
  for (const o of orders) finished.set(o.status, [...(finished.get(o.status) ?? []), o]);
  // The last steps (the notification, the sale) come just after the status: wait until the orders the tests use have had them.
  const used = [...finished.get('CONFIRMED')!.slice(0, 2), finished.get('CONFIRMED')!.at(-1)!, finished.get('REJECTED')![0]!, finished.get('CANCELLED')![0]!];
  for (const o of used) {
    await waitFor(
      async () => {
        const res = await fetch(`${saga.target}/orders/${o.id}/trace`);
        return res.status === 200 && ((await res.json()) as OrderTrace).verdict.state === 'passed';
      },
      { timeout: 30_000, what: `order ${o.id}'s trace to pass` },
    );
  }
}, 180_000);

afterAll(() => {
  redis.disconnect();
});

describe('doms trace on the running saga', () => {
  it.each([
    ['CONFIRMED', ['order.created', 'inventory.reserved', 'payment.success']],
    ['REJECTED', ['order.created', 'inventory.rejected']],
    ['CANCELLED', ['order.created', 'inventory.reserved', 'payment.failed', 'inventory.released']],
  ])('shows each step of a %s order and a passing verdict, exit 0', async (status, topics) => {
    const order = finished.get(status)![0]!;
    const run = await trace(order.id, '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const t = run.trace!;
    expect(t.order).toMatchObject({ id: order.id, status, userId: user });
    expect(t.order.statusHistory.map((h) => h.status).at(-1)).toBe(status);
    expect(steps(t).sort()).toEqual([...topics].sort());
    expect(t.events.every((e) => e.kind === 'step')).toBe(true);
    // On the partition the producers put the key on (3 partitions a topic here), with the origin header on order.created.
    for (const e of t.events) expect(e.partition).toBe(keyPartition(order.id, 3));
    expect(t.events.find((e) => e.topic === 'order.created')!.origin).toMatch(/^[0-9a-f-]{36}$/);
    expect(t.events[0]!.topic).toBe('order.created');
    expect(t.verdict).toMatchObject({ state: 'passed', outcome: status, missing: [] });
    expect(t.verdict.checks.map((c) => [c.name, c.status])).toEqual([
      ['order.created published', 'pass'],
      ['exactly one outcome', 'pass'],
      ['stock taken and given back as the outcome says', 'pass'],
      ['one charge', 'pass'],
      ['one notification', 'pass'],
      ['repeated events absorbed', 'pass'],
      ['no dead letters', 'pass'],
    ]);
    expect(t.redis.notification.value).toBe(status);
    expect(t.redis.reservation.state).toBe({ CONFIRMED: 'SOLD', REJECTED: 'REJECTED', CANCELLED: 'RELEASED' }[status]);
    // Only the key's partition of each topic was read, from the order's creation on.
    expect(t.searched.map((s) => s.topic)).toContain('payment.success');
    expect(t.searched.every((s) => s.partition === keyPartition(order.id, s.topic.endsWith('.dlq') ? 1 : 3))).toBe(true);
  });

  it('prints the steps, the time between them and the named checks as text', async () => {
    const order = finished.get('CANCELLED')![0]!;
    const run = await trace(order.id);
    expect(run.code).toBe(0);
    for (const topic of ['order.created', 'inventory.reserved', 'payment.failed', 'inventory.released']) expect(run.stdout).toContain(topic);
    expect(run.stdout).toMatch(/\+\d+(\.\d)?m?s/);
    expect(run.stdout).toContain('verdict: passed (CANCELLED)');
    expect(run.stdout).toContain('✔ one charge: not charged');
  });

  it('serves the same trace on the order API: GET /orders/<id>/trace', async () => {
    const order = finished.get('CONFIRMED')![0]!;
    const res = await fetch(`${saga.target}/orders/${order.id}/trace`);
    expect(res.status).toBe(200);
    const served = (await res.json()) as OrderTrace;
    const { trace: printed } = await trace(order.id, '--json');
    expect(served).toEqual(printed);
    expect((await fetch(`${saga.target}/orders/${randomUUID()}/trace`)).status).toBe(404);
    expect((await fetch(`${saga.target}/orders/not-a-uuid/trace`)).status).toBe(400);
  });

  it('shows a duplicate event written by another client as absorbed, and still passes', async () => {
    const order = finished.get('CONFIRMED')![1]!;
    const topic = `${saga.prefix}payment.success`;
    const original = (await readTopic(topic)).find((r) => r.key === order.id)!;
    await produceRaw(topic, [{ key: order.id, value: original.value }]);
    const t = await waitFor(async () => {
      const run = await trace(order.id, '--json');
      return run.trace!.events.some((e) => e.kind === 'absorbed') && run;
    });
    expect(t.code).toBe(0);
    const absorbed = t.trace!.events.filter((e) => e.kind === 'absorbed');
    expect(absorbed).toHaveLength(1);
    expect(absorbed[0]).toMatchObject({ topic: 'payment.success', origin: null });
    expect(absorbed[0]!.note).toContain('absorb');
    expect(t.trace!.verdict.state).toBe('passed');
    expect(check(t.trace!, 'repeated events absorbed')).toMatchObject({ status: 'pass', detail: expect.stringContaining('1 absorbed') });
    expect(check(t.trace!, 'one charge')!.status).toBe('pass');
  });

  it('names a reservation record deleted by hand as missing, and exits 1', async () => {
    const order = finished.get('CONFIRMED')!.at(-1)!;
    const key = `${saga.redisNamespace}:reservation:${order.id}`;
    expect(await redis.del(key)).toBe(1);
    const run = await trace(order.id, '--json');
    expect(run.code).toBe(1);
    const t = run.trace!;
    expect(t.verdict.state).toBe('failed');
    expect(t.verdict.missing).toEqual([`Redis reservation record ${key}`]);
    expect(check(t, 'stock taken and given back as the outcome says')).toMatchObject({ status: 'fail', detail: expect.stringContaining(key) });
    const text = await trace(order.id);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`missing: Redis reservation record ${key}`);
  });

  it('exits 1 with one line for an order that does not exist, and 2 for an id that is not a UUID', async () => {
    const id = randomUUID();
    const none = await trace(id);
    expect(none).toMatchObject({ code: 1, stdout: '' });
    expect(none.stderr.trim().split('\n')).toEqual([`doms: no order ${id} in the database (DATABASE_URL)`]);
    const bad = await trace('12345');
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad.stderr.trim()).toBe("doms: invalid order id '12345': must be a UUID");
  });
});

describe("reading one order's records", () => {
  const prefix = `tr${randomUUID().slice(0, 8)}.`;
  const brokers = testEnv.brokers.split(',');
  const kafka = createKafka({ brokers, clientId: 'doms-trace-test', logger: silentLogger });

  afterAll(async () => {
    await removeSagaTopics(testEnv.brokers, prefix);
  });

  it("reads only the key's partition of each topic, from the offset Kafka gives for the time asked", async () => {
    const admin = await connectAdmin(kafka, brokers);
    try {
      await ensureTopics(admin, prefix, 3);
    } finally {
      await admin.disconnect();
    }
    const id = randomUUID();
    const other = randomUUID();
    const hourAgo = String(Date.now() - 3_600_000);
    const partition = keyPartition(id, 3);
    // An hour-old record of the same key and one of another key on its partition; a recent one on another partition.
    await produceRaw(`${prefix}payment.success`, [
      { key: id, value: JSON.stringify({ orderId: id, old: true }), timestamp: hourAgo },
      { key: other, value: JSON.stringify({ orderId: other }), partition },
      { key: id, value: JSON.stringify({ orderId: id }) },
      { key: id, value: JSON.stringify({ orderId: id, stray: true }), partition: (partition + 1) % 3 },
    ]);
    await produceRaw(`${prefix}payment.success.dlq`, [{ value: `{"orderId":"${id}" broken` }]);

    // Read-only, so tried again while the new topics' leaders settle (seen once: "not the leader" right after creation).
    const since = Date.now() - 60_000;
    const read = await waitFor(() => kafkaRecords(kafka, prefix, id, since), { what: "the order's records" });
    expect(read.records.map((r) => [r.topic, r.partition, r.offset, r.value])).toEqual([['payment.success', partition, '2', JSON.stringify({ orderId: id })]]);
    // A dead letter without a key is known by its value naming the order.
    expect(read.deadLetters.map((r) => [r.topic, r.offset])).toEqual([['payment.success.dlq', '0']]);
    // The hour-old record was skipped by offset, not read and dropped: the read starts after it.
    expect(read.searched.find((s) => s.topic === 'payment.success')).toEqual({ topic: 'payment.success', partition, from: '1', to: '3' });
    expect(read.searched.filter((s) => !s.topic.endsWith('.dlq')).map((s) => s.partition)).toEqual(Array(6).fill(partition));
  });
});
