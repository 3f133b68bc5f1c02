import { describe, expect, it } from 'vitest';
import { invocationFor } from '../../helpers/invocation.ts';
import type { OrderCommandDeps } from '../../../src/commands/order-api.ts';
import { orderGet, orderGetOptions } from '../../../src/commands/order-get.ts';
import { orderPlace, orderPlaceOptions } from '../../../src/commands/order-place.ts';
import { orders, ordersOptions } from '../../../src/commands/orders.ts';
import { ExitError, UsageError } from '../../../src/errors.ts';
import { ApiError, type OrderApi } from '../../../src/wiring/order-client.ts';
import type { Order } from '../../../src/services/order/order-store.ts';
import type { OrderStatus } from '../../../src/services/order/status.ts';
import { recordOutput } from '../../helpers/output.ts';

const USER = '11111111-1111-1111-1111-111111111111';
const PRODUCT = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa';
const ID = '5b0f0000-0000-4000-8000-000000000001';

function order(statuses: OrderStatus[]): Order {
  const at = (i: number) => new Date(Date.UTC(2026, 10, 25, 12, 0, 0, i * 50)).toISOString();
  return {
    id: ID,
    userId: USER,
    amount: 500,
    items: { [PRODUCT]: 2 },
    status: statuses[statuses.length - 1]!,
    createdAt: at(0),
    updatedAt: at(statuses.length - 1),
    statusHistory: statuses.map((status, i) => ({ status, at: at(i) })),
  };
}

/** An order API whose order advances one status per GET, and deps whose clock moves with each sleep. */
function fakes(lifecycle: OrderStatus[], api: Partial<OrderApi> = {}) {
  const out = recordOutput();
  let step = 1;
  let clock = 0;
  const placed: unknown[] = [];
  const deps: OrderCommandDeps = {
    out,
    orderApi: () => ({
      place: async (request) => {
        placed.push(request);
        return order(lifecycle.slice(0, 1));
      },
      get: async () => order(lifecycle.slice(0, Math.min(++step, lifecycle.length))),
      list: async () => ({ content: [order(lifecycle)], totalElements: 1, totalPages: 1, number: 0, size: 20 }),
      ...api,
    }),
    sleep: async (ms) => void (clock += ms),
    now: () => clock,
  };
  return { out, deps, placed };
}

const place = (flags: Record<string, unknown>) =>
  orderPlaceOptions(invocationFor('order place', { flags: { user: USER, item: [`${PRODUCT}=2`], amount: '500', ...flags } }));

