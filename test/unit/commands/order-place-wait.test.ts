import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderCommandDeps } from '../../../src/commands/order-api.ts';
import { orderPlace, orderPlaceOptions } from '../../../src/commands/order-place.ts';
import { ExitError, UsageError } from '../../../src/errors.ts';
import { OrderClient, type OrderApi, type OrderWait } from '../../../src/wiring/order-client.ts';
import { SqlOrderStore, type Order } from '../../../src/services/order/order-store.ts';
import type { OrderStatus } from '../../../src/services/order/status.ts';
import { invocationFor } from '../../helpers/invocation.ts';
import { serveOrderApi, type ServedOrderApi } from '../../helpers/order-api.ts';
import { recordOutput } from '../../helpers/output.ts';
import { ORDER_DB_TIMEOUT } from '../../helpers/pglite.ts';

const USER = '11111111-1111-1111-1111-111111111111';
const PRODUCT = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa';
const ID = '5b0f0000-0000-4000-8000-000000000002';

const order = (status: OrderStatus): Order => ({
  id: ID,
  userId: USER,
  amount: 500,
  items: { [PRODUCT]: 2 },
  status,
  createdAt: '2026-11-25T12:00:00.000Z',
  updatedAt: '2026-11-25T12:00:00.000Z',
  statusHistory: [{ status, at: '2026-11-25T12:00:00.000Z' }],
});

const place = (flags: Record<string, unknown>) =>
  orderPlaceOptions(invocationFor('order place', { flags: { user: USER, item: [`${PRODUCT}=2`], amount: '500', ...flags } }));

/**
 * An order service whose long-polls `answer` (given the wait asked for and the clock), on a clock that moves only
 * when the service holds a request (`held` ms) or the command sleeps.
 */
function service(answer: (wait: OrderWait | undefined, call: number) => { order: Order; held: number }) {
  const out = recordOutput();
  let clock = 0;
  const waits: (OrderWait | undefined)[] = [];
  const sleeps: number[] = [];
  const api: OrderApi = {
    place: async () => order('CREATED'),
    get: async (_id, wait) => {
      waits.push(wait);
      const { order: now, held } = answer(wait, waits.length);
      clock += held;
      return now;
    },
    list: async () => ({ content: [], totalElements: 0, totalPages: 0, number: 0, size: 20 }),
  };
  const deps: OrderCommandDeps = {
    out,
    orderApi: () => api,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    now: () => clock,
  };
  return { out, deps, waits, sleeps };
}

describe('doms order place --wait[=<duration>]', () => {
  it('follows the order with long-polls that name the status it knows, and sleeps not at all while news comes', async () => {
    const lifecycle: OrderStatus[] = ['CREATED', 'RESERVED', 'CONFIRMED'];
    const { deps, waits, sleeps } = service((_, call) => ({ order: order(lifecycle[call]!), held: 40 }));
    expect(await orderPlace(place({ wait: true }), deps)).toBe(0);
    expect(waits).toEqual([
      { ms: 25_000, status: 'CREATED' },
      { ms: 25_000, status: 'RESERVED' },
    ]);
    expect(sleeps).toEqual([]);
  });

  it('takes the duration from --wait itself, and names --wait when it is not one', async () => {
    expect(place({ wait: '10s' }).waitMs).toBe(10_000);
    expect(place({ wait: true }).waitMs).toBe(30_000);
    expect(place({ wait: true, timeout: '5s' }).waitMs).toBe(5_000);
    expect(place({}).waitMs).toBeNull();
    expect(() => place({ wait: 'soon' })).toThrow(UsageError);
    expect(() => place({ wait: 'soon' })).toThrow(/^invalid --wait: /);
  });

  it('gives up when the duration runs out, with the status it is stuck in (exit 1), asking for no more than is left', async () => {
    const { out, deps, waits } = service((wait) => ({ order: order('RESERVED'), held: wait!.ms }));
    await expect(orderPlace(place({ wait: '40s' }), deps)).rejects.toThrow(new ExitError(1, `order ${ID} still RESERVED after 40s`));
    expect(waits.map((w) => w!.ms)).toEqual([25_000, 15_000]);
    expect(out.lines[0]).toBe(`order ${ID} placed`);
  });

  it('with --json prints the order as last seen when the wait runs out', async () => {
    const { out, deps } = service((wait) => ({ order: order('RESERVED'), held: wait!.ms }));
    await expect(orderPlace(place({ wait: '2s', json: true }), deps)).rejects.toThrow(ExitError);
    expect(out.lines).toHaveLength(1);
    expect(JSON.parse(out.lines[0]!)).toMatchObject({ id: ID, status: 'RESERVED' });
  });

  it('does not spin on a service that answers at once with no news', async () => {
    const { deps, waits, sleeps } = service(() => ({ order: order('CREATED'), held: 0 }));
    await expect(orderPlace(place({ wait: '1s' }), deps)).rejects.toThrow(`order ${ID} still CREATED after 1s`);
    expect(waits).toHaveLength(4);
    expect(sleeps).toEqual([250, 250, 250, 250]);
  });
});

describe('doms order place --wait against the order service (PGlite)', () => {
  let api: ServedOrderApi;

  beforeAll(async () => {
    api = await serveOrderApi();
  }, ORDER_DB_TIMEOUT);
  afterAll(async () => {
    await api?.close();
  });

  it('is answered by the long-poll as soon as the order ends, and prints each status', async () => {
    const store = new SqlOrderStore(api.db);
    const out = recordOutput();
    const client = new OrderClient(api.base);
    let asked = 0;
    const deps: OrderCommandDeps = {
      out,
      orderApi: () => ({
        place: (request) => client.place(request),
        get: async (id, wait) => {
          asked++;
          // The saga, moving on while the command waits: reserved, then confirmed.
          setTimeout(() => void store.advance(id, asked === 1 ? 'RESERVED' : 'CONFIRMED'), 100);
          return client.get(id, wait);
        },
        list: (query) => client.list(query),
      }),
      sleep: () => Promise.reject(new Error('no sleep: the long-poll waits')),
      now: Date.now,
    };
    const started = Date.now();
    const options = place({ wait: '20s' });
    options.request = { userId: randomUUID(), amount: 5, items: { [randomUUID()]: 1 } };
    options.target = api.base;
    expect(await orderPlace(options, deps)).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(asked).toBe(2);
    expect(out.lines.slice(1).map((l) => l.trim().split(/\s+/)[1])).toEqual(['CREATED', 'RESERVED', 'CONFIRMED']);
  });
});
