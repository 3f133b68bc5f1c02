import cluster, { type Worker } from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { aggregateMetrics, metricsAsJson, serveMetrics, type MetricsJson } from '../infra/metrics.ts';

/**
 * `doms run --workers N` on node:cluster: the primary forks N copies of the same command line, and
 * their servers share the listening socket of the order API (the primary accepts and hands
 * connections round). node:cluster rather than child_process.fork for that: N order services on one
 * port with no load balancer in front. Messages between primary and worker are `{ doms: … }`.
 */

/** How a worker process ended. */
export interface WorkerExit {
  code: number | null;
  signal: string | null;
}

/** One worker process, as the primary sees it. */
export interface WorkerProcess {
  pid: number;
  /** Resolves when its services run (the worker says so); never, if it exits first. */
  ready: Promise<void>;
  exited: Promise<WorkerExit>;
  /** Drain and stop, as a Ctrl-C does to a single process. */
  stop(): void;
  /** Stop at once (it exits 130), as a second Ctrl-C does. */
  force(): void;
  /** SIGKILL, for a worker that does not answer `force`. */
  kill(): void;
}

/** Where the primary's processes come from: node:cluster, below (src/commands/run-workers.ts holds the primary's policy). */
export interface WorkerPool {
  /** Starts worker `slot` (1..N; a replacement keeps the slot of the worker it replaces). */
  fork(slot: number): WorkerProcess;
  /** Serves the metrics of every ready worker, summed, on one port; resolves with the port. */
  serveMetrics(port: number): Promise<{ port: number; close(): Promise<void> }>;
}

/** Set by the primary in each worker's environment: which of the N it is. */
const SLOT_ENV = 'DOMS_WORKER_SLOT';
/** How long the primary waits for a worker's metrics before it serves the others'. */
const METRICS_TIMEOUT_MS = 2_000;

type Message = { doms: 'ready' } | { doms: 'stop' } | { doms: 'force' } | { doms: 'metrics'; id: number; metrics?: MetricsJson };

const isMessage = (m: unknown): m is Message => typeof m === 'object' && m !== null && typeof (m as { doms?: unknown }).doms === 'string';

/** This process's slot when a `--workers N` primary started it, else null. */
export function workerSlot(): { slot: number } | null {
  return cluster.isWorker ? { slot: Number(process.env[SLOT_ENV]) || cluster.worker!.id } : null;
}

function send(worker: Worker, message: Message): void {
  // A worker that is exiting has closed its channel; its exit is reported on its own.
  if (worker.isConnected()) worker.send(message, () => {});
}

/** The primary's side: workers forked from this process's own command line. */
export function clusterPool(): WorkerPool {
  const ready = new Set<Worker>();
  let nextId = 0;
  const fork = (slot: number): WorkerProcess => {
    const worker = cluster.fork({ [SLOT_ENV]: String(slot) });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      worker.once('exit', (code, signal) => {
        ready.delete(worker);
        resolve({ code: signal ? null : code, signal: signal || null });
      }),
    );
    const started = new Promise<void>((resolve) =>
      worker.on('message', (m: unknown) => {
        if (isMessage(m) && m.doms === 'ready') {
          ready.add(worker);
          resolve();
        }
      }),
    );
    return {
      pid: worker.process.pid!,
      ready: started,
      exited,
      stop: () => send(worker, { doms: 'stop' }),
      force: () => send(worker, { doms: 'force' }),
      kill: () => worker.process.kill('SIGKILL'),
    };
  };

  /** Each ready worker's metrics (one that does not answer in time is left out), summed. */
  const collect = async (): Promise<string> => {
    const id = nextId++;
    const answers = [...ready].map(
      (worker) =>
        new Promise<MetricsJson | undefined>((resolve) => {
          const timer = setTimeout(() => done(undefined), METRICS_TIMEOUT_MS);
          const onMessage = (m: unknown) => {
            if (isMessage(m) && m.doms === 'metrics' && m.id === id) done(m.metrics);
          };
          const done = (metrics: MetricsJson | undefined) => {
            clearTimeout(timer);
            worker.off('message', onMessage);
            worker.off('exit', gone);
            resolve(metrics);
          };
          const gone = () => done(undefined);
          worker.on('message', onMessage);
          worker.once('exit', gone);
          send(worker, { doms: 'metrics', id });
        }),
    );
    return aggregateMetrics((await Promise.all(answers)).filter((m): m is MetricsJson => m !== undefined));
  };

  return {
    fork,
    serveMetrics: async (port) => {
      const server = await serveMetrics(port, '0.0.0.0', collect);
      return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
    },
  };
}

/**
 * The worker's side. Ctrl-C reaches every process of the terminal's group, so a worker takes the
 * first SIGINT/SIGTERM (or the primary's stop) as the signal to drain, and only the primary's
 * `force` as the second: a second Ctrl-C reaches the primary, which forces each worker. Both are
 * kept from the start, so one that comes while the services still start is not lost.
 */
export function workerChannel(): { nextSignal(): Promise<NodeJS.Signals>; started(): void } {
  let stop!: (signal: NodeJS.Signals) => void;
  let force!: (signal: NodeJS.Signals) => void;
  const stopped = new Promise<NodeJS.Signals>((resolve) => (stop = resolve));
  const forced = new Promise<NodeJS.Signals>((resolve) => (force = resolve));
  // Handled, so never the default action (death): the worker decides when it stops.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('message', (m: unknown) => {
    if (!isMessage(m)) return;
    if (m.doms === 'stop') stop('SIGTERM');
    else if (m.doms === 'force') force('SIGTERM');
    else if (m.doms === 'metrics') void metricsAsJson().then((metrics) => process.send?.({ doms: 'metrics', id: m.id, metrics } satisfies Message));
  });
  // Listening must not keep the worker alive once its services stopped (its sockets keep it alive until then).
  process.channel?.unref();
  let calls = 0;
  return {
    started: () => void process.send?.({ doms: 'ready' } satisfies Message),
    nextSignal: () => (calls++ === 0 ? stopped : forced),
  };
}
