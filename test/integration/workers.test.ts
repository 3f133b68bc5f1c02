import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisStockStore } from '../../src/services/inventory/redis-stock-store.ts';
import type { Order } from '../../src/services/order/order-store.ts';
import { SERVICE_NAMES } from '../../src/services/registry.ts';
import type { DomsProcess } from '../helpers/cli.ts';
import { testEnv } from '../helpers/env.ts';
import { getOrder, placeOrder } from '../helpers/orders.ts';
import { waitFor } from '../helpers/wait.ts';
import { Saga } from '../helpers/workers.ts';

const redis = new Redis(testEnv.redisUrl);
afterAll(async () => {
  await redis.quit();
});

/** The pid the primary logged for each start of worker `slot`, oldest first. */
const startsOf = (primary: DomsProcess, slot: number) =>
  [...primary.output.matchAll(new RegExp(`worker ${slot} started worker=${slot} pid=(\\d+)`, 'g'))].map((m) => Number(m[1]));
/** How many times worker `slot` said its services run. */
const runsOf = (primary: DomsProcess, slot: number) => primary.output.split(`running ${SERVICE_NAMES.join(', ')} worker=${slot} `).length - 1;
/** The primary's children, as the kernel knows them. */
const childrenOf = (pid: number) =>
  readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
  );
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

interface StatusJson {
  groups: { service: string; members: number; clients: { clientId: string }[] }[];
}

describe('doms run all --workers 2', () => {
  it('serves one port from two processes, replaces a worker killed with SIGKILL, and stops them all at one Ctrl-C', async () => {
    const saga = new Saga(['--failure-rate', '0.3', '--workers', '2']);
    const primary = await saga.start('all');
    const primaryPid = primary.child.pid!;
    await waitFor(() => runsOf(primary, 1) >= 1 && runsOf(primary, 2) >= 1, { timeout: 90_000, interval: 200, what: 'both workers running' });
    const first = [startsOf(primary, 1)[0]!, startsOf(primary, 2)[0]!];
    expect(childrenOf(primaryPid).sort()).toEqual([...first].sort());

    const products = [randomUUID(), randomUUID()];
    await new RedisStockStore(redis).seed({ [products[0]!]: 1000, [products[1]!]: 30 });

    // A stream of orders through the one port, at about 20/s; worker 1 dies by SIGKILL a third of the way in.
    const ORDERS = 150;
    const placed: Promise<Order>[] = [];
    let killed = false;
    while (placed.length < ORDERS) {
      placed.push(placeOrder(() => saga.target, { userId: randomUUID(), amount: 20, items: { [products[placed.length % 2]!]: 1 + (placed.length % 2) } }));
      if (placed.length === 50) {
        process.kill(first[0]!, 'SIGKILL');
        killed = true;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(killed).toBe(true);
    const orders = await Promise.all(placed);

    // The primary starts a replacement in slot 1 and leaves worker 2 alone.
    await primary.waitForOutput(/worker 1 was killed \(SIGKILL\); starting another/, 30_000);
    await waitFor(() => runsOf(primary, 1) >= 2, { timeout: 90_000, interval: 200, what: 'the replacement worker running' });
    const replacement = startsOf(primary, 1)[1]!;
    expect(replacement).not.toBe(first[0]);
    expect(alive(first[1]!)).toBe(true);
    expect(childrenOf(primaryPid).sort()).toEqual([replacement, first[1]!].sort());

    const verified = await saga.doms(['verify', '--wait', '90s', '--max-in-flight', '90s'], { timeout: 120_000 });
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const final = await Promise.all(orders.map((o) => getOrder(saga.target, o.id)));
    expect(final.filter((o) => !['CONFIRMED', 'REJECTED', 'CANCELLED'].includes(o.status))).toEqual([]);
    expect(new Set(final.map((o) => o.id)).size).toBe(ORDERS);

    // doms status shows both processes in every group (the killed one leaves at its session timeout).
    await waitFor(
      async () => {
        const r = await saga.doms(['status', '--json'], { timeout: 60_000 });
        const s = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as StatusJson;
        const expected = [`doms-all-${first[1]}`, `doms-all-${replacement}`].sort();
        return s.groups.every((g) => g.members === 2 && JSON.stringify(g.clients.map((c) => c.clientId).sort()) === JSON.stringify(expected)) || undefined;
      },
      { timeout: 60_000, interval: 1000, what: 'doms status to show the two live workers in every consumer group' },
    );

    // Ctrl-C in a terminal reaches every process of the group: the primary and both workers.
    for (const pid of [primaryPid, replacement, first[1]!]) process.kill(pid, 'SIGINT');
    expect(await primary.exited).toBe(0);
    expect(primary.output).not.toMatch(/forced exit/);
    expect(primary.output).toMatch(/all workers stopped/);
    for (const pid of [...first, replacement]) expect(alive(pid), `worker pid ${pid} left behind`).toBe(false);
  }, 300_000);
});