describe('doms order place', () => {
  it('prints only the new id, so scripts can capture it', async () => {
    const { out, deps, placed } = fakes(['CREATED']);
    expect(await orderPlace(place({}), deps)).toBe(0);
    expect(out.lines).toEqual([ID]);
    expect(placed).toEqual([{ userId: USER, amount: 500, items: { [PRODUCT]: 2 } }]);
  });

  it('adds up repeated --item flags of one product', () => {
    expect(place({ item: [`${PRODUCT}=2`, `${PRODUCT}=3`] }).request.items).toEqual({ [PRODUCT]: 5 });
  });

  it.each([
    [{ user: 'bob' }, /^invalid --user: /],
    [{ amount: 'ten' }, /^invalid --amount: /],
    [{ item: ['nonsense'] }, "invalid --item 'nonsense': expected <productId>=<quantity>"],
    [{ item: [`${PRODUCT}=x`] }, `invalid --item '${PRODUCT}=x': quantity must be a number`],
    [{ timeout: 'soon' }, /^invalid --timeout: /],
  ])('names the flag at fault: %o', (flags, message) => {
    expect(() => place(flags)).toThrow(UsageError);
    expect(() => place(flags)).toThrow(message);
  });

  it('with --wait follows the order to CONFIRMED, printing each status once, and exits 0', async () => {
    const { out, deps } = fakes(['CREATED', 'RESERVED', 'CONFIRMED']);
    expect(await orderPlace(place({ wait: true }), deps)).toBe(0);
    expect(out.lines[0]).toBe(`order ${ID} placed`);
    expect(out.lines.slice(1).map((l) => l.trim().split(/\s+/)[1])).toEqual(['CREATED', 'RESERVED', 'CONFIRMED']);
    expect(out.lines[3]).toContain('+100ms');
  });

  it('with --wait exits 1 when the order ends other than CONFIRMED', async () => {
    const { deps } = fakes(['CREATED', 'RESERVED', 'CANCELLED']);
    expect(await orderPlace(place({ wait: true }), deps)).toBe(1);
  });

  it('with --wait --json prints only the final order', async () => {
    const { out, deps } = fakes(['CREATED', 'REJECTED']);
    expect(await orderPlace(place({ wait: true, json: true }), deps)).toBe(1);
    expect(out.lines).toHaveLength(1);
    expect(JSON.parse(out.lines[0]!).status).toBe('REJECTED');
  });

  it('gives up after --timeout with the status it is stuck in', async () => {
    const { deps } = fakes(['CREATED'], { get: async () => order(['CREATED', 'RESERVED']) });
    await expect(orderPlace(place({ wait: true, timeout: '1s' }), deps)).rejects.toThrow(new ExitError(1, `order ${ID} still RESERVED after 1s`));
  });

  it("turns the service's 400 into a usage error (exit 2)", async () => {
    const { deps } = fakes(['CREATED'], {
      place: async () => {
        throw new ApiError(400, { message: 'items: unknown product', field: 'items' });
      },
    });
    await expect(orderPlace(place({}), deps)).rejects.toThrow(new UsageError('rejected by the order service: items: unknown product'));
  });
});

describe('doms order get', () => {
  it('refuses an id that is not a UUID before calling the service', () => {
    expect(() => orderGetOptions(invocationFor('order get', { args: ['42'] }))).toThrow("invalid order id '42': must be a UUID");
  });

  it('shows the order and its history', async () => {
    const { out, deps } = fakes(['CREATED', 'RESERVED', 'CONFIRMED']);
    deps.orderApi = () => ({ ...fakes([]).deps.orderApi(''), get: async () => order(['CREATED', 'RESERVED', 'CONFIRMED']) });
    expect(await orderGet(orderGetOptions(invocationFor('order get', { args: [ID] })), deps)).toBe(0);
    expect(out.stdout).toContain(`order    ${ID}`);
    for (const s of ['CREATED', 'RESERVED', 'CONFIRMED']) expect(out.stdout).toContain(s);
  });

  it('exits 1 with the message for an unknown order', async () => {
    const { deps } = fakes([], {
      get: async () => {
        throw new ApiError(404, { message: `order ${ID} not found` });
      },
    });
    await expect(orderGet(orderGetOptions(invocationFor('order get', { args: [ID] })), deps)).rejects.toThrow(new ExitError(1, `order ${ID} not found`));
  });
});

describe('doms orders', () => {
  it('names --user, not the API field, when the user id is wrong', () => {
    expect(() => ordersOptions(invocationFor('orders', { flags: { user: 'bob' } }))).toThrow(/^invalid --user: /);
  });

  it('accepts a status in any case', () => {
    expect(ordersOptions(invocationFor('orders', { flags: { status: 'cancelled' } })).query.status).toBe('CANCELLED');
  });

  it('prints a table and the page line', async () => {
    const { out, deps } = fakes(['CREATED', 'RESERVED']);
    expect(await orders(ordersOptions(invocationFor('orders')), deps)).toBe(0);
    expect(out.stdout).toContain(ID);
    expect(out.lines.at(-1)).toBe('page 1 of 1 · 1 orders');
  });

  it('says so when there are no orders', async () => {
    const { out, deps } = fakes([], { list: async () => ({ content: [], totalElements: 0, totalPages: 0, number: 0, size: 20 }) });
    await orders(ordersOptions(invocationFor('orders')), deps);
    expect(out.lines).toEqual(['no orders']);
  });
});
