/**
 * The open-model schedule: when each order is meant to be sent, whatever the system does. The rate
 * climbs linearly from 0 during the ramp-up, then holds. Latency is measured from these intended
 * times, so a stalled system shows up as latency instead of silently slowing the load (no
 * coordinated omission).
 */
export interface SchedulePlan {
  /** Target orders per second once ramped up. */
  rate: number;
  durationMs: number;
  rampUpMs: number;
}

/** How many orders are due by `elapsedMs` after the start. */
export function dueBy(plan: SchedulePlan, elapsedMs: number): number {
  const t = Math.min(Math.max(elapsedMs, 0), plan.durationMs) / 1000;
  const ramp = plan.rampUpMs / 1000;
  const due = ramp > 0 && t < ramp ? (plan.rate * t * t) / (2 * ramp) : plan.rate * (t - ramp / 2);
  return Math.floor(due + 1e-9);
}

/** Total orders in the whole run. */
export function totalOrders(plan: SchedulePlan): number {
  return dueBy(plan, plan.durationMs);
}

/** When order `i` (from 0) is meant to be sent, in ms after the start: the moment it becomes due. */
export function intendedAt(plan: SchedulePlan, i: number): number {
  const n = i + 1;
  const ramp = plan.rampUpMs / 1000;
  const rampOrders = (plan.rate * ramp) / 2;
  const seconds = ramp > 0 && n < rampOrders ? Math.sqrt((2 * ramp * n) / plan.rate) : ramp / 2 + n / plan.rate;
  return seconds * 1000;
}
