import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { silentLogger } from '../infra/log.ts';
import { readChartLibrary, thisMachine } from '../loadgen/report-assets.ts';
import { reportHtml } from '../loadgen/report-html.ts';
import type { LoadResult } from '../loadgen/result.ts';
import { runLoad, type LoadConfig, type LoadInfra } from '../loadgen/run-load.ts';
import { cpuPerOrder, LOAD_GENERATOR, TOTAL } from './cpu-per-order.ts';
import { timesFloor, type FloorReport } from './floor-ratios.ts';
import { sample, type ProcessSet, type ProcessUsage } from './processes.ts';
import { timesFloorText } from './report-floor.ts';
import type { CpuAtRate, StepReport } from './report-types.ts';
import { judgeStep } from './step-verdict.ts';
import { runVerify } from './verify-step.ts';
import type { Workers } from './workers.ts';

/** What a step does besides the load: the soak's samplers and kills. */
export interface StepHooks {
  /** Called when the load starts sending; returns what stops it. */
  during?: (startedAt: number) => () => void;
  /** Each outcome the load generator sees, as it sees it. */
  onOutcome?: () => void;
  onResult?: (result: LoadResult) => void;
  /** Overrides the bench's order timeout. */
  timeoutMs?: number;
  /** false: leave CPU per order out (a worker killed mid-step takes its CPU time with it). */
  measureCpu?: boolean;
}

/** What every step of one shape shares: its workers, what is measured, and the load's settings. */
export interface StepSetting {
  root: string;
  /** Names the steps' HTML reports. */
  stamp: string;
  /** The workers' environment, which `doms verify` runs in. */
  env: NodeJS.ProcessEnv;
  /** The run's products: verify checks their stock only. */
  products: Set<string>;
  workers: Workers;
  /** The processes whose CPU and peak RSS each step measures. */
  processes: ProcessSet;
  /** The load generator's Kafka client (outcome consumers, seeding), shared by the steps. */
  infra: LoadInfra;
  base: Omit<LoadConfig, 'rate' | 'durationMs'>;
  p99BoundMs: number;
  floor?: FloorReport;
  /** Aborted on Ctrl-C / SIGTERM: the step ends early. */
  signal: AbortSignal;
  log(line: string): void;
}

interface Loaded {
  result: LoadResult;
  before: Record<string, ProcessUsage>;
  after: Record<string, ProcessUsage>;
  wallSeconds: number;
}

/** The load at `rate`, with the processes sampled from its first send to its last outcome. */
async function loadAndSample(at: StepSetting, rate: number, durationMs: number, hooks: StepHooks): Promise<Loaded> {
  const { signal, workers: w, processes, infra: shared } = at;
  // A worker dying stops the step at once rather than letting every order time out.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort);
  w.died.catch(onAbort);
  // The window opens once the generator has seeded and its outcome consumer has joined, the
  // moment it starts sending: set-up is not per-order work.
  let before = sample(processes);
  let started = performance.now();
  let stopDuring: (() => void) | undefined;
  const infra: LoadInfra = {
    ...shared,
    followOutcomes: async (onOutcome) => {
      const seen = hooks.onOutcome;
      const unfollow = await shared.followOutcomes(
        seen
          ? (id, outcome) => {
              seen();
              onOutcome(id, outcome);
            }
          : onOutcome,
      );
      before = sample(processes);
      started = performance.now();
      stopDuring = hooks.during?.(started);
      return unfollow;
    },
  };
  let result;
  try {
    result = await runLoad(
      { ...at.base, rate, durationMs, timeoutMs: hooks.timeoutMs ?? at.base.timeoutMs },
      { logger: silentLogger, signal: stop.signal, infra },
    );
  } finally {
    stopDuring?.();
    signal.removeEventListener('abort', onAbort);
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const after = sample(processes);
  if (w.failure && !signal.aborted) throw w.failure;
  return { result, before, after, wallSeconds };
}

/** Before measuring idle, how long the saga gets to finish what the previous load left (status records, outbox sweeps). */
const SETTLE_MS = 2000;

/**
 * CPU at one rate, not judged (no verify, no verdict, no HTML page): at 0/s the processes idle for
 * `durationMs`; above, the load runs as in a step.
 */
export async function measureCpuAt(at: StepSetting, rate: number, durationMs: number): Promise<CpuAtRate> {
  let m: CpuAtRate;
  if (rate === 0) {
    await sleep(SETTLE_MS, at.signal);
    const before = sample(at.processes);
    const started = performance.now();
    await Promise.race([sleep(durationMs, at.signal), at.workers.died]);
    const wallSeconds = (performance.now() - started) / 1000;
    m = { rate, durationMs, wallSeconds: round1(wallSeconds), completed: 0, cpu: cpuPerOrder(before, sample(at.processes), 0, wallSeconds) };
  } else {
    const { result, before, after, wallSeconds } = await loadAndSample(at, rate, durationMs, {});
    const c = result.counts;
    const completed = c.confirmed + c.rejected + c.cancelled;
    m = {
      rate,
      durationMs,
      wallSeconds: round1(wallSeconds),
      completed,
      cpu: cpuPerOrder(before, after, completed, wallSeconds),
      sagaMs: { p50: result.latency.saga.p50, p99: result.latency.saga.p99 },
      errors: c.httpErrors + c.timeouts,
    };
  }
  at.log(cpuLine(m));
  return m;
}

/** One step: the load, the CPU each process used meanwhile, and `doms verify` afterwards. */
export async function runStep(at: StepSetting, kind: StepReport['kind'], rate: number, durationMs: number, hooks: StepHooks = {}): Promise<StepReport> {
  const { signal } = at;
  const { result, before, after, wallSeconds } = await loadAndSample(at, rate, durationMs, hooks);
  hooks.onResult?.(result);
  const c = result.counts;
  const completed = c.confirmed + c.rejected + c.cancelled;
  const verify = kind === 'warm-up' || signal.aborted ? undefined : await runVerify(at.root, at.env, at.products);
  const verdict = judgeStep({ offered: rate, result, p99BoundMs: at.p99BoundMs, verify });
  const s: StepReport = {
    kind,
    offered: rate,
    achieved: result.rates.achieved,
    completed: result.rates.completed,
    durationMs,
    wallSeconds: Math.round(wallSeconds * 10) / 10,
    counts: c,
    sagaMs: result.latency.saga,
    httpMs: result.latency.http,
    maxLatenessMs: result.scheduler.maxLatenessMs,
    verify,
    sustained: kind === 'warm-up' ? undefined : verdict.sustained,
    reasons: kind === 'warm-up' ? [] : verdict.reasons,
    cpu: hooks.measureCpu === false ? {} : cpuPerOrder(before, after, completed, wallSeconds),
    peakRssMiB: Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v.peakRssMiB])),
  };
  if (at.floor) s.cpuTimesFloor = timesFloor(s.cpu, at.floor.cpu);
  if (kind !== 'warm-up') s.reportFile = await writeStepReport(at.root, at.stamp, s, result);
  at.log(stepLine(s));
  return s;
}

