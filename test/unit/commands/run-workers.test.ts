import { describe, expect, it } from 'vitest';
import { FORCED_EXIT, run, runOptions, type RunCommandDeps } from '../../../src/commands/run.ts';
import { afterExit, RESTART_POLICY, stoppedExitCode, superviseWorkers, type SuperviseDeps } from '../../../src/commands/run-workers.ts';
import type { WorkerExit, WorkerProcess } from '../../../src/wiring/cluster.ts';
import { ExitError } from '../../../src/errors.ts';
import { silentLogger } from '../../../src/infra/log.ts';
import { invocationFor } from '../../helpers/invocation.ts';

const tick = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

interface FakeWorker extends WorkerProcess {
  slot: number;
  asked: ('stop' | 'force' | 'kill')[];
  becomeReady(): void;
  exit(exit: WorkerExit): void;
}

/** A pool of fake workers, signals and timers the test fires by hand. */
function fakes() {
  const workers: FakeWorker[] = [];
  const signals: ((s: NodeJS.Signals) => void)[] = [];
  const timers: { ms: number; fire: () => void }[] = [];
  let now = 0;
  let nextPid = 100;
  const deps: SuperviseDeps = {
    pool: {
      fork: (slot) => {
        let becomeReady!: () => void;
        let exit!: (e: WorkerExit) => void;
        const worker: FakeWorker = {
          slot,
          pid: nextPid++,
          asked: [],
          ready: new Promise<void>((resolve) => (becomeReady = resolve)),
          exited: new Promise<WorkerExit>((resolve) => (exit = resolve)),
          stop: () => worker.asked.push('stop'),
          force: () => worker.asked.push('force'),
          kill: () => worker.asked.push('kill'),
          becomeReady: () => becomeReady(),
          exit: (e) => exit(e),
        };
        workers.push(worker);
        return worker;
      },
      serveMetrics: async (port) => ({ port, close: async () => {} }),
    },
    nextSignal: () => new Promise((resolve) => signals.push(resolve)),
    delay: (ms) => new Promise((resolve) => timers.push({ ms, fire: () => resolve() })),
    now: () => now,
  };
  return {
    deps,
    workers,
    live: () => workers.filter((w) => !exited.has(w)),
    signal: (s: NodeJS.Signals = 'SIGINT') => signals.splice(0).forEach((resolve) => resolve(s)),
    /** Fires the timers of this length (a restart backoff, the stop timeout). */
    elapse: (ms: number) => timers.filter((t) => t.ms === ms).forEach((t) => (timers.splice(timers.indexOf(t), 1), t.fire())),
    timers,
    setNow: (ms: number) => (now = ms),
    markExited: (w: FakeWorker, e: WorkerExit) => (exited.add(w), w.exit(e)),
  };
}
const exited = new Set<WorkerProcess>();

/** Lets the first worker run, so the others start, and all say they run. */
async function startAll(f: ReturnType<typeof fakes>) {
  await tick();
  f.workers[0]!.becomeReady();
  await tick();
  f.workers.forEach((w) => w.becomeReady());
}

const supervise = (deps: SuperviseDeps, workers = 2) =>
  superviseWorkers(
    { workers, services: ['order', 'inventory', 'payment', 'notification'], metricsPort: null, logger: silentLogger, forcedExit: FORCED_EXIT },
    deps,
  );

