import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../infra/log.ts';
import type { LoadResult } from '../loadgen/result.ts';
import { loadConfig, runLoad } from '../loadgen/run-load.ts';
import { cpuSecondsBetween } from './cpu-per-order.ts';
import { usage } from './processes.ts';
import { stubLoadInfra, type StubMessage } from './stub-infra.ts';

export interface GeneratorOnlyOptions {
  rate: number;
  durationMs: number;
  connections: number;
  signal?: AbortSignal;
}

export interface GeneratorOnlyResult {
  offered: number;
  achieved: number;
  /** achieved ÷ offered, in %. */
  accuracyPercent: number;
  sent: number;
  late: number;
  maxLatenessMs: number;
  httpErrors: number;
  timeouts: number;
  /** Left out of the latency figures (not of the rate). */
  latencyWarmupMs: number;
  httpMs: LoadResult['latency']['http'];
  /** CPU per order sent, µs, and CPU % of one core, over the whole run (sending and draining). */
  generator: { usPerOrder: number; cpuPercent: number; peakRssMiB: number };
  stub: { usPerOrder: number; cpuPercent: number; peakRssMiB: number };
  wallSeconds: number;
}

/**
 * `doms load`'s generator alone, against a stub order API (child process) that answers at once:
 * how fast and how accurately the generator itself can offer load, and what each order costs it.
 */
export async function runGeneratorOnly(options: GeneratorOnlyOptions): Promise<GeneratorOnlyResult> {
  const stub = fork(fileURLToPath(new URL('./stub-order-api.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const [first] = (await Promise.race([
      once(stub, 'message'),
      once(stub, 'exit').then(() => Promise.reject(new Error('the stub order API exited at start'))),
    ])) as [StubMessage];
    if (first.type !== 'listening') throw new Error(`unexpected first message from the stub: ${first.type}`);
    const config = loadConfig({
      target: `http://127.0.0.1:${first.port}`,
      rate: options.rate,
      durationMs: options.durationMs,
      connections: options.connections,
      // Latency leaves out the first seconds: connections opening and JIT warm-up on both sides.
      warmupMs: warmupMsFor(options.durationMs),
      stock: null,
      seed: 'generator-only',
      timeoutMs: 10_000,
    });
    const pids = { generator: [process.pid], stub: [stub.pid!] };
    const before = { generator: usage(pids.generator), stub: usage(pids.stub) };
    const started = performance.now();
    const result = await runLoad(config, { logger: silentLogger, infra: stubLoadInfra(stub), signal: options.signal });
    const wallSeconds = (performance.now() - started) / 1000;
    const after = { generator: usage(pids.generator), stub: usage(pids.stub) };
    const sent = Math.max(result.counts.sent, 1);
    const cost = (name: 'generator' | 'stub') => {
      const cpu = cpuSecondsBetween(before[name].cpu, after[name].cpu);
      return { usPerOrder: round1((cpu / sent) * 1e6), cpuPercent: Math.round((cpu / wallSeconds) * 100), peakRssMiB: after[name].peakRssMiB };
    };
    return {
      offered: options.rate,
      achieved: result.rates.achieved,
      accuracyPercent: round1((result.rates.achieved / options.rate) * 100),
      sent: result.counts.sent,
      late: result.counts.late,
      maxLatenessMs: result.scheduler.maxLatenessMs,
      httpErrors: result.counts.httpErrors,
      timeouts: result.counts.timeouts,
      latencyWarmupMs: config.warmupMs,
      httpMs: result.latency.http,
      generator: cost('generator'),
      stub: cost('stub'),
      wallSeconds: round1(wallSeconds),
    };
  } finally {
    stub.kill('SIGTERM');
    if (stub.exitCode === null && stub.signalCode === null) await once(stub, 'exit');
  }
}

const warmupMsFor = (durationMs: number) => Math.min(2000, Math.floor(durationMs / 5));
const round1 = (n: number) => Math.round(n * 10) / 10;
