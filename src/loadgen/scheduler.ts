import type { Clock } from './clock.ts';
import { dueBy, intendedAt, totalOrders, type SchedulePlan } from './schedule.ts';

/** A send that starts later than this after its intended time counts as late. */
export const LATE_AFTER_MS = 10;
const TICK_MS = 2;

export interface SchedulerStats {
  /** Orders whose send was started. */
  started: number;
  /** Orders not sent because --max-in-flight was reached (open model: they are not retried later). */
  dropped: number;
  /** Sends that started more than LATE_AFTER_MS after their intended time. */
  late: number;
  maxLatenessMs: number;
}

export interface SchedulerOptions {
  plan: SchedulePlan;
  clock: Clock;
  /** Starts sending order `index`; must not wait for the answer. */
  send(index: number, intendedAtMs: number): void;
  inFlight(): number;
  maxInFlight: number;
  signal?: AbortSignal;
}

/**
 * Fires every order at its intended time (catching up at once when behind), never waiting for
 * answers: the offered load does not bend to the system's speed.
 */
export async function runSchedule(options: SchedulerOptions): Promise<SchedulerStats> {
  const { plan, clock } = options;
  const total = totalOrders(plan);
  const stats: SchedulerStats = { started: 0, dropped: 0, late: 0, maxLatenessMs: 0 };
  const start = clock.now();
  let next = 0;
  while (next < total && !options.signal?.aborted) {
    const elapsed = clock.now() - start;
    const due = Math.min(dueBy(plan, elapsed), total);
    for (; next < due; next++) {
      const intended = intendedAt(plan, next);
      const lateness = elapsed - intended;
      if (lateness > LATE_AFTER_MS) stats.late++;
      stats.maxLatenessMs = Math.max(stats.maxLatenessMs, lateness);
      if (options.inFlight() >= options.maxInFlight) {
        stats.dropped++;
        continue;
      }
      stats.started++;
      options.send(next, start + intended);
    }
    if (next < total) await clock.sleep(Math.max(0, Math.min(TICK_MS, start + intendedAt(plan, next) - clock.now())));
  }
  return stats;
}
