import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_TOPICS } from '../../src/events/topics.ts';
import { RedisStockStore } from '../../src/services/inventory/redis-stock-store.ts';
import type { DeadLetterView } from '../../src/infra/kafka-dead-letters.ts';
import { testEnv } from '../helpers/env.ts';
import { produceRaw } from '../helpers/kafka.ts';
import { getOrder, placeOrder } from '../helpers/orders.ts';
import { waitFor } from '../helpers/wait.ts';
import { Saga } from '../helpers/workers.ts';

const redis = new Redis(testEnv.redisUrl);
afterAll(async () => {
  await redis.quit();
});

const poison = (topic: string) => [
  { key: randomUUID(), value: 'definitely {not json' },
  { key: randomUUID(), value: JSON.stringify({ orderId: randomUUID(), userId: 7, totalAmount: 'lots', items: [], amount: 'x', items2: null }) },
  { key: randomUUID(), value: JSON.stringify({ userId: randomUUID(), totalAmount: 1, amount: 1, paymentId: 'p', reason: 'r', items: {}, shortages: [] }) },
  { key: randomUUID(), value: JSON.stringify({ type: `${topic}.v2`, orderId: randomUUID() }) },
  { key: randomUUID(), value: JSON.stringify({ orderId: randomUUID(), padding: 'x'.repeat(300 * 1024) }) },
];

describe('poison messages', () => {
  let saga: Saga;
  beforeAll(async () => {
    saga = new Saga(['--failure-rate', '0.5', '--seed', 'poison']);
    await saga.start('all');
  });

  it('go to the dead-letter topic of each input topic while good orders keep flowing', async () => {
    const stock = new RedisStockStore(redis);
    const p = randomUUID();
    await stock.seed({ [p]: 100 });
    const before = await placeOrder(() => saga.target, { userId: randomUUID(), amount: 5, items: { [p]: 1 } });

    const injected = new Map<string, string[]>();
    for (const topic of ALL_TOPICS) {
      const messages = poison(topic);
      injected.set(
        topic,
        messages.map((m) => m.key),
      );
      await produceRaw(saga.prefix + topic, messages);
    }
    const after = [];
    for (let i = 0; i < 5; i++) after.push(await placeOrder(() => saga.target, { userId: randomUUID(), amount: 5, items: { [p]: 1 } }));

    // Every topic has a consumer, so every poison message must show up in a dead-letter topic.
    const letters = await waitFor(
      async () => {
        const result = await saga.doms(['dlq', '--json']);
        const list = JSON.parse(result.stdout) as (DeadLetterView & { topic: string })[];
        const expected = [...injected.values()].flat().length;
        // A topic read by several services dead-letters once per service.
        return list.length >= expected ? list : undefined;
      },
      { timeout: 30_000, what: 'every poison message in a dead-letter topic' },
    );
    for (const [topic, keys] of injected) {
      const mine = letters.filter((l) => l.topic === topic);
      expect(new Set(mine.map((l) => l.key))).toEqual(new Set(keys));
      for (const l of mine) {
        expect(l.error).not.toBe('');
        expect(l.source.topic).toBe(topic);
        expect(l.source.offset).toMatch(/^\d+$/);
      }
    }
    // Nothing but the poison: no good event was ever dead-lettered.
    expect(letters.every((l) => [...injected.values()].flat().includes(l.key!))).toBe(true);
    expect(letters.find((l) => (l.value?.length ?? 0) > 300 * 1024)?.error).toMatch(/exceeds the 262144-byte limit/);

    for (const o of [before, ...after]) {
      await waitFor(async () => ['CONFIRMED', 'CANCELLED'].includes((await getOrder(saga.target, o.id)).status), { what: `order ${o.id} to finish` });
    }
    const verified = await saga.doms(['verify', '--wait', '20s']);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });

  it('shows dead letters in a table and re-publishes them once with --replay', async () => {
    const table = await saga.doms(['dlq', 'order.created']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('value is not JSON');

    const replay = await saga.doms(['dlq', 'order.created', '--replay']);
    expect(replay.stdout, replay.stderr).toContain('order.created: 5 dead letters re-published');
    // Still poison, so each comes back once as a new dead letter…
    const list = await waitFor(async () => {
      const all = JSON.parse((await saga.doms(['dlq', 'order.created', '--json'])).stdout) as DeadLetterView[];
      return all.length === 10 ? all : undefined;
    });
    expect(list.filter((l) => l.replayed)).toHaveLength(5);
    // …and a second replay sends only those new ones, never the first five again.
    const again = await saga.doms(['dlq', 'order.created', '--replay']);
    expect(again.stdout, again.stderr).toContain('order.created: 5 dead letters re-published');
    expect(saga.processes[0]!.child.exitCode).toBeNull();
  });
});
