import { formatDuration } from '../config/parse.ts';
import { ExitError, UsageError } from '../errors.ts';
import type { Logger } from '../infra/log.ts';
import type { WorkerExit, WorkerPool, WorkerProcess } from '../wiring/cluster.ts';
import { EXIT_UNREACHABLE } from './exit-codes.ts';

/** `doms run … --workers N`: the primary process, which runs no service itself but keeps N worker processes running. */

export interface SuperviseDeps {
  pool: WorkerPool;
  nextSignal(): Promise<NodeJS.Signals>;
  delay(ms: number): Promise<void>;
  now(): number;
}

/**
 * When a worker exits unasked, it is started again after a backoff that doubles with each exit of
 * its slot within the window; more exits than `maxCrashes` within the window is a crash loop, and
 * the command ends rather than restart for ever.
 */
export const RESTART_POLICY = { firstDelayMs: 250, maxDelayMs: 5_000, maxCrashes: 5, windowMs: 60_000 };
export type RestartPolicy = typeof RESTART_POLICY;

/** How long the workers get to drain after a Ctrl-C before they are told to stop at once: a worker forces itself after 10 s. */
export const PRIMARY_STOP_TIMEOUT_MS = 15_000;
/** After being told to stop at once, how long a worker gets before SIGKILL. */
export const FORCE_GRACE_MS = 3_000;

export type AfterExit = { restartInMs: number; recent: number[] } | { giveUp: string; exitCode: number; recent: number[] };

