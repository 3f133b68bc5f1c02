import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisStockStore } from '../../src/services/inventory/redis-stock-store.ts';
import { testEnv } from '../helpers/env.ts';
import { getOrder, placeOrder } from '../helpers/orders.ts';
import { waitFor } from '../helpers/wait.ts';
import { freePort, Saga } from '../helpers/workers.ts';

const redis = new Redis(testEnv.redisUrl);
afterAll(async () => {
  await redis.quit();
});

/** The value of one series in Prometheus text format, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('Prometheus metrics', () => {
  it('are served by every worker at /metrics and count what each did', async () => {
    const saga = new Saga();
    const ports: Record<string, number> = {};
    for (const service of ['order', 'inventory', 'payment', 'notification']) {
      ports[service] = await freePort();
      await saga.start(service, ['--metrics-port', String(ports[service])]);
    }
    const product = randomUUID();
    await new RedisStockStore(redis).seed({ [product]: 100 });
    const placed = await placeOrder(() => saga.target, { userId: randomUUID(), amount: 5, items: { [product]: 1 } });
    await waitFor(async () => ['CONFIRMED', 'CANCELLED'].includes((await getOrder(saga.target, placed.id)).status), { what: 'the order to end' });

    const scrape = async (service: string) => {
      const res = await fetch(`http://127.0.0.1:${ports[service]}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      return res.text();
    };
    const expectations: [string, string, Record<string, string>][] = [
      ['order', 'doms_http_request_duration_seconds_count', { method: 'POST', route: '/orders', status: '200' }],
      ['order', 'doms_outbox_published_total', { path: 'fast' }],
      ['order', 'doms_events_handled_total', { service: 'order', topic: 'inventory.reserved', result: 'handled' }],
      ['inventory', 'doms_events_handled_total', { service: 'inventory', topic: 'order.created', result: 'handled' }],
      ['inventory', 'doms_handler_duration_seconds_count', { service: 'inventory' }],
      ['payment', 'doms_events_handled_total', { service: 'payment', topic: 'inventory.reserved', result: 'handled' }],
      ['notification', 'doms_handler_duration_seconds_count', { service: 'notification' }],
    ];
    // Outcomes reach the order service's and notification's counters a moment after the status changes.
    await waitFor(
      async () => {
        for (const [service, name, labels] of expectations) if (!((sample(await scrape(service), name, labels) ?? 0) >= 1)) return false;
        return true;
      },
      { timeout: 20_000, interval: 250, what: `every worker's counters: ${expectations.map(([s, n, l]) => `${s} ${n}${JSON.stringify(l)}`).join(', ')}` },
    );
    for (const service of Object.keys(ports)) {
      const text = await scrape(service);
      expect(sample(text, 'process_cpu_user_seconds_total', {}), `${service} process metrics`).toBeGreaterThan(0);
    }
    expect(sample(await scrape('inventory'), 'doms_consumer_lag', { topic: 'order.created' })).toBeGreaterThanOrEqual(0);
  }, 120_000);
});
