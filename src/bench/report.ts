import { basename } from 'node:path';
import type { Shape } from './args.ts';
import type { LatencySummary } from '../loadgen/latency.ts';
import type { Counts } from '../loadgen/tracker.ts';
import type { BrokerShare } from './broker-share.ts';
import type { ClosedLoopResult } from './closed-loop.ts';
import type { ProfileSummary } from './cpu-profile.ts';
import { JIT, TOTAL, type CpuCost } from './cpu-per-order.ts';
import type { GeneratorOnlyResult } from './generator-only.ts';
import type { Machine } from './machine.ts';
import type { RawCeilings } from './raw-ceilings.ts';
import type { RssSample, RssVerdict } from './rss-stability.ts';
import { soakClock, type KillReport, type LagSample } from './soak-verdict.ts';
import { STUB_OUTCOME_EVERY_MS } from './stub-infra.ts';
import type { FloorReport } from './floor-ratios.ts';
import { floorHeadline, floorSection, timesFloorRow } from './report-floor.ts';
import { int, ms, row, rule, span, us } from './report-format.ts';
import type { VerifyResult } from './verify-step.ts';

/** Where and on what the figures were measured: the first line of every report. */
export interface RunInfo {
  machine: Machine;
  /** ISO time of the start. */
  date: string;
  commit: string;
}

export interface StepReport {
  kind: 'warm-up' | 'step' | 'soak';
  offered: number;
  /** Orders sent per second of sending. */
  achieved: number;
  /** Orders that reached an outcome, per second of sending. */
  completed: number;
  durationMs: number;
  wallSeconds: number;
  counts: Counts;
  sagaMs: LatencySummary;
  httpMs: LatencySummary;
  maxLatenessMs: number;
  /** Absent for the warm-up, which is not judged. */
  verify?: VerifyResult;
  sustained?: boolean;
  reasons: string[];
  cpu: Record<string, CpuCost>;
  peakRssMiB: Record<string, number>;
  /** The step's HTML report (charts over time), relative to the project root. */
  reportFile?: string;
  /** Total CPU per order ÷ the floor's; absent without a floor or a CPU figure. */
  cpuTimesFloor?: number;
}

export interface SoakReport {
  rate: number;
  durationMs: number;
  /** RSS sampling interval. */
  everyMs: number;
  /** A kill -9 every this long (0: none). */
  killEveryMs: number;
  /** Per process life (`doms order`, then `doms order #2` after its kill …), judged from its own start. */
  workers: Record<string, RssVerdict & { fromMs: number; untilMs?: number; samples: RssSample[] }>;
  kills: KillReport[];
  /** Total consumer lag of the four groups, sampled every second; `bound` is what counts as back to normal. */
  lag: { bound: number; max: number; samples: LagSample[] };
  /** ok, or one clause per failure. */
  verdict: { ok: boolean; failures: string[] };
}

/** One shape's steps: how the saga ran, its warm-up and steps, and what it sustained. */
export interface ShapeRun {
  /** How the saga and the load were set up, one line. */
  setup: string;
  /** Offered rate of the last sustained step before the first one that was not; 0 if none. */
  highestSustainedRate: number;
  /** highestSustainedRate ÷ the floor's rate. */
  sustainedShareOfFloor?: number;
  warmup?: StepReport;
  steps: StepReport[];
}

export interface SagaBenchReport extends ShapeRun {
  kind: 'saga';
  run: RunInfo;
  mode: 'steps' | 'soak';
  prefix: string;
  boundP99Ms: number;
  stepMs: number;
  brokerShare?: BrokerShare;
  brokerWarning?: string;
  /** The saga's I/O with ideal batching, measured before the steps (src/bench/floor.ts). */
  floor?: FloorReport;
  /** Why the floor has no figures. */
  floorError?: string;
  /** The second shape (--shapes), run after the first with the same load: `doms run all --workers N`. */
  otherShape?: ShapeRun & { shape: Shape };
  closedLoop?: ClosedLoopResult & { verify?: VerifyResult };
  raw?: RawCeilings;
  profiles?: Record<string, ProfileSummary>;
  profileDir?: string;
  soak?: SoakReport;
  interrupted: boolean;
  error?: string;
  /** What could not be removed afterwards; empty when all went. */
  leftovers: string[];
}

export interface GeneratorBenchReport {
  kind: 'generator-only';
  run: RunInfo;
  connections: number;
  durationMs: number;
  result: GeneratorOnlyResult;
  /** At least 99% of the offered rate sent and at most 1% of the sends late. */
  onSchedule: boolean;
}

/** The highest offered rate sustained, counting steps in order and stopping at the first that was not. */
export function highestSustained(steps: readonly StepReport[]): StepReport | undefined {
  let best: StepReport | undefined;
  for (const s of steps) {
    if (!s.sustained) break;
    best = s;
  }
  return best;
}

