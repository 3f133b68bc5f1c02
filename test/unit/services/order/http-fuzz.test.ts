import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSeed, fuzzRuns } from '../../../helpers/fuzz.ts';
import { checkOne, describeTally, newTally, orderRequest } from '../../../helpers/fuzz-orders.ts';
import { serveOrderApi, type ServedOrderApi } from '../../../helpers/order-api.ts';
import { ORDER_DB_TIMEOUT } from '../../../helpers/pglite.ts';

/** Cases per run: enough to meet every shape many times, a few seconds of a 2-core machine. */
const CASES = 1000;

describe('POST /orders under fuzzing, on PGlite', () => {
  let api: ServedOrderApi | undefined;
  beforeAll(async () => {
    api = await serveOrderApi();
  }, ORDER_DB_TIMEOUT);
  afterAll(() => api?.close());

  const tally = newTally();

  it(`answers ${CASES} random requests 200 with the order stored once, or 400 naming a field that is wrong; never 5xx, never hangs`, async () => {
    announceSeed('POST /orders on PGlite');
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(orderRequest, (req) => checkOne(api!.base, api!.db, req, tally)),
      fuzzRuns(CASES),
    );
    console.log(describeTally(tally, Date.now() - started));
    // The generator must reach both answers often, or the property says little.
    expect(tally.created).toBeGreaterThan(CASES / 10);
    expect(tally.rejected).toBeGreaterThan(CASES / 4);
  }, 180_000);

  it('stored exactly the orders it answered 200, and still serves a plain order afterwards', async () => {
    const { rows } = await api!.db.query<{ n: string; events: string }>('SELECT (SELECT count(*) FROM orders) AS n, (SELECT count(*) FROM outbox) AS events');
    expect(Number(rows[0]!.n)).toBe(tally.ids.size);
    expect(Number(rows[0]!.events)).toBe(tally.ids.size);
    const health = await fetch(`${api!.base}/health`);
    expect(health.status).toBe(200);
    const res = await fetch(`${api!.base}/orders`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId: randomUUID(), amount: 1, items: { [randomUUID()]: 1 } }),
    });
    expect(res.status).toBe(200);
  });
});