export const describeExit = (exit: WorkerExit) => (exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`);

/**
 * What to do when worker `slot` exited unasked: start it again after a backoff, or give up. A
 * worker that exits 2 (bad input, or a service out of reach) before any worker of the command ever
 * ran would fail the same way again: the command ends with that code at once, as a single process
 * would. `recent` are the times of the slot's earlier unasked exits.
 */
export function afterExit(slot: number, exit: WorkerExit, recent: readonly number[], now: number, anyReady: boolean, policy = RESTART_POLICY): AfterExit {
  const within = [...recent.filter((t) => now - t < policy.windowMs), now];
  if (!anyReady && exit.code === EXIT_UNREACHABLE)
    return { giveUp: `worker ${slot} could not start (exit code ${exit.code}, its error is above)`, exitCode: EXIT_UNREACHABLE, recent: within };
  if (within.length > policy.maxCrashes)
    return {
      giveUp: `worker ${slot} ${describeExit(exit)}, its ${within.length}th unasked exit within ${Math.round(policy.windowMs / 1000)}s: giving up on this crash loop`,
      exitCode: 1,
      recent: within,
    };
  return { restartInMs: Math.min(policy.firstDelayMs * 2 ** (within.length - 1), policy.maxDelayMs), recent: within };
}

/** The primary's exit code once every worker stopped: 130 if any was cut short, 1 if any failed, else 0. */
export function stoppedExitCode(exits: readonly WorkerExit[], forcedExit: number): number {
  if (exits.some((e) => e.code === forcedExit)) return forcedExit;
  return exits.every((e) => e.code === 0) ? 0 : 1;
}

export interface SuperviseOptions {
  workers: number;
  services: readonly string[];
  metricsPort: number | null;
  logger: Logger;
  /** The code of a run cut short (130). */
  forcedExit: number;
  policy?: RestartPolicy;
}

/**
 * Starts N workers and keeps them running: one that exits unasked is started again (with a backoff,
 * up to a crash loop). The first SIGINT/SIGTERM asks every worker to drain; a second one, or a drain
 * past PRIMARY_STOP_TIMEOUT_MS, tells them to stop at once (130). A crash loop stops the others and
 * ends with a one-line error.
 */
export async function superviseWorkers(options: SuperviseOptions, deps: SuperviseDeps): Promise<number> {
  const { logger, forcedExit } = options;
  const policy = options.policy ?? RESTART_POLICY;
  const live = new Map<number, WorkerProcess>();
  const unasked = new Map<number, number[]>();
  const exits: WorkerExit[] = [];
  let anyReady = false;
  let stopping = false;
  let gaveUp: { message: string; exitCode: number } | undefined;
  let giveUp!: () => void;
  const givenUp = new Promise<'gave up'>((resolve) => (giveUp = () => resolve('gave up')));
  let firstReady!: () => void;
  const oneReady = new Promise<'ready'>((resolve) => (firstReady = () => resolve('ready')));
  let allGone!: () => void;
  const gone = new Promise<void>((resolve) => (allGone = resolve));

  const start = (slot: number) => {
    const worker = deps.pool.fork(slot);
    live.set(slot, worker);
    logger.info(`worker ${slot} started`, { worker: slot, pid: worker.pid });
    void worker.ready.then(() => {
      anyReady = true;
      firstReady();
    });
    void worker.exited.then((exit) => onExit(slot, worker, exit));
  };

  const onExit = (slot: number, worker: WorkerProcess, exit: WorkerExit) => {
    if (live.get(slot) === worker) live.delete(slot);
    if (stopping) {
      exits.push(exit);
      if (live.size === 0) allGone();
      return;
    }
    const next = afterExit(slot, exit, unasked.get(slot) ?? [], deps.now(), anyReady, policy);
    unasked.set(slot, next.recent);
    if ('giveUp' in next) {
      logger.error(next.giveUp, { worker: slot, pid: worker.pid });
      gaveUp = { message: next.giveUp, exitCode: next.exitCode };
      giveUp();
      return;
    }
    logger.warn(`worker ${slot} ${describeExit(exit)}; starting another in ${formatDuration(next.restartInMs)}`, { worker: slot, pid: worker.pid });
    void deps.delay(next.restartInMs).then(() => {
      if (!stopping) start(slot);
    });
  };

  const metrics =
    options.metricsPort === null
      ? undefined
      : await deps.pool.serveMetrics(options.metricsPort).catch((e: unknown) => {
          if ((e as { code?: string }).code === 'EADDRINUSE')
            throw new UsageError(`metrics port ${options.metricsPort} is taken: choose another with --metrics-port`);
          throw e;
        });
  logger.info(`running ${options.workers} workers`, { services: options.services.join(','), pid: process.pid });
  if (metrics) logger.info(`metrics of all workers on http://localhost:${metrics.port}/metrics`);
  // The first worker alone creates what is missing (database, schema, topics); the others start once it runs.
  start(1);
  const signal = deps.nextSignal();
  let reason = await Promise.race([signal, givenUp, oneReady]);
  if (reason === 'ready') {
    for (let slot = 2; slot <= options.workers; slot++) start(slot);
    reason = await Promise.race([signal, givenUp]);
  }
  stopping = true;
  if (reason !== 'gave up') logger.info(`${reason} received, stopping ${live.size} workers (they finish in-flight work)`);
  if (live.size === 0) allGone();
  for (const worker of live.values()) worker.stop();

  const stopped = await Promise.race([
    gone.then(() => 'stopped' as const),
    deps.nextSignal().then(() => 'forced' as const),
    deps.delay(PRIMARY_STOP_TIMEOUT_MS).then(() => 'forced' as const),
  ]);
  if (stopped === 'forced') {
    logger.warn(`forced exit: telling ${live.size} workers to stop at once`);
    for (const worker of live.values()) worker.force();
    if ((await Promise.race([gone.then(() => true), deps.delay(FORCE_GRACE_MS).then(() => false)])) === false) {
      for (const worker of live.values()) worker.kill();
      await gone;
    }
  }
  await metrics?.close();
  if (gaveUp) throw new ExitError(gaveUp.exitCode, gaveUp.message);
  const code = stopped === 'forced' ? forcedExit : stoppedExitCode(exits, forcedExit);
  logger.info(code === 0 ? 'all workers stopped' : `workers stopped, exit code ${code}`);
  return code;
}
