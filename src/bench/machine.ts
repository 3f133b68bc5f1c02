import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  /**
   * CPU time of a fixed JavaScript workload (JSON round trips of an order event), best of three,
   * measured before the run: how fast a core of this machine is today. Shared VMs differ several-fold
   * from day to day, so figures of two runs compare only alongside this.
   */
  referenceMs?: number;
}

const REFERENCE_ROUNDS = 50_000;

export function measureReferenceMs(): number {
  const event = {
    type: 'order.created',
    orderId: '5b0f0000-0000-4000-8000-000000000001',
    userId: '11111111-1111-1111-1111-111111111111',
    items: [{ productId: 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', quantity: 2 }],
    amount: 19.99,
    createdAt: '2026-11-25T12:00:00.000Z',
  };
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const start = process.cpuUsage();
    let sink = 0;
    for (let i = 0; i < REFERENCE_ROUNDS; i++) sink += (JSON.parse(JSON.stringify({ ...event, seq: i })) as { seq: number }).seq;
    const used = process.cpuUsage(start);
    if (sink < 0) throw new Error('unreachable');
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return Math.round(best);
}

export async function describeMachine(): Promise<Machine> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const meminfo = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  return {
    cpu: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? 'unknown CPU',
    cores: cpuinfo.match(/^processor/gm)?.length ?? 0,
    memoryGiB: Math.round(Number(/MemTotal:\s+(\d+)/.exec(meminfo)?.[1] ?? 0) / 1024 / 1024),
    node: process.version,
    referenceMs: measureReferenceMs(),
  };
}

/** Short sha, and whether the work tree differs from it (the figures are then of uncommitted code). */
export async function gitCommit(root: string): Promise<string> {
  // --no-optional-locks: a read-only look; `git status` would otherwise refresh the index file.
  const git = (args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile('git', ['--no-optional-locks', ...args], { cwd: root, encoding: 'utf8' }, (e, out) => (e ? reject(e) : resolve(out.trim()))),
    );
  try {
    const sha = await git(['rev-parse', '--short', 'HEAD']);
    const dirty = (await git(['status', '--porcelain'])) !== '';
    return dirty ? `${sha} dirty` : sha;
  } catch {
    return 'unknown commit';
  }
}
