import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlOrderStore } from '../../../../src/services/order/order-store.ts';
import { readOrderStats, type OrderStats } from '../../../../src/services/order/order-stats.ts';
import { serveOrderApi, type ServedOrderApi } from '../../../helpers/order-api.ts';
import { fillAndCheck } from '../../../helpers/order-stats.ts';
import { ORDER_DB_TIMEOUT } from '../../../helpers/pglite.ts';
import { waitFor } from '../../../helpers/wait.ts';

describe('order stats (GET /stats), on PGlite', () => {
  let api: ServedOrderApi;

  beforeAll(async () => {
    api = await serveOrderApi();
  }, ORDER_DB_TIMEOUT);
  afterAll(async () => {
    await api?.close();
  });

  const get = async (query: string) => {
    const res = await fetch(`${api.base}/stats${query}`);
    return { status: res.status, headers: res.headers, body: (await res.json()) as OrderStats & { field?: string; message?: string } };
  };

  it('counts per second what was created and what ended how, with saga percentiles, in one read', async () => {
    // Far from today, so the orders the other tests place do not fall in.
    await fillAndCheck(api.db, Date.UTC(2030, 0, 1, 12, 0, 0, 400));
  });

  it('says idle plainly: every second there, at zero, and no latency', async () => {
    const stats = await readOrderStats(api.db, 3, Date.UTC(2031, 0, 1));
    expect(stats.seconds.map((s) => s.created + s.confirmed + s.rejected + s.cancelled)).toEqual([0, 0, 0]);
    expect(stats.inFlight).toBe(0);
    expect(stats.latency).toEqual({ seconds: 3, count: 0, p50: null, p99: null });
  });

  it('serves the orders placed over HTTP once their second is over, and says not to cache', async () => {
    const store = new SqlOrderStore(api.db);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${api.base}/orders`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ userId: randomUUID(), amount: 1, items: { [randomUUID()]: 1 } }),
      });
      ids.push(((await res.json()) as { id: string }).id);
    }
    await store.advance(ids[0]!, 'CONFIRMED');
    await store.advance(ids[1]!, 'REJECTED');
    const stats = await waitFor(
      async () => {
        const { status, headers, body } = await get('?window=10s');
        expect(status).toBe(200);
        expect(headers.get('cache-control')).toBe('no-store');
        return body.totals.created === 3 && body.totals.confirmed + body.totals.rejected === 2 && body;
      },
      { timeout: 5000, what: 'the orders in /stats' },
    );
    expect(stats.seconds).toHaveLength(10);
    expect(stats.totals).toEqual({ created: 3, confirmed: 1, rejected: 1, cancelled: 0 });
    expect(stats.inFlight).toBe(1);
    expect(stats.latency.count).toBe(2);
    expect(stats.latency.p50).toBeGreaterThanOrEqual(0);
    expect((await get('')).body.windowSeconds).toBe(60);
    expect((await get('?window=2m')).body.seconds).toHaveLength(120);
    expect((await get('?window=1500ms')).body.windowSeconds).toBe(2);
  });

  it.each(['soon', '0s', '500ms', '11m', '-1s'])('answers 400 naming the field for window=%s', async (window) => {
    const { status, body } = await get(`?window=${encodeURIComponent(window)}`);
    expect(status).toBe(400);
    expect(body.field).toBe('window');
    expect(body.message).toMatch(/^window: must be a duration from 1s to 10m/);
  });

  it('answers only GET', async () => {
    const res = await fetch(`${api.base}/stats`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });
});
