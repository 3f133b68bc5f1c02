import { describe, expect, it } from 'vitest';
import { invocationFor } from '../../helpers/invocation.ts';
import { smoke, smokeOptions, type SmokeDeps } from '../../../src/commands/smoke.ts';
import { UnreachableError, UsageError } from '../../../src/errors.ts';
import type { LoadConfig, LoadInfra } from '../../../src/loadgen/run-load.ts';
import type { Order } from '../../../src/services/order/order-store.ts';
import type { OrderStatus } from '../../../src/services/order/status.ts';
import { resultOf, type Outcomes } from '../../helpers/load-results.ts';
import { recordOutput } from '../../helpers/output.ts';
import { sagaSnapshot } from '../../helpers/snapshots.ts';

const options = (flags: Record<string, unknown> = {}) => smokeOptions(invocationFor('smoke', { flags: flags }));

function order(id: string, status: OrderStatus): Order {
  return { id, status } as Order;
}

function fakes({
  outcomes = { confirmed: 30, rejected: 5, cancelled: 5 } as Outcomes,
  /** Statuses the order for the product without stock shows: on placing, then on each look. */
  statuses = ['CREATED', 'RESERVED', 'REJECTED'] as OrderStatus[],
  state = sagaSnapshot(),
  place = undefined as (() => Promise<Order>) | undefined,
} = {}) {
  const out = recordOutput();
  let time = 0;
  let config: LoadConfig | undefined;
  const seeded: Record<string, number>[] = [];
  const placed: unknown[] = [];
  const closed = { inspection: false, infra: false };
  const infra: LoadInfra = {
    seed: async () => {},
    followOutcomes: async () => async () => {},
    lag: async () => [],
    close: async () => void (closed.infra = true),
  };
  const looks = [...statuses];
  const next = () => (looks.length > 1 ? looks.shift()! : looks[0]!);
  const deps: SmokeDeps = {
    out,
    inspect: async () => ({
      seedStock: async (levels) => void seeded.push(levels),
      snapshot: async () => state,
      close: async () => void (closed.inspection = true),
    }),
    loadInfra: async () => infra,
    runLoad: async (c, hooks) => {
      config = c;
      expect(hooks.infra).toBe(infra);
      return resultOf(c, outcomes);
    },
    orders: () => ({
      place: async (request) => {
        placed.push(request);
        if (place) return place();
        return order('empty-order', next());
      },
      get: async (id) => order(id, next()),
    }),
    clock: { now: () => time, sleep: async (ms) => void (time += ms) },
  };
  return { out, deps, config: () => config, seeded, placed, closed, elapsed: () => time };
}

describe('doms smoke: flags', () => {
  it('takes the command table defaults: 40 orders at 20/s, 30s for each to end', () => {
    expect(options()).toMatchObject({ orders: 40, rate: 20, timeoutMs: 30_000, settings: { target: 'http://localhost:8081', topicPrefix: '' } });
  });

  it('names the flag of a bad value', () => {
    expect(() => options({ orders: '0' })).toThrow(new UsageError('invalid --orders: 0 is below the minimum 1'));
    expect(() => options({ rate: '1001' })).toThrow(new UsageError('invalid --rate: 1001 is above the maximum 1000'));
    expect(() => options({ timeout: 'soon' })).toThrow(UsageError);
    expect(() => options({ timeout: 'soon' })).toThrow(/^invalid --timeout: /);
  });
});

describe('doms smoke', () => {
  it('passes when every order ended, the stockless one was rejected, and every invariant holds', async () => {
    const f = fakes();
    expect(await smoke(options({ orders: '40', rate: '20' }), f.deps)).toBe(0);
    expect(f.config()).toMatchObject({ rate: 20, durationMs: 2000, timeoutMs: 30_000, target: 'http://localhost:8081' });
    expect(f.out.lines.at(-1)).toBe('✓ smoke test passed: 41 orders ended (30 confirmed, 6 rejected, 5 cancelled); all invariants hold');
    expect(f.out.stdout).toContain('saga (send → outcome)');
    expect(f.out.notes).toEqual([]);
    // The rejected order is for a product seeded with no stock at all.
    const [levels] = f.seeded;
    const [product] = Object.keys(levels!);
    expect(levels).toEqual({ [product!]: 0 });
    expect(f.placed).toEqual([expect.objectContaining({ amount: 1, items: { [product!]: 1 } })]);
    expect(f.closed).toEqual({ inspection: true, infra: true });
  });

  it('sends for at least a second, however few the orders', async () => {
    const f = fakes();
    await smoke(options({ orders: '3', rate: '100' }), f.deps);
    expect(f.config()!.durationMs).toBe(1000);
  });

  it('returns 1 and lists the problem when orders did not end', async () => {
    const f = fakes({ outcomes: { confirmed: 30, httpErrors: 1, timeouts: 2, inFlight: 3 } });
    expect(await smoke(options(), f.deps)).toBe(1);
    expect(f.out.lines.filter((l) => l.startsWith('✗'))).toEqual(['✗ 1 HTTP errors, 2 timeouts, 3 unfinished of 36 orders']);
    expect(f.out.notes).toEqual(['doms: smoke test failed: 1 problem']);
    expect(f.closed).toEqual({ inspection: true, infra: true });
  });

  it('returns 1 when the order for a product without stock does not end REJECTED within --timeout', async () => {
    const f = fakes({ statuses: ['CREATED'] });
    expect(await smoke(options({ timeout: '2s' }), f.deps)).toBe(1);
    expect(f.elapsed()).toBe(2000);
    expect(f.out.lines.filter((l) => l.startsWith('✗'))).toEqual(['✗ an order for a product without stock ended CREATED, not REJECTED']);
    expect(f.out.notes).toEqual(['doms: smoke test failed: 1 problem']);
  });

  it('returns 1 and lists every problem when an invariant fails and no order was confirmed', async () => {
    const f = fakes({ outcomes: { rejected: 10 }, statuses: ['CANCELLED'], state: sagaSnapshot({ stuck: true }) });
    expect(await smoke(options(), f.deps)).toBe(1);
    expect(f.out.lines.filter((l) => l.startsWith('✗'))).toEqual([
      '✗ no order was confirmed',
      '✗ an order for a product without stock ended CANCELLED, not REJECTED',
      '✗ I1 s: still CREATED 600s after it was created',
    ]);
    expect(f.out.notes).toEqual(['doms: smoke test failed: 3 problems']);
    expect(f.out.stdout).not.toContain('passed');
  });

  it('lets an unreachable order service end it with its one-line error, and closes its connections', async () => {
    const down = new UnreachableError('the order service at http://localhost:8081', 'DOMS_TARGET / --target', 'connect ECONNREFUSED 127.0.0.1:8081');
    const f = fakes({ place: () => Promise.reject(down) });
    await expect(smoke(options(), f.deps)).rejects.toBe(down);
    expect(f.closed).toEqual({ inspection: true, infra: true });
  });
});
