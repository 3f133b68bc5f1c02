import { TOTAL } from './cpu-per-order.ts';
import { ceilingSections } from './report-ceilings.ts';
import { floorHeadline, floorSection } from './report-floor.ts';
import { int, ms, runLine } from './report-format.ts';
import { profileSections } from './report-profiles.ts';
import { soakSections } from './report-soak.ts';
import { highestSustained, stepSections } from './report-steps.ts';
import type { SagaBenchReport, StepReport } from './report-types.ts';

/**
 * The saga bench's markdown report, section by section in the order a reader wants them: the
 * headline and what could make the figures doubtful, the steps (table, CPU, RSS), the floor, the
 * other shape, the soak, the ceilings measured beside the saga, the CPU profiles, and what was
 * left behind. Each section lives in its own report-*.ts; the data shape is report-types.ts.
 */
export function sagaMarkdown(r: SagaBenchReport): string {
  const best = highestSustained(r.steps);
  return [
    ...headline(r, best),
    ...stepSections(r, r),
    ...floorSection(r, best ?? r.steps.at(-1)),
    ...(r.otherShape ? otherShape(r, r.otherShape) : []),
    ...(r.soak ? soakSections(r.soak) : []),
    ...ceilingSections(r),
    ...profileSections(r),
    ...(r.leftovers.length > 0 ? ['> Not cleaned up: ' + r.leftovers.join('; '), ''] : []),
  ].join('\n');
}

/** Title, machine, set-up, the highest sustained rate (steps only), and the notes that qualify every figure below. */
function headline(r: SagaBenchReport, best: StepReport | undefined): string[] {
  const out = [r.mode === 'soak' ? '## doms soak' : '## doms benchmark', '', runLine(r.run), '', `Saga: ${r.setup}.`, ''];
  if (r.mode === 'steps') {
    const bound = `saga p99 ≤ ${r.boundP99Ms} ms, no errors or timeouts, ≥ 97% of the offered rate sent, \`doms verify\` passing after the step`;
    out.push(
      best
        ? `**Highest sustained rate: ${int(best.offered)} orders/s** (${bound}): saga p50 ${ms(best.sagaMs.p50)} ms, p99 ${ms(best.sagaMs.p99)} ms, ` +
            `${best.cpu[TOTAL]?.usPerOrder ?? '?'} µs CPU per order over all processes.${floorHeadline(r)}`
        : `**Highest sustained rate: none** of the steps met ${bound}.${floorHeadline(r)}`,
      '',
    );
  }
  if (r.brokerWarning) out.push(`> **Shared broker:** ${r.brokerWarning}.`, '');
  if (r.interrupted) out.push('> Interrupted: the figures below are of the steps that ran.', '');
  if (r.error) out.push(`> Stopped by an error: ${r.error.split('\n')[0]}`, '');
  return out;
}

/** The second shape (--shapes): its own headline against the same bound, then its steps as the first's. */
function otherShape(r: SagaBenchReport, other: NonNullable<SagaBenchReport['otherShape']>): string[] {
  const top = highestSustained(other.steps);
  return [
    `### The other shape: ${other.setup}`,
    '',
    top
      ? `**Highest sustained rate: ${int(top.offered)} orders/s**: saga p50 ${ms(top.sagaMs.p50)} ms, p99 ${ms(top.sagaMs.p99)} ms, ` +
        `${top.cpu[TOTAL]?.usPerOrder ?? '?'} µs CPU per order over all processes` +
        (other.sustainedShareOfFloor !== undefined ? `, ${(other.sustainedShareOfFloor * 100).toFixed(1)}% of the floor's rate.` : '.')
      : '**Highest sustained rate: none** of its steps met the bound.',
    '',
    ...stepSections(r, other),
  ];
}
