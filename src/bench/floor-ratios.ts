import { JIT, TOTAL, type CpuCost } from './cpu-per-order.ts';
import { STACK_SERVERS } from './processes.ts';

/** The floor's own process in its CPU figures (src/bench/floor.ts): HTTP client and server, pg, kafkajs, ioredis. */
export const FLOOR_PROCESS = 'floor process';

/** What the floor cost per order, and what that means for this machine. */
export interface FloorReport {
  /** Orders counted, after `warmupOrders` uncounted ones. */
  orders: number;
  warmupOrders: number;
  batch: number;
  wallSeconds: number;
  /** CPU per counted order: the floor process, each server, and the total. */
  cpu: Record<string, CpuCost>;
  /** Orders/s: the machine's cores ÷ the floor's total CPU per order, the most this stack could carry here. */
  rate: number;
}

/** Orders per second that `cores` cores carry at `usPerOrder` µs of CPU each; 0 for no figure. */
export function floorRate(cores: number, usPerOrder: number): number {
  return usPerOrder > 0 ? Math.round((cores * 1e6) / usPerOrder) : 0;
}

const ratio = (doms: number, floor: number): number | undefined => (floor > 0 && doms > 0 ? Math.round((doms / floor) * 10) / 10 : undefined);

/** doms's total CPU per order ÷ the floor's, to one decimal; undefined without both figures. */
export function timesFloor(doms: Record<string, CpuCost>, floor: Record<string, CpuCost>): number | undefined {
  return ratio(doms[TOTAL]?.usPerOrder ?? 0, floor[TOTAL]?.usPerOrder ?? 0);
}

/** An offered rate (0: none sustained) as a share of the floor's rate, to three decimals; undefined without a floor rate. */
export function shareOfFloorRate(rate: number, floorRate: number): number | undefined {
  return floorRate > 0 ? Math.round((rate / floorRate) * 1000) / 1000 : undefined;
}

export interface FloorComparison {
  part: string;
  /** µs per order. */
  doms: number;
  floor: number;
  times?: number;
}

/** The Node processes: doms's workers and load generator, against the floor's one process. */
export const NODE_PART = 'Node processes';

/**
 * Where doms spends more than the floor: its Node processes together against the floor's process,
 * each server against itself, and the total. JIT rows are already inside their process's figure.
 */
export function compareWithFloor(doms: Record<string, CpuCost>, floor: Record<string, CpuCost>): FloorComparison[] {
  const servers = Object.keys(STACK_SERVERS);
  const node = (cpu: Record<string, CpuCost>) =>
    Object.entries(cpu)
      .filter(([name]) => name !== TOTAL && !name.endsWith(JIT) && !servers.includes(name))
      .reduce((sum, [, c]) => sum + c.usPerOrder, 0);
  const line = (part: string, d: number, f: number): FloorComparison => ({ part, doms: round(d), floor: round(f), times: ratio(d, f) });
  return [
    line(NODE_PART, node(doms), node(floor)),
    ...servers.map((s) => line(s, doms[s]?.usPerOrder ?? 0, floor[s]?.usPerOrder ?? 0)),
    line(TOTAL, doms[TOTAL]?.usPerOrder ?? 0, floor[TOTAL]?.usPerOrder ?? 0),
  ];
}

const round = (n: number) => Math.round(n * 10) / 10;
