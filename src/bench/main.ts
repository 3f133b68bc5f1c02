import { errorMessage } from '../errors.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { HELP, parseBenchArgs } from './args.ts';
import { runGeneratorOnly } from './generator-only.ts';
import { describeMachine, gitCommit } from './machine.ts';
import { sagaMarkdown } from './report.ts';
import { generatorMarkdown } from './report-generator.ts';
import type { GeneratorBenchReport, RunInfo } from './report-types.ts';
import { runSagaBench } from './saga-bench.ts';

/**
 * `npm run bench [-- flags]`: the saga's step ladder (default), --soak, or --generator-only.
 * Writes bench-results/bench-<stamp>.json and .md; `--help` lists the flags.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const log = (line: string) => console.log(`bench: ${line}`);

async function main(): Promise<number> {
  let args;
  try {
    args = parseBenchArgs(process.argv.slice(2), process.env);
  } catch (e: unknown) {
    console.error(`bench: ${errorMessage(e)}`);
    return 2;
  }
  if (args.help) {
    console.log(HELP);
    return 0;
  }

  // Ctrl-C (or SIGTERM) ends the current phase; clean-up still runs. A third one leaves at once.
  const abort = new AbortController();
  let signals = 0;
  const onSignal = (name: string) => {
    signals++;
    if (signals === 1) log(`${name}: stopping, then cleaning up (press Ctrl-C twice more to leave without cleaning up)`);
    else if (signals === 2) log('still cleaning up; once more to leave anyway');
    else process.exit(130);
    abort.abort();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  const started = new Date();
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const run: RunInfo = { machine: await describeMachine(), date: started.toISOString(), commit: await gitCommit(ROOT) };

  let json: unknown;
  let markdown: string;
  let code = 0;
  if (args.mode === 'generator-only') {
    log(`generator only: ${args.rate}/s for ${args.durationMs / 1000}s against a stub order API, ${args.connections} connections`);
    const result = await runGeneratorOnly({ rate: args.rate, durationMs: args.durationMs, connections: args.connections, signal: abort.signal });
    const report: GeneratorBenchReport = {
      kind: 'generator-only',
      run,
      connections: args.connections,
      durationMs: args.durationMs,
      result,
      onSchedule: onSchedule(result),
    };
    json = report;
    markdown = generatorMarkdown(report);
    if (abort.signal.aborted) code = 130;
  } else {
    const what =
      args.mode === 'soak'
        ? `soak at ${args.rate}/s for ${args.soakMs / 1000}s${args.killEveryMs > 0 ? `, a worker killed every ${args.killEveryMs / 1000}s` : ''}`
        : `steps ${args.rates.join(', ')}/s of ${args.stepMs / 1000}s`;
    const cpu = args.cpuRates.length > 0 ? ` and CPU measured at ${args.cpuRates.join(', ')}/s (${args.cpuStepMs / 1000}s each)` : '';
    log(
      `${what}${args.warmupMs > 0 ? ` after a ${args.warmupMs / 1000}s warm-up at ${args.warmupRate}/s${cpu}` : cpu ? ` after${cpu.slice(4)}` : ''}; ` +
        (args.mode === 'soak'
          ? "passing means doms verify passing, every accepted order ending, each worker's RSS flat after its first minute" +
            (args.killEveryMs > 0 ? ', the lag back to normal after every kill' : '')
          : `sustained means saga p99 ≤ ${args.p99Ms} ms, no errors, ≥ 97% of offered, doms verify passing`),
    );
    const report = await runSagaBench(args, { root: ROOT, run, stamp, signal: abort.signal, log });
    json = report;
    markdown = sagaMarkdown(report);
    if (report.error) {
      console.error(`bench: ${report.error}`);
      code = 1;
    } else if (report.interrupted) code = 130;
    else if (report.soak && !report.soak.verdict.ok) {
      console.error(`bench: soak failed: ${report.soak.verdict.failures.join('; ')}`);
      code = 1;
    }
    if (report.leftovers.length > 0) {
      console.error(`bench: could not remove: ${report.leftovers.join('; ')}`);
      code ||= 1;
    }
  }

  await mkdir(`${ROOT}bench-results`, { recursive: true });
  const base = `bench-results/bench-${stamp}`;
  await writeFile(`${ROOT}${base}.json`, JSON.stringify(json, null, 2) + '\n');
  await writeFile(`${ROOT}${base}.md`, markdown);
  console.log('\n' + markdown);
  log(`written to ${base}.{json,md}`);
  return code;
}

/** Within 1% of the schedule: at least 99% of the offered rate sent, and at most 1% of sends late. */
function onSchedule(r: { accuracyPercent: number; late: number; sent: number }): boolean {
  return r.accuracyPercent >= 99 && r.late <= r.sent * 0.01;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`bench: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
