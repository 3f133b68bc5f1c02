import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Db } from '../../src/infra/db.ts';
import { LATENCY_WINDOW_S, readOrderStats, STATS_LOOKBACK_S, type OrderStats } from '../../src/services/order/order-stats.ts';
import type { OrderStatus } from '../../src/services/order/status.ts';

/** An order row as the saga leaves it: created at `created` (Unix ms), in `status` since `ended` (or since creation). */
export async function insertOrder(db: Pick<Db, 'query'>, created: number, status: OrderStatus, ended = created): Promise<void> {
  await db.query('INSERT INTO orders (id, user_id, amount, status, created_at, updated_at) VALUES ($1, $2, 1, $3, $4, $5)', [
    randomUUID(),
    randomUUID(),
    status,
    new Date(created).toISOString(),
    new Date(ended).toISOString(),
  ]);
}

/**
 * A small saga's worth of orders around a fixed `now` (a whole second plus 400 ms), and what the stats over the last
 * 10 s must say of it. The same on PGlite (test/unit) and on PostgreSQL (test/integration).
 */
export async function fillAndCheck(db: Pick<Db, 'query'>, now: number): Promise<OrderStats> {
  const to = Math.floor(now / 1000) * 1000;
  // Second -3 (3 s before `to`): two created; one confirmed 100 ms later, one rejected 20 ms later.
  await insertOrder(db, to - 3000, 'CONFIRMED', to - 2900);
  await insertOrder(db, to - 2990, 'REJECTED', to - 2970);
  // Second -2: one cancelled 1.5 s later (so it ends in second -1), one still RESERVED.
  await insertOrder(db, to - 2000, 'CANCELLED', to - 500);
  await insertOrder(db, to - 1800, 'RESERVED', to - 1700);
  // Created before the window, ended inside it (second -9): counted where it ended, not where it began.
  await insertOrder(db, to - 10_000 - 5000, 'CONFIRMED', to - 9000);
  // Created before the lookback: out of sight altogether.
  await insertOrder(db, to - 10_000 - STATS_LOOKBACK_S * 1000 - 1000, 'CONFIRMED', to - 8000);
  // In the current, unfinished second: left for the next read.
  await insertOrder(db, to + 100, 'CONFIRMED', to + 200);

  const stats = await readOrderStats(db, 10, now);
  expect(stats.to).toBe(new Date(to).toISOString());
  expect(stats.windowSeconds).toBe(10);
  expect(stats.seconds).toHaveLength(10);
  expect(stats.seconds.map((s) => s.t)).toEqual(Array.from({ length: 10 }, (_, i) => to / 1000 - 10 + i));
  const second = (ago: number) => stats.seconds[10 - ago]!;
  expect(second(3)).toEqual({ t: to / 1000 - 3, created: 2, confirmed: 1, rejected: 1, cancelled: 0, p50: 60, p99: 99.2 });
  expect(second(2)).toMatchObject({ created: 2, confirmed: 0, rejected: 0, cancelled: 0, p50: null, p99: null });
  expect(second(1)).toEqual({ t: to / 1000 - 1, created: 0, confirmed: 0, rejected: 0, cancelled: 1, p50: 1500, p99: 1500 });
  expect(second(9)).toMatchObject({ created: 0, confirmed: 1, p50: 6000 });
  expect(stats.totals).toEqual({ created: 4, confirmed: 2, rejected: 1, cancelled: 1 });
  expect(stats.inFlight).toBe(1);
  // The last 5 s: the two of second -3 and the one of second -1.
  expect(stats.latency).toEqual({ seconds: LATENCY_WINDOW_S, count: 3, p50: 100, p99: 1472 });
  return stats;
}
