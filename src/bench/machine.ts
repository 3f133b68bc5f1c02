import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
}

export async function describeMachine(): Promise<Machine> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const meminfo = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  return {
    cpu: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? 'unknown CPU',
    cores: cpuinfo.match(/^processor/gm)?.length ?? 0,
    memoryGiB: Math.round(Number(/MemTotal:\s+(\d+)/.exec(meminfo)?.[1] ?? 0) / 1024 / 1024),
    node: process.version,
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
