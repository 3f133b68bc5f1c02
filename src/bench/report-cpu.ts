import { JIT, TOTAL } from './cpu-per-order.ts';
import { timesFloorRow } from './report-floor.ts';
import { int, row, rule, us } from './report-format.ts';
import type { SagaBenchReport, ShapeRun, StepReport } from './report-types.ts';

/**
 * A shape's CPU per completed order by process (with each step against the floor, when there is
 * one) and its peak RSS; or why there are no CPU figures when workers were killed. The CPU % column
 * is of `best`, the highest sustained step (else the last).
 */
export function cpuSections(r: SagaBenchReport, shape: ShapeRun, best: StepReport | undefined): string[] {
  const counted = shape.steps;
  if (counted.length === 0) return [];
  if (r.soak && r.soak.killEveryMs > 0) {
    return [
      '### CPU per order: not measured with kills',
      '',
      "A worker killed mid-step takes its CPU time with it (the bench reaps it as its own child's), so the per-process figures would be wrong; run the soak without --kill-every for them.",
      '',
    ];
  }
  return [...cpuTable(r, counted, best ?? counted[counted.length - 1]!), ...peakRss(counted[counted.length - 1]!)];
}

/** One column per step, and the CPU % of each process at `at`. */
function cpuTable(r: SagaBenchReport, counted: readonly StepReport[], at: StepReport): string[] {
  // Every step's processes, in order: a JIT row shows only in the steps where the JVM compiled.
  const names = [...new Set(counted.flatMap((s) => Object.keys(s.cpu)))].sort((a, b) => Number(a === TOTAL) - Number(b === TOTAL));
  const out: string[] = [];
  out.push('### CPU per completed order, µs, by process', '');
  out.push(row(['process', ...counted.map((s) => `${int(s.offered)}/s`), `CPU % at ${int(at.offered)}/s`]), rule(counted.length + 2));
  for (const name of names) {
    const cell = (s: StepReport) => (s.cpu[name] ? us(s.cpu[name]!.usPerOrder) : '–');
    const label = name === TOTAL ? '**total**' : name.endsWith(JIT) ? `↳ of which ${name.slice(0, -JIT.length)} JIT compiling` : name;
    out.push(row([label, ...counted.map((s) => (name === TOTAL ? `**${cell(s)}**` : cell(s))), `${at.cpu[name]?.percent ?? '–'}`]));
  }
  if (r.floor) out.push(timesFloorRow(counted));
  out.push(
    '',
    'CPU % is of one core (the machine has ' +
      r.run.machine.cores +
      '). Broker, Redis and PostgreSQL figures are whole processes (PostgreSQL: all its processes), so they include anything else those servers did meanwhile. ' +
      "A JIT row is the JVM's compiler threads, part of the figure above it and not added again: " +
      'a freshly started broker compiles for minutes on a slow core, which is warm-up, not the cost of requests.',
    '',
  );
  return out;
}

/** Each process's peak RSS during the last step. */
function peakRss(last: StepReport): string[] {
  return [
    '### Peak RSS, MiB',
    '',
    row(['process', ...Object.keys(last.peakRssMiB)]),
    rule(Object.keys(last.peakRssMiB).length + 1),
    row(['peak', ...Object.values(last.peakRssMiB).map(int)]),
    '',
  ];
}
