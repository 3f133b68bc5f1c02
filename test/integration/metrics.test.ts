import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisStockStore } from '../../src/services/inventory/redis-stock-store.ts';
import { testEnv } from '../helpers/env.ts';
import { dashboardQueries, exposedSeries, labelsUsed, metricNames, readDashboard, readYaml, type PrometheusConfig } from '../helpers/observability.ts';
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
  it('are served by every worker at /metrics and count what each did; the dashboard reads only real series; JSON log lines carry where each order came from', async () => {
    const saga = new Saga();
    // The same run checks the JSON logs: a line per order, with where its message was read.
    saga.env.LOG_FORMAT = 'json';
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
    // The outbox is read at scrape time: every row published (the order ended), so nothing waits.
    const orderMetrics = await scrape('order');
    expect(sample(orderMetrics, 'doms_outbox_backlog', {}), 'the outbox backlog').toBe(0);
    expect(sample(orderMetrics, 'doms_outbox_oldest_age_seconds', {}), 'the age of the oldest unpublished row').toBe(0);
    expect(sample(await scrape('inventory'), 'doms_outbox_backlog', {}), 'only order services have an outbox').toBeUndefined();

    // The sample dashboard reads only series the workers really expose, on labels they (or the scrape config) carry.
    const exposed = new Map<string, Set<string>>();
    for (const service of Object.keys(ports))
      for (const [name, labels] of exposedSeries(await scrape(service))) exposed.set(name, new Set([...(exposed.get(name) ?? []), ...labels]));
    const prometheus = readYaml<PrometheusConfig>('stack/observability/prometheus.yml');
    const targetLabels = ['job', 'instance', ...prometheus.scrape_configs.flatMap((j) => j.static_configs.flatMap((c) => Object.keys(c.labels ?? {})))];
    for (const { panel, expr } of dashboardQueries(readDashboard())) {
      const names = metricNames(expr);
      for (const name of names) expect(exposed.has(name), `${panel}: ${name} in the workers' /metrics`).toBe(true);
      const labels = new Set([...targetLabels, ...names.flatMap((n) => [...(exposed.get(n) ?? [])])]);
      for (const label of labelsUsed(expr)) expect(labels.has(label), `${panel}: label ${label} of ${names.join(', ')}`).toBe(true);
    }

    // LOG_FORMAT=json: the order's lines are JSON objects naming the service, the order and the message read.
    const reserved = await waitFor(
      () =>
        saga.output
          .split('\n')
          .filter((l) => l.startsWith('{') && l.includes(placed.id))
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((l) => l.msg === 'stock reserved'),
      { what: `a JSON "stock reserved" line for order ${placed.id}` },
    );
    expect(reserved).toMatchObject({ level: 'info', service: 'inventory', orderId: placed.id, topic: 'order.created', offset: expect.stringMatching(/^\d+$/) });
    expect(reserved.partition).toEqual(expect.any(Number));
    expect(Number.isNaN(Date.parse(String(reserved.time)))).toBe(false);
  }, 120_000);
});
