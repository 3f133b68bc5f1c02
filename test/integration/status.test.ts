import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisStockStore } from '../../src/services/inventory/redis-stock-store.ts';
import { testEnv } from '../helpers/env.ts';
import { placeOrder } from '../helpers/orders.ts';
import { waitFor } from '../helpers/wait.ts';
import { startWorkers } from '../helpers/workers.ts';

const redis = new Redis(testEnv.redisUrl);
afterAll(async () => {
  await redis.quit();
});

interface StatusJson {
  healthy: boolean;
  problems: string[];
  groups: { service: string; group: string; members: number; lag: number; lastCommitAgeMs: number | null }[];
  outbox: { backlog: number } | null;
  orders: { byStatus: Record<string, number> } | null;
}

describe('doms status against the running saga', () => {
  it('says healthy (exit 0) while the workers run, and names the missing workers (exit 1) once they stop', async () => {
    // Every payment succeeds, so the order's events reach all five groups (inventory's sales group reads
    // payment.success only) and each has a commit to show.
    const set = await startWorkers(['--failure-rate', '0']);
    const product = randomUUID();
    await new RedisStockStore(redis).seed({ [product]: 100 });
    await placeOrder(() => set.target, { userId: randomUUID(), amount: 5, items: { [product]: 1 } });

    const status = async () => {
      const r = await set.saga.doms(['status', '--json'], { timeout: 60_000 });
      return { ...r, json: JSON.parse(r.stdout || 'null') as StatusJson | null };
    };
    // Healthy once every group has committed past the order (commits happen each second).
    const healthy = await waitFor(
      async () => {
        const r = await status();
        if (r.code === 0 && r.json?.groups.every((g) => g.lastCommitAgeMs !== null && g.lag === 0)) return r;
        // What it said, for the failure message should it never be healthy.
        const groups = r.json?.groups.map((g) => `${g.group}: lag ${g.lag}, last commit ${g.lastCommitAgeMs ?? 'never'}`).join('; ');
        throw new Error(`exit ${r.code}; problems: ${r.json?.problems.join('; ') ?? r.stderr.trim()}; ${groups ?? ''}`);
      },
      { timeout: 60_000, interval: 500, what: 'doms status to report every group caught up and healthy' },
    );
    expect(healthy.json!.groups.map((g) => [g.service, g.group, g.members])).toEqual([
      ['order', `${set.prefix}doms-order`, 1],
      ['inventory', `${set.prefix}doms-inventory`, 1],
      ['inventory', `${set.prefix}doms-inventory-sales`, 1],
      ['payment', `${set.prefix}doms-payment`, 1],
      ['notification', `${set.prefix}doms-notification`, 1],
    ]);
    expect(healthy.json!.outbox).toEqual({ backlog: 0, oldestAgeMs: null });
    expect(Object.values(healthy.json!.orders!.byStatus).reduce((a, b) => a + b, 0)).toBe(1);

    await set.stop();
    const stopped = await status();
    expect(stopped.code, stopped.stderr).toBe(1);
    expect(stopped.json!.problems).toContain(`order: no worker is running (consumer group ${set.prefix}doms-order has no members)`);
  }, 120_000);
});
