import { int, row, rule } from './report-format.ts';
import type { SagaBenchReport } from './report-types.ts';

/** `--profile`: each worker's top frames by self time, and its self time by source (a package, node's internals, one of our files). */
export function profileSections(r: Pick<SagaBenchReport, 'profiles' | 'profileDir' | 'profileProblems'>): string[] {
  if (!r.profiles) return [];
  const out = [`### CPU profiles (node --cpu-prof${r.profileDir ? `, in ${r.profileDir}` : ''}): top frames by self time`, ''];
  for (const problem of r.profileProblems ?? []) out.push(`> ${problem}`, '');
  for (const [service, p] of Object.entries(r.profiles)) {
    out.push(`**doms ${service}** — ${int(p.busyMs)} ms busy, ${int(p.idleMs)} ms idle`, '');
    out.push(row(['self %', 'function', 'where']), rule(3));
    for (const f of p.frames) out.push(row([f.selfPercent.toFixed(1), `\`${f.functionName}\``, f.location ? `\`${f.location}\`` : '']));
    out.push(
      '',
      `By source: ${p.sources
        .slice(0, 6)
        .map((s) => `${s.source} ${s.selfPercent.toFixed(1)}%`)
        .join(', ')}`,
      '',
    );
  }
  return out;
}