export function runLine(run: RunInfo): string {
  const m = run.machine;
  const speed = m.referenceMs === undefined ? '' : ` · reference workload ${m.referenceMs} ms CPU (lower is a faster core)`;
  return `Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}${speed} · ${run.date.slice(0, 16).replace('T', ' ')} UTC · commit ${run.commit}`;
}

/** A shape's steps table, its CPU per order by process and its peak RSS. */
function stepSections(r: SagaBenchReport, shape: ShapeRun): string[] {
  const out: string[] = [];
  const best = highestSustained(shape.steps);
  const steps = [...(shape.warmup ? [shape.warmup] : []), ...shape.steps];
  if (steps.length > 0) {
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
      const verify = s.kind === 'warm-up' ? '–' : s.verify ? (s.verify.ok ? 'pass' : `**fail**: ${s.verify.summary}`) : 'not run';
      const sustained =
        s.kind === 'warm-up'
          ? 'warm-up'
          : s.kind === 'soak'
            ? 'judged as a soak, below'
            : s.sustained
              ? 'yes'
              : `**no**: ${s.reasons.filter((x) => !x.startsWith('verify failed')).join('; ') || 'verify'}`;
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
          verify,
          sustained,
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

    const counted = shape.steps;
    if (counted.length > 0 && r.soak && r.soak.killEveryMs > 0) {
      out.push(
        '### CPU per order: not measured with kills',
        '',
        "A worker killed mid-step takes its CPU time with it (the bench reaps it as its own child's), so the per-process figures would be wrong; run the soak without --kill-every for them.",
        '',
      );
    } else if (counted.length > 0) {
      // Every step's processes, in order: a JIT row shows only in the steps where the JVM compiled.
      const names = [...new Set(counted.flatMap((s) => Object.keys(s.cpu)))].sort((a, b) => Number(a === TOTAL) - Number(b === TOTAL));
      const at = best ?? counted[counted.length - 1]!;
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

      const last = counted[counted.length - 1]!;
      out.push('### Peak RSS, MiB', '');
      out.push(row(['process', ...Object.keys(last.peakRssMiB)]), rule(Object.keys(last.peakRssMiB).length + 1));
      out.push(row(['peak', ...Object.values(last.peakRssMiB).map(int)]), '');
    }
  }

  return out;
}

