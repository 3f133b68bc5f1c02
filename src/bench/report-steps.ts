import { basename } from 'node:path';
import { cpuSections } from './report-cpu.ts';
import { cpuByRateSection } from './report-cpu-by-rate.ts';
import { int, ms, row, rule, span } from './report-format.ts';
import type { SagaBenchReport, ShapeRun, StepReport } from './report-types.ts';

/** The highest offered rate sustained, counting steps in order and stopping at the first that was not. */
export function highestSustained(steps: readonly StepReport[]): StepReport | undefined {
  let best: StepReport | undefined;
  for (const s of steps) {
    if (!s.sustained) break;
    best = s;
  }
  return best;
}

/** A shape's steps table, its CPU per order by process, its peak RSS and (the steps, not the soak) its CPU by rate. */
export function stepSections(r: SagaBenchReport, shape: ShapeRun): string[] {
  return [
    ...stepsTable(r, shape),
    ...cpuSections(r, shape, highestSustained(shape.steps)),
    ...(r.mode === 'steps' ? cpuByRateSection(shape, r.run.machine.cores, r.stepMs) : []),
  ];
}

/** One row per step (the warm-up first, marked), then links to each counted step's HTML report. */
function stepsTable(r: SagaBenchReport, shape: ShapeRun): string[] {
  const steps = [...(shape.warmup ? [shape.warmup] : []), ...shape.steps];
  if (steps.length === 0) return [];
  const out: string[] = [];
  const warm = shape.warmup ? `, after an uncounted ${span(shape.warmup.durationMs)} warm-up` : '';
  out.push(r.mode === 'soak' ? `### Soak step (${span(r.stepMs)}${warm})` : `### Steps (${span(r.stepMs)} each${warm})`, '');
  out.push(
    row([
      'offered/s',
      'achieved/s',
      'saga p50 ms',
      'p90',
      'p99',
      'p99.9',
      'max',
      'HTTP p99 ms',
      'late sends (> 10 ms)',
      'errors + timeouts',
      'verify',
      'sustained',
    ]),
    rule(12),
  );
  for (const s of steps) {
    const c = s.counts;
    out.push(
      row([
        s.kind === 'warm-up' ? `${int(s.offered)} (warm-up)` : int(s.offered),
        int(s.achieved),
        ms(s.sagaMs.p50),
        ms(s.sagaMs.p90),
        ms(s.sagaMs.p99),
        ms(s.sagaMs['p99.9']),
        ms(s.sagaMs.max),
        ms(s.httpMs.p99),
        int(c.late),
        int(c.httpErrors + c.timeouts),
        verifyCell(s),
        sustainedCell(s),
      ]),
    );
  }
  out.push('');
  const pages = shape.steps.filter((s) => s.reportFile);
  if (pages.length > 0)
    out.push(
      `Charts over time of each step (open offline): ${pages.map((s) => `[${s.kind === 'soak' ? 'soak' : `${int(s.offered)}/s`}](${basename(s.reportFile!)})`).join(', ')}.`,
      '',
    );
  return out;
}

function verifyCell(s: StepReport): string {
  if (s.kind === 'warm-up') return '–';
  if (!s.verify) return 'not run';
  return s.verify.ok ? 'pass' : `**fail**: ${s.verify.summary}`;
}

/** Why a step was not sustained; a failed verify is already in its own column. */
function sustainedCell(s: StepReport): string {
  if (s.kind === 'warm-up') return 'warm-up';
  if (s.kind === 'soak') return 'judged as a soak, below';
  if (s.sustained) return 'yes';
  return `**no**: ${s.reasons.filter((x) => !x.startsWith('verify failed')).join('; ') || 'verify'}`;
}
