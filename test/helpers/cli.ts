import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DOMS_BIN, REPO_ROOT } from './env.ts';
import { waitFor } from './wait.ts';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `doms` binary to completion. */
export function doms(args: string[], { env = {}, timeout = 60_000 }: { env?: Record<string, string>; timeout?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DOMS_BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, FORCE_COLOR: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`doms ${args.join(' ')} did not finish in ${timeout}ms\n${stdout}\n${stderr}`));
    }, timeout);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Every `doms` process still running: killed when the test process exits, by one listener for all. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A long-running `doms` process whose output is collected as it comes. */
export class DomsProcess {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [DOMS_BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, FORCE_COLOR: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d: Buffer) => (this.output += d));
    this.child.stderr!.on('data', (d: Buffer) => (this.output += d));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
    // Never leave a worker behind, even when the test process dies.
    running.add(this.child);
    void this.exited.then(() => running.delete(this.child));
  }

  waitForOutput(pattern: RegExp, timeout = 30_000): Promise<RegExpMatchArray> {
    const found = waitFor(() => this.output.match(pattern) ?? undefined, { timeout, what: `output ${pattern} from doms` });
    // An exited process will print nothing more: fail then, not at the timeout.
    const exited = this.exited.then(async () => {
      await new Promise((r) => setTimeout(r, 100));
      const match = this.output.match(pattern);
      if (match) return match;
      throw new Error(`doms exited before printing ${pattern}`);
    });
    // The loser of the race must not surface later as an unhandled rejection.
    found.catch(() => {});
    exited.catch(() => {});
    return Promise.race([found, exited]).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n${this.diagnose()}`);
    });
  }

  /** What the process was doing, for a failure message. */
  diagnose(): string {
    const { pid, exitCode, signalCode } = this.child;
    let state = '';
    try {
      state = readFileSync(`/proc/${pid}/status`, 'utf8')
        .split('\n')
        .filter((l) => /^(State|Threads|VmRSS)/.test(l))
        .join(', ');
      state += `, wchan ${readFileSync(`/proc/${pid}/wchan`, 'utf8')}`;
    } catch {
      state = 'no /proc entry';
    }
    return `pid ${pid}, exit ${exitCode}, signal ${signalCode}, ${state}\n--- output so far ---\n${this.output}`;
  }

  /** Sends the signal and resolves with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill(signal);
    return this.exited;
  }
}