describe('the restart policy', () => {
  it('starts a crashed worker again after a backoff that doubles with each crash of its slot in the window, up to a cap', () => {
    const delays: number[] = [];
    let recent: number[] = [];
    for (let i = 0; i < 5; i++) {
      const next = afterExit(1, { code: null, signal: 'SIGKILL' }, recent, i * 1000, true, { ...RESTART_POLICY, maxDelayMs: 2000 });
      if (!('restartInMs' in next)) throw new Error('gave up');
      delays.push(next.restartInMs);
      recent = next.recent;
    }
    expect(delays).toEqual([250, 500, 1000, 2000, 2000]);
  });

  it('forgets crashes older than the window', () => {
    const next = afterExit(1, { code: 1, signal: null }, [0, 1000, 2000, 3000, 4000], 70_000, true);
    expect(next).toEqual({ restartInMs: 250, recent: [70_000] });
  });

  it('gives up on a crash loop: more crashes of a slot within the window than the limit', () => {
    const next = afterExit(2, { code: 1, signal: null }, [0, 1000, 2000, 3000, 4000], 5000, true);
    expect(next).toMatchObject({ exitCode: 1, giveUp: expect.stringMatching(/^worker 2 exited with code 1, its 6th unasked exit within 60s: giving up/) });
  });

  it('gives up at once on a worker that fails with bad input or an unreachable service before any worker ever ran', () => {
    expect(afterExit(1, { code: 2, signal: null }, [], 0, false)).toMatchObject({ exitCode: 2, giveUp: expect.stringMatching(/^worker 1 could not start/) });
    // Once the configuration has worked, an unreachable service is a passing outage: start again.
    expect(afterExit(1, { code: 2, signal: null }, [], 0, true)).toMatchObject({ restartInMs: 250 });
  });

  it('ends 0 when every worker stopped cleanly, 130 when any was cut short, else 1', () => {
    const ok = { code: 0, signal: null };
    expect(stoppedExitCode([ok, ok], FORCED_EXIT)).toBe(0);
    expect(stoppedExitCode([ok, { code: FORCED_EXIT, signal: null }], FORCED_EXIT)).toBe(FORCED_EXIT);
    expect(stoppedExitCode([ok, { code: 1, signal: null }], FORCED_EXIT)).toBe(1);
    expect(stoppedExitCode([ok, { code: null, signal: 'SIGKILL' }], FORCED_EXIT)).toBe(1);
  });
});

describe('doms run --workers N (the primary)', () => {
  it('starts N workers, and at a signal asks each to drain, ending 0 when all stopped cleanly', async () => {
    const f = fakes();
    const code = supervise(f.deps, 3);
    await tick();
    // The first creates what is missing; the others start once it runs.
    expect(f.workers.map((w) => w.slot)).toEqual([1]);
    f.workers[0]!.becomeReady();
    await tick();
    expect(f.workers.map((w) => w.slot)).toEqual([1, 2, 3]);
    f.signal('SIGINT');
    await tick();
    expect(f.workers.map((w) => w.asked)).toEqual([['stop'], ['stop'], ['stop']]);
    for (const w of f.workers) f.markExited(w, { code: 0, signal: null });
    expect(await code).toBe(0);
  });

  it('starts a worker killed with SIGKILL again in its slot after the backoff, leaving the others alone', async () => {
    const f = fakes();
    const code = supervise(f.deps);
    await startAll(f);
    f.markExited(f.workers[0]!, { code: null, signal: 'SIGKILL' });
    await tick();
    expect(f.workers).toHaveLength(2);
    f.elapse(250);
    await tick();
    expect(f.workers.map((w) => w.slot)).toEqual([1, 2, 1]);
    expect(f.workers[1]!.asked).toEqual([]);
    f.signal();
    await tick();
    for (const w of f.live()) f.markExited(w, { code: 0, signal: null });
    expect(await code).toBe(0);
  });

  it('a second signal during the drain tells the workers to stop at once and ends 130', async () => {
    const f = fakes();
    const code = supervise(f.deps);
    await startAll(f);
    f.signal();
    await tick();
    f.signal();
    await tick();
    expect(f.workers.map((w) => w.asked)).toEqual([
      ['stop', 'force'],
      ['stop', 'force'],
    ]);
    for (const w of f.workers) f.markExited(w, { code: FORCED_EXIT, signal: null });
    expect(await code).toBe(FORCED_EXIT);
  });

  it('starts no more workers when stopped before the first one runs', async () => {
    const f = fakes();
    const code = supervise(f.deps, 3);
    await tick();
    f.signal();
    await tick();
    f.workers[0]!.becomeReady();
    f.markExited(f.workers[0]!, { code: 0, signal: null });
    expect(await code).toBe(0);
    expect(f.workers).toHaveLength(1);
  });

  it('kills a worker that does not answer the force', async () => {
    const f = fakes();
    const code = supervise(f.deps, 1);
    await tick();
    f.signal();
    await tick();
    f.signal();
    await tick();
    f.elapse(3000);
    await tick();
    expect(f.workers[0]!.asked).toEqual(['stop', 'force', 'kill']);
    f.markExited(f.workers[0]!, { code: null, signal: 'SIGKILL' });
    expect(await code).toBe(FORCED_EXIT);
  });

  it('does not start a worker whose backoff ends after the stop began', async () => {
    const f = fakes();
    const code = supervise(f.deps);
    await startAll(f);
    f.markExited(f.workers[0]!, { code: 1, signal: null });
    await tick();
    f.signal();
    await tick();
    f.markExited(f.workers[1]!, { code: 0, signal: null });
    f.elapse(250);
    expect(await code).toBe(0);
    expect(f.workers).toHaveLength(2);
  });

  it('ends a crash loop with a one-line error after stopping the other workers', async () => {
    const f = fakes();
    const code = supervise(f.deps);
    const failed = code.catch((e: unknown) => e);
    await startAll(f);
    for (let i = 0; i <= RESTART_POLICY.maxCrashes; i++) {
      f.setNow(i * 100);
      f.markExited(f.workers.filter((w) => w.slot === 1).at(-1)!, { code: 1, signal: null });
      await tick();
      for (const t of [...f.timers]) if (t.ms < 15_000) f.elapse(t.ms);
      await tick();
    }
    expect(f.workers.filter((w) => w.slot === 1)).toHaveLength(RESTART_POLICY.maxCrashes + 1);
    expect(f.workers[1]!.asked).toEqual(['stop']);
    f.markExited(f.workers[1]!, { code: 0, signal: null });
    const error = await failed;
    expect(error).toBeInstanceOf(ExitError);
    expect(error).toMatchObject({ exitCode: 1, message: expect.stringMatching(/^worker 1 exited with code 1, its 6th unasked exit/) });
  });
});