/** The step's `doms load --report` page: its throughput, latency and lag over time, beside the markdown. */
async function writeStepReport(root: string, stamp: string, s: StepReport, result: LoadResult): Promise<string> {
  const file = join('bench-results', `bench-${stamp}-${s.kind === 'soak' ? 'soak' : s.offered}.html`);
  await mkdir(join(root, 'bench-results'), { recursive: true });
  await writeFile(join(root, file), reportHtml(result, thisMachine(), await readChartLibrary()));
  return file;
}

/** The step's line in the run's log. */
function stepLine(s: StepReport): string {
  const c = s.counts;
  const what = s.kind === 'warm-up' ? `warm-up ${s.offered}/s` : `${s.offered}/s`;
  // The soak step is judged as a soak (RSS, lag, verify), not by the steps' rule.
  const verdict = s.kind !== 'step' ? '' : s.sustained ? ' — sustained' : ` — NOT sustained: ${s.reasons.join('; ')}`;
  const latency = `saga p50 ${s.sagaMs.p50.toFixed(0)} ms p99 ${s.sagaMs.p99.toFixed(0)} ms, HTTP p99 ${s.httpMs.p99.toFixed(0)} ms`;
  const verified = s.verify ? `, verify ${s.verify.ok ? 'ok' : 'FAILED'} (${s.verify.seconds}s)` : '';
  const cpu = s.cpu.total ? `${s.cpu.total.usPerOrder} µs CPU/order${timesFloorText(s.cpuTimesFloor)}` : 'CPU not measured';
  return `${what} → achieved ${s.achieved}/s, ${latency}, late ${c.late}, errors ${c.httpErrors + c.timeouts}, ${cpu}${verified}${verdict}`;
}

/** A measurement's line in the run's log. */
function cpuLine(m: CpuAtRate): string {
  const total = m.cpu[TOTAL]?.percent ?? 0;
  const generator = m.cpu[LOAD_GENERATOR]?.percent ?? 0;
  const saga = Math.round((total - generator) * 10) / 10;
  const perOrder = m.rate > 0 && m.cpu[TOTAL] ? `, ${m.cpu[TOTAL].usPerOrder} µs CPU/order` : '';
  const latency = m.sagaMs ? `, saga p50 ${m.sagaMs.p50.toFixed(0)} ms p99 ${m.sagaMs.p99.toFixed(0)} ms` : '';
  const errors = m.errors ? `, errors ${m.errors}` : '';
  return `CPU at ${m.rate}/s${m.rate === 0 ? ' (idle)' : ''}: ${total}% of a core (the saga without the load generator ${saga}%)${perOrder}${latency}${errors}`;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Resolves after ms, or at once when the signal is aborted. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return sleepFor(ms, undefined, { signal }).catch(() => {});
}
