import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { groupIdFor } from '../../src/infra/bus.ts';
import { SERVICE_GROUPS } from '../../src/services/registry.ts';
import { RedisStockStore } from '../../src/services/inventory/redis-stock-store.ts';
import { testEnv } from '../helpers/env.ts';
import { readTopic, rewindGroups, waitForGroupsCaughtUp } from '../helpers/kafka.ts';
import { getOrder, placeOrder } from '../helpers/orders.ts';
import { waitFor } from '../helpers/wait.ts';
import { Saga } from '../helpers/workers.ts';

const redis = new Redis(testEnv.redisUrl);
afterAll(async () => {
  await redis.quit();
});

describe('redelivery', () => {
  it('changes nothing when every topic is delivered again to every service', async () => {
    const saga = new Saga(['--failure-rate', '0.3', '--seed', 'redelivery']);
    await saga.start('all');
    const stock = new RedisStockStore(redis);
    const products = [randomUUID(), randomUUID(), randomUUID()];
    await stock.seed({ [products[0]!]: 20, [products[1]!]: 20, [products[2]!]: 3 });
    const orders = [];
    for (let i = 0; i < 30; i++) {
      orders.push(await placeOrder(() => saga.target, { userId: randomUUID(), amount: 10 + i, items: { [products[i % 3]!]: 1 + (i % 2) } }));
    }
    const drained = await saga.doms(['verify', '--wait', '30s']);
    expect(drained.stdout).toContain('all invariants hold');
    const before = await Promise.all(orders.map((o) => getOrder(saga.target, o.id)));
    const stockBefore = await stock.get(products);
    expect(new Set(before.map((o) => o.status))).toEqual(new Set(['CONFIRMED', 'REJECTED', 'CANCELLED']));
    const inventoryAnswers = async () =>
      (await readTopic(`${saga.prefix}inventory.reserved`)).length + (await readTopic(`${saga.prefix}inventory.rejected`)).length;
    expect(await inventoryAnswers()).toBe(orders.length);
    await saga.stopAll();
    const groups = SERVICE_GROUPS.map(({ group, topics }) => ({
      groupId: groupIdFor(group, saga.prefix),
      topics: topics.map((t) => saga.prefix + t),
    }));
    await rewindGroups(groups.map((g) => g.groupId));
    // A random payment simulation would give other outcomes on a second charge: only the ledger keeps them stable.
    const replay = await saga.start('all', ['--seed', 'another-seed']);
    await waitForGroupsCaughtUp(groups);
    // The redelivery really happened: inventory saw every order again and re-announced the same answer.
    await waitFor(async () => (await inventoryAnswers()) === 2 * orders.length, { what: 'inventory to answer every order twice' });

    const after = await Promise.all(orders.map((o) => getOrder(saga.target, o.id)));
    expect(after).toEqual(before);
    expect(await stock.get(products)).toEqual(stockBefore);
    expect(replay.output).not.toContain('notification sent');
    expect(replay.output).not.toMatch(/stock reserved|payment succeeded|payment failed|stock released/);
    const verified = await saga.doms(['verify', '--wait', '20s']);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });
});