export function sagaMarkdown(r: SagaBenchReport): string {
  const best = highestSustained(r.steps);
  const out: string[] = [];
  out.push(r.mode === 'soak' ? '## doms soak' : '## doms benchmark', '', runLine(r.run), '', `Saga: ${r.setup}.`, '');
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

  out.push(...stepSections(r, r));

  out.push(...floorSection(r, best ?? r.steps.at(-1)));

  if (r.otherShape) {
    const other = r.otherShape;
    const top = highestSustained(other.steps);
    out.push(`### The other shape: ${other.setup}`, '');
    out.push(
      top
        ? `**Highest sustained rate: ${int(top.offered)} orders/s**: saga p50 ${ms(top.sagaMs.p50)} ms, p99 ${ms(top.sagaMs.p99)} ms, ` +
            `${top.cpu[TOTAL]?.usPerOrder ?? '?'} µs CPU per order over all processes` +
            (other.sustainedShareOfFloor !== undefined ? `, ${(other.sustainedShareOfFloor * 100).toFixed(1)}% of the floor's rate.` : '.')
        : '**Highest sustained rate: none** of its steps met the bound.',
      '',
      ...stepSections(r, other),
    );
  }

  if (r.soak) {
    const sk = r.soak;
    out.push(sk.verdict.ok ? '**Soak passed.**' : `**Soak FAILED:** ${sk.verdict.failures.join('; ')}.`, '');
    if (sk.killEveryMs > 0) {
      out.push(`### Kills: one worker every ${span(sk.killEveryMs)} with SIGKILL, round the services, each started again at once`, '');
      out.push(
        row([
          '#',
          'at',
          'worker',
          'serving again after',
          `lag under ${int(sk.lag.bound)} after`,
          'max lag',
          'longest gap in outcomes',
          'HTTP errors while down',
        ]),
        rule(8),
      );
      sk.kills.forEach((k, i) => {
        out.push(
          row([
            i + 1,
            soakClock(k.atMs),
            `doms ${k.service}`,
            k.upMs === undefined ? '**not back**' : `${(k.upMs / 1000).toFixed(1)} s`,
            k.recoveredMs === undefined ? '**not recovered**' : `${(k.recoveredMs / 1000).toFixed(1)} s`,
            int(k.maxLag),
            `${(k.longestOutcomeGapMs / 1000).toFixed(1)} s`,
            int(k.httpErrors),
          ]),
        );
      });
      out.push(
        '',
        `Lag is the four consumer groups' total, sampled every second: at most ${int(sk.lag.max)} messages over the run. Back to normal means under ${int(sk.lag.bound)} ` +
          '(twice the highest total before the first kill, at least one second of orders), with the restarted worker serving again: its group Stable without the dead member, ' +
          'which leaves only when its 10 s session times out (and for the order service, the API answering). ' +
          'HTTP errors while the order service restarts are requests refused by a process that is not there (one instance, no load balancer): ' +
          'never accepted, so not lost.',
        '',
      );
    }
    out.push(`### RSS of each worker process at ${int(sk.rate)} orders/s for ${span(sk.durationMs)}, sampled every ${span(sk.everyMs)}`, '');
    out.push(row(['process', 'alive', 'first MiB', 'after its first minute', 'last', 'max', 'not ending > 10% above it']), rule(7));
    for (const [name, v] of Object.entries(sk.workers)) {
      out.push(
        row([
          name,
          `${soakClock(v.fromMs)}–${v.untilMs === undefined ? 'end' : soakClock(v.untilMs)}`,
          int(v.firstMiB),
          v.baselineMiB === undefined ? '–' : int(v.baselineMiB),
          int(v.lastMiB),
          int(v.maxMiB),
          v.stable === undefined ? 'too short to tell' : v.stable ? 'yes' : '**no**',
        ]),
      );
    }
    out.push(
      '',
      sk.killEveryMs > 0
        ? 'Each process is judged from its own start: a worker started again after a kill is a new process, warming up as the first one did.'
        : '',
      '',
    );
  }

  if (r.closedLoop) {
    const cl = r.closedLoop;
    out.push(`### Closed loop: POST /orders back-to-back on ${cl.connections} keep-alive connections for ${cl.seconds} s, saga running`, '');
    out.push(row(['requests/s', 'HTTP p50 ms', 'p99', 'max', 'non-2xx + errors', 'verify afterwards']), rule(6));
    out.push(
      row([
        int(cl.perSecond),
        ms(cl.httpMs.p50),
        ms(cl.httpMs.p99),
        ms(cl.httpMs.max),
        int(cl.errors),
        cl.verify ? (cl.verify.ok ? 'pass' : `fail: ${cl.verify.summary}`) : 'not run',
      ]),
      '',
    );
    out.push('The most the order API accepts, not a rate the saga sustains end to end (see the steps for that).', '');
  }

  if (r.raw) {
    out.push('### Raw ceilings of the same machine', '');
    out.push(row(['tool', 'result']), rule(2));
    out.push(row(['Kafka ProducerPerformance (300k × 200 B, acks=all)', r.raw.kafkaProducer ?? 'not run']));
    out.push(row(['redis-benchmark SET/GET', r.raw.redis ?? 'not run']));
    out.push(row(['pgbench', r.raw.postgres ?? 'not run']), '');
  }

  if (r.profiles) {
    out.push(`### CPU profiles (node --cpu-prof${r.profileDir ? `, in ${r.profileDir}` : ''}): top frames by self time`, '');
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
  }

  if (r.leftovers.length > 0) out.push('> Not cleaned up: ' + r.leftovers.join('; '), '');
  return out.join('\n');
}

export function generatorMarkdown(r: GeneratorBenchReport): string {
  const g = r.result;
  return [
    `## doms load generator alone: ${int(g.offered)} orders/s for ${r.durationMs / 1000} s against a stub order API`,
    '',
    runLine(r.run),
    '',
    row([
      'offered/s',
      'achieved/s',
      'accuracy',
      'late sends (> 10 ms)',
      'max lateness ms',
      'HTTP p50 ms',
      'p99',
      'errors + timeouts',
      'generator µs/order (CPU %)',
      'stub API µs/order (CPU %)',
    ]),
    rule(10),
    row([
      int(g.offered),
      int(g.achieved),
      `${g.accuracyPercent}%`,
      `${int(g.late)} (${((g.late / Math.max(g.sent, 1)) * 100).toFixed(2)}%)`,
      ms(g.maxLatenessMs),
      ms(g.httpMs.p50),
      ms(g.httpMs.p99),
      int(g.httpErrors + g.timeouts),
      `${g.generator.usPerOrder} (${g.generator.cpuPercent}%)`,
      `${g.stub.usPerOrder} (${g.stub.cpuPercent}%)`,
    ]),
    '',
    [
      `${r.onSchedule ? 'On schedule' : '**Not on schedule**'} (goal: ≥ 99% of the offered rate sent, ≤ 1% of sends more than 10 ms late);`,
      `${r.connections} keep-alive connections.`,
      `The stub answers every POST at once and reports each id back as an outcome within ${STUB_OUTCOME_EVERY_MS} ms, so the tracker runs its whole path per order.`,
      `Latency counts from each order's intended send time and leaves out the first ${g.latencyWarmupMs / 1000} s (connections opening, JIT warm-up).`,
    ].join(' '),
    '',
  ].join('\n');
}
