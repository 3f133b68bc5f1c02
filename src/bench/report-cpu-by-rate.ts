import { JIT, LOAD_GENERATOR, TOTAL, type CpuCost } from './cpu-per-order.ts';
import { int, ms, row, rule, span, us } from './report-format.ts';
import type { ShapeRun } from './report-types.ts';

/** One column of the CPU-by-rate table: a measurement before the steps (--cpu-rates), or a step of the ladder. */
export interface CpuByRateColumn {
  rate: number;
  /** `measured`: not judged; a step: whether it was sustained. */
  kind: 'measured' | 'sustained' | 'not sustained';
  cpu: Record<string, CpuCost>;
  /** Absent at 0/s. */
  sagaMs?: { p50: number; p99: number };
}

/** The shape's measurements at idle and low rates, then every step with CPU figures, in the order they ran. */
export function cpuByRateColumns(shape: Pick<ShapeRun, 'cpuByRate' | 'steps'>): CpuByRateColumn[] {
  return [
    ...(shape.cpuByRate ?? []).map((m): CpuByRateColumn => ({ rate: m.rate, kind: 'measured', cpu: m.cpu, sagaMs: m.sagaMs })),
    ...shape.steps
      .filter((s) => s.kind === 'step' && s.cpu[TOTAL])
      .map((s): CpuByRateColumn => ({
        rate: s.offered,
        kind: s.sustained ? 'sustained' : 'not sustained',
        cpu: s.cpu,
        sagaMs: { p50: s.sagaMs.p50, p99: s.sagaMs.p99 },
      })),
  ];
}

/** The processes that are the saga's: everything measured but the load generator, the total and the JIT rows (already in their process). */
const isSaga = (name: string) => name !== TOTAL && name !== LOAD_GENERATOR && !name.endsWith(JIT);

/** % of one core of the saga's processes together (workers, broker, Redis, PostgreSQL): the load generator not counted. */
export function sagaPercent(cpu: Record<string, CpuCost>): number {
  return round1(Object.entries(cpu).reduce((sum, [name, c]) => sum + (isSaga(name) ? c.percent : 0), 0));
}

/** CPU µs per completed order of the saga's processes together; undefined at 0/s. */
export function sagaUsPerOrder(column: CpuByRateColumn): number | undefined {
  if (column.rate === 0 || !column.cpu[TOTAL]?.usPerOrder) return undefined;
  return round1(Object.entries(column.cpu).reduce((sum, [name, c]) => sum + (isSaga(name) ? c.usPerOrder : 0), 0));
}

/**
 * The CPU-by-rate table of one shape: the % of one core each process used at idle, at the low
 * rates measured before the steps and at every step, the saga's total (the load generator apart),
 * its CPU per order and its latency: does the CPU grow with the load, and where does the machine fill?
 */
export function cpuByRateSection(shape: Pick<ShapeRun, 'cpuByRate' | 'steps'>, cores: number, stepMs: number): string[] {
  const columns = cpuByRateColumns(shape);
  if (columns.length === 0) return [];
  // Every column's processes in order of appearance, each JIT row under its process; the totals have rows of their own below.
  const all = [...new Set(columns.flatMap((c) => Object.keys(c.cpu)))].filter((n) => n !== TOTAL);
  const names = all.filter((n) => !n.endsWith(JIT)).flatMap((n) => [n, ...all.filter((j) => j === `${n}${JIT}`)]);
  const out: string[] = ['### CPU by rate, % of one core', ''];
  out.push(row(['orders/s', ...columns.map((c) => int(c.rate))]), rule(columns.length + 1));
  for (const name of names) {
    const label = name.endsWith(JIT) ? `↳ of which ${name.slice(0, -JIT.length)} JIT compiling` : name;
    out.push(row([label, ...columns.map((c) => (c.cpu[name] ? pct(c.cpu[name]!.percent) : '–'))]));
  }
  out.push(
    row(['**the saga** (all but the load generator)', ...columns.map((c) => `**${pct(sagaPercent(c.cpu))}**`)]),
    row(['all processes', ...columns.map((c) => pct(c.cpu[TOTAL]?.percent ?? 0))]),
    row(['the saga: CPU per order, µs', ...columns.map((c) => optional(sagaUsPerOrder(c), us))]),
    row(['all processes: CPU per order, µs', ...columns.map((c) => (c.rate === 0 ? '–' : optional(c.cpu[TOTAL]?.usPerOrder || undefined, us)))]),
    row(['saga p50 / p99, ms', ...columns.map((c) => (c.sagaMs ? `${ms(c.sagaMs.p50)} / ${ms(c.sagaMs.p99)}` : '–'))]),
    row(['step', ...columns.map((c) => (c.kind === 'measured' ? 'measured' : c.kind === 'sustained' ? 'sustained' : '**not sustained**'))]),
  );
  const measured = columns.filter((c) => c.kind === 'measured');
  const first = shape.cpuByRate?.[0];
  out.push(
    '',
    `% of one core (the machine has ${cores}) over each column's measurement` +
      (measured.length > 0 && first
        ? `: ${measured.map((c) => `${int(c.rate)}/s`).join(', ')} measured before the steps, ${span(first.durationMs)} each (not judged; at 0/s nothing is sent)` +
          `, then the steps (${span(stepMs)} each)`
        : '') +
      '. The saga is every process but the load generator: the workers, the broker, Redis and PostgreSQL (whole servers, so anything else they did meanwhile counts too). ' +
      'A flat top as the rate grows is a full machine (fuller batches as the CPU runs out), not idle spinning.',
    '',
  );
  return out;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
/** A share of a core: one decimal below 100 %. */
const pct = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const optional = (n: number | undefined, format: (n: number) => string) => (n === undefined ? '–' : format(n));