describe('doms run --workers', () => {
  const deps = (worker: { slot: number } | null, forked: number[]): RunCommandDeps => ({
    logger: () => silentLogger,
    launch: async () => ({ services: [], crashed: new Promise<never>(() => {}), stop: async () => {} }),
    nextSignal: () => new Promise(() => {}),
    delay: () => new Promise(() => {}),
    now: () => 0,
    worker,
    started: () => {},
    pool: () => ({
      fork: (slot) => (forked.push(slot), { pid: slot, ready: new Promise(() => {}), exited: new Promise(() => {}), stop() {}, force() {}, kill() {} }),
      serveMetrics: async (port) => ({ port, close: async () => {} }),
    }),
  });

  it('reads the count from --workers or DOMS_WORKERS; auto is one per core', () => {
    expect(runOptions(invocationFor('run', { args: ['all'] })).settings.workers).toBe(1);
    expect(runOptions(invocationFor('run', { args: ['all'], flags: { workers: '3' } })).settings.workers).toBe(3);
    expect(runOptions(invocationFor('run', { args: ['all'], flags: { workers: 'auto' } })).settings.workers).toBeGreaterThanOrEqual(1);
    expect(() => runOptions(invocationFor('run', { args: ['all'], flags: { workers: '0' } }))).toThrow(/^invalid --workers: 0 is below the minimum 1/);
  });

  it('forks N workers from a primary, but runs the services itself with --workers 1 or as a worker', async () => {
    const forked: number[] = [];
    void run(runOptions(invocationFor('run', { args: ['all'], flags: { workers: '2' } })), deps(null, forked));
    await tick();
    expect(forked).toEqual([1]);

    const alone: number[] = [];
    void run(runOptions(invocationFor('run', { args: ['all'], flags: { workers: '1' } })), deps(null, alone));
    void run(runOptions(invocationFor('run', { args: ['all'], flags: { workers: '2' } })), deps({ slot: 2 }, alone));
    await tick();
    expect(alone).toEqual([]);
  });
});
