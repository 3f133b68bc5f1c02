import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { SERVICE_NAMES, type ServiceName } from '../services/registry.ts';
import { withChildren } from './processes.ts';

const STOP_GRACE_MS = 20_000;
/** Under --profile a worker serialises its whole profile as it exits: tens of MB after a long run, seconds on a slow core. */
const PROFILED_STOP_GRACE_MS = 60_000;
const READY_WITHIN_MS = 90_000;
const KEEP_LINES = 30;

/** How the saga runs: a process per service, or one `doms run all --workers N`. */
export type WorkerShape = { kind: 'services' } | { kind: 'all'; workers: number };

/** A process that should write a CPU profile into `<profileDir>/<service>/` when it exits (--profile). */
export interface ProfiledProcess {
  service: ServiceName | 'all';
  pid: number;
  /** Why it cannot have written one (it was killed), when that is known. */
  lost?: string;
}

export interface Worker {
  /** `all`: the one `doms run all` process of that shape. */
  service: ServiceName | 'all';
  /** The running process; a new one after kill(). */
  child: ChildProcess;
  /** When the current process was started (performance.now()). */
  startedAt: number;
  /** The last lines it printed, for the error message when it dies. */
  tail: string[];
}

/**
 * The saga as users run it: `node bin/doms.js run <service>` per service, each its own process, with
 * the bench's environment. Under --profile each runs with `node --cpu-prof`, which writes the
 * profile when the worker exits after SIGTERM.
 */
export class Workers {
  readonly list: Worker[];
  /** Rejects when a worker exits before stop() is called, unless kill() ended it. */
  readonly died: Promise<never>;
  /** Why a worker ended before stop(), once one did. */
  failure: Error | undefined;
  private stopping = false;
  private readonly reject: (e: Error) => void;
  /** Processes ended on purpose by kill(): their exit is no failure. */
  private readonly killed = new WeakSet<ChildProcess>();
  /** Under --profile: every process seen that runs under --cpu-prof (a `--workers N` primary's workers too), by pid. */
  private readonly profiled = new Map<number, ProfiledProcess>();

  constructor(
    private readonly root: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly runArgs: string[],
    private readonly profileDir?: string,
    readonly shape: WorkerShape = { kind: 'services' },
  ) {
    let reject!: (e: Error) => void;
    this.died = new Promise<never>((_, r) => (reject = r));
    this.died.catch(() => {});
    this.reject = reject;
    const services = shape.kind === 'all' ? (['all'] as const) : SERVICE_NAMES;
    this.list = services.map((service) => this.spawn({ service, tail: [] }));
    // Should the bench itself die unexpectedly, its workers must not live on unnoticed.
    process.once('exit', () => {
      for (const w of this.list) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
    });
  }

  /** Starts the service's process into `worker` (a new one, or one whose process was killed). */
  private spawn(worker: Pick<Worker, 'service' | 'tail'> & Partial<Worker>): Worker {
    const { service } = worker;
    const node: string[] = [];
    if (this.profileDir) {
      const dir = join(this.profileDir, service);
      mkdirSync(dir, { recursive: true });
      node.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
    }
    const shapeArgs = this.shape.kind === 'all' ? ['--workers', String(this.shape.workers)] : [];
    const child = spawn(process.execPath, [...node, 'bin/doms.js', 'run', service, ...shapeArgs, ...this.runArgs], {
      cwd: this.root,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.child = child;
    worker.startedAt = performance.now();
    if (this.profileDir && child.pid !== undefined) this.profiled.set(child.pid, { service, pid: child.pid });
    const onLine = (stream: NodeJS.ReadableStream) => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => {
        const lines = (rest + d).split('\n');
        rest = lines.pop()!;
        for (const line of lines) {
          worker.tail.push(line);
          if (worker.tail.length > KEEP_LINES) worker.tail.shift();
          // Workers log at warn and above: worth seeing as it happens.
          process.stderr.write(`[${service}] ${line}\n`);
        }
      });
    };
    onLine(child.stdout!);
    onLine(child.stderr!);
    child.on('exit', (code, signal) => {
      if (this.stopping || this.failure || this.killed.has(child)) return;
      this.failure = new Error(`doms ${service} exited (${signal ?? `code ${code}`}) during the bench; its last lines:\n${worker.tail.join('\n')}`);
      this.reject(this.failure);
    });
    return worker as Worker;
  }

