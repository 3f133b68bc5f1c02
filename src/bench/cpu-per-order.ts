import type { PidTimes, ProcessUsage } from './processes.ts';

export interface CpuCost {
  /** CPU time the process used during the step ÷ orders completed in the step, µs. */
  usPerOrder: number;
  /** Of one core, over the step's wall time. */
  percent: number;
}

export const TOTAL = 'total';
/** The bench's own process, which offers the load: not part of the saga's cost. */
export const LOAD_GENERATOR = 'load generator';
/** Suffix of the pseudo-process that shows a JVM's JIT compiling, already counted in its process. */
export const JIT = ': JIT compiling';

/**
 * CPU seconds a group of processes used between two samples, when processes come and go (PostgreSQL
 * backends): a process in both counts its growth; one that started counts all it used; one that
 * ended counts through its parent, whose reaped-children time grows by the child's whole lifetime,
 * so what the child had used before the first sample is taken off again.
 */
export function cpuSecondsBetween(before: ReadonlyMap<number, PidTimes>, after: ReadonlyMap<number, PidTimes>): number {
  let seconds = 0;
  for (const [pid, a] of after) {
    const b = before.get(pid);
    seconds += a.self - (b?.self ?? 0) + (a.children - (b?.children ?? 0));
  }
  for (const [pid, b] of before) if (!after.has(pid)) seconds -= b.self;
  return Math.max(0, seconds);
}

/** JIT compiler CPU seconds between two samples, of processes in both. */
export function jitSecondsBetween(before: ReadonlyMap<number, PidTimes>, after: ReadonlyMap<number, PidTimes>): number {
  let seconds = 0;
  for (const [pid, a] of after) {
    const b = before.get(pid);
    if (b) seconds += a.jit - b.jit;
  }
  return Math.max(0, seconds);
}

/**
 * CPU per completed order for each process and for all of them together: the figure that says
 * where the saga's cost goes, comparable across rates (CPU % alone grows with the rate).
 */
export function cpuPerOrder(
  before: Record<string, ProcessUsage>,
  after: Record<string, ProcessUsage>,
  orders: number,
  wallSeconds: number,
): Record<string, CpuCost> {
  const out: Record<string, CpuCost> = {};
  let total = 0;
  for (const name of Object.keys(after)) {
    const seconds = cpuSecondsBetween(before[name]?.cpu ?? new Map(), after[name]!.cpu);
    total += seconds;
    out[name] = cost(seconds, orders, wallSeconds);
    // Not added to the total: the process's own figure already holds it.
    const jit = jitSecondsBetween(before[name]?.cpu ?? new Map(), after[name]!.cpu);
    if (jit > 0) out[`${name}${JIT}`] = cost(jit, orders, wallSeconds);
  }
  out[TOTAL] = cost(total, orders, wallSeconds);
  return out;
}

function cost(cpuSeconds: number, orders: number, wallSeconds: number): CpuCost {
  return {
    usPerOrder: orders > 0 ? Math.round((cpuSeconds / orders) * 1e6 * 10) / 10 : 0,
    percent: wallSeconds > 0 ? Math.round((cpuSeconds / wallSeconds) * 1000) / 10 : 0,
  };
}
