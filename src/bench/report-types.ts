/**
 * What the bench's runs produce and its markdown reports read: one data shape, written by
 * saga-bench.ts, soak-run.ts and main.ts, rendered by report.ts (the saga) and
 * report-generator.ts (the load generator alone).
 */
import type { LatencySummary } from '../loadgen/latency.ts';
import type { Counts } from '../loadgen/tracker.ts';
import type { Shape } from './args.ts';
import type { BrokerShare } from './broker-share.ts';
import type { ClosedLoopResult } from './closed-loop.ts';
import type { CpuCost } from './cpu-per-order.ts';
import type { ProfileSummary } from './cpu-profile.ts';
import type { FloorReport } from './floor-ratios.ts';
import type { GeneratorOnlyResult } from './generator-only.ts';
import type { Machine } from './machine.ts';
import type { RawCeilings } from './raw-ceilings.ts';
import type { RssSample, RssVerdict } from './rss-stability.ts';
import type { KillReport, LagSample } from './soak-verdict.ts';
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

/**
 * CPU measured at one rate before a shape's steps (0: idle, nothing sent): what each process spends
 * at that load. A measurement, not judged; the CPU-by-rate table shows it beside the steps.
 */
export interface CpuAtRate {
  rate: number;
  durationMs: number;
  /** Seconds the CPU was measured over (at a rate above 0: from the first send to the last outcome). */
  wallSeconds: number;
  /** Orders that reached an outcome meanwhile. */
  completed: number;
  /** Each process and the total: % of one core, and µs per completed order (0 at 0/s). */
  cpu: Record<string, CpuCost>;
  /** Send → outcome; absent at 0/s. */
  sagaMs?: { p50: number; p99: number };
  /** HTTP errors and timeouts; absent at 0/s. */
  errors?: number;
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
  /** --cpu-rates: CPU measured at idle and low rates after the warm-up, before the steps. */
  cpuByRate?: CpuAtRate[];
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
  /** Profiles that never came whole, or did not parse, one line each. */
  profileProblems?: string[];
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