  pid(service: ServiceName): number {
    return this.worker(service).child.pid!;
  }

  /** What to sample for CPU: each process by name, the `all` shape's primary with its workers. */
  processes(): Record<string, () => number[]> {
    return Object.fromEntries(
      this.list.map((w) => [
        w.service === 'all' ? `doms run all --workers ${this.shape.kind === 'all' ? this.shape.workers : 1}` : `doms ${w.service}`,
        () => this.noteProfiled(w.service, withChildren(w.child.pid!)),
      ]),
    );
  }

  /** Under --profile, remembers a primary's workers (node:cluster gives them its --cpu-prof flags): each writes a profile of its own. */
  private noteProfiled(service: ServiceName | 'all', pids: number[]): number[] {
    if (this.profileDir) for (const pid of pids) if (!this.profiled.has(pid)) this.profiled.set(pid, { service, pid });
    return pids;
  }

  /**
   * After stop(): the processes that should have written a CPU profile, each marked `lost` when it
   * cannot have (SIGKILL: by kill(), or after the grace time). Empty without --profile.
   */
  profiledProcesses(): ProfiledProcess[] {
    return [...this.profiled.values()];
  }

  worker(service: ServiceName | 'all'): Worker {
    return this.list.find((w) => w.service === service)!;
  }

  /** A crash: SIGKILL (no chance to commit or leave the group), then the same command started again at once. */
  async kill(service: ServiceName): Promise<{ oldPid: number; newPid: number }> {
    if (this.stopping) throw new Error('the workers are stopping');
    const w = this.worker(service);
    const old = w.child;
    this.killed.add(old);
    const profiled = old.pid === undefined ? undefined : this.profiled.get(old.pid);
    if (profiled) profiled.lost = 'killed with SIGKILL by the soak';
    if (old.exitCode === null && old.signalCode === null) {
      const exited = once(old, 'exit');
      old.kill('SIGKILL');
      await exited;
    }
    if (this.stopping) throw new Error('the workers are stopping');
    this.spawn(w);
    return { oldPid: old.pid!, newPid: w.child.pid! };
  }

  /** Until the order API answers and every service's consumer group is Stable. */
  async ready(target: string, admin: Admin, prefix: string, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + READY_WITHIN_MS;
    const check = async () => {
      for (;;) {
        if (signal.aborted) throw new Error('interrupted');
        const groups = await admin.describeGroups(SERVICE_NAMES.map((s) => `${prefix}doms-${s}`));
        const healthy = await fetch(`${target}/health`).then(
          (r) => r.ok,
          () => false,
        );
        if (healthy && groups.groups.every((g) => g.state === 'Stable')) return;
        if (Date.now() > deadline) throw new Error(`the workers were not ready within ${READY_WITHIN_MS / 1000}s`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    await Promise.race([check(), this.died]);
  }

  /** SIGTERM (they finish in-flight work and commit), SIGKILL for any still there after the grace time. */
  async stop(): Promise<void> {
    this.stopping = true;
    const running = this.list.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    for (const w of running) this.noteProfiled(w.service, withChildren(w.child.pid!));
    for (const w of running) w.child.kill('SIGTERM');
    const grace = this.profileDir ? PROFILED_STOP_GRACE_MS : STOP_GRACE_MS;
    await Promise.all(
      running.map(async (w) => {
        const timer = setTimeout(() => {
          w.child.kill('SIGKILL');
          const profiled = this.profiled.get(w.child.pid!);
          if (profiled) profiled.lost = `killed with SIGKILL, still running ${grace / 1000}s after SIGTERM`;
        }, grace);
        if (w.child.exitCode === null && w.child.signalCode === null) await once(w.child, 'exit');
        clearTimeout(timer);
      }),
    );
  }
}
