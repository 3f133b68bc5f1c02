import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { summarizeProfile, type CpuProfile, type ProfileSummary } from './cpu-profile.ts';
import type { ProfiledProcess } from './workers.ts';

/** How long a stopped worker's profile may take to appear once it exited. */
export const PROFILE_WAIT_MS = 30_000;
const POLL_MS = 200;

/** `node --cpu-prof` names its file CPU.<date>.<time>.<pid>.<thread>.<sequence>.cpuprofile: the pid that wrote it. */
export function profilePid(file: string): number | undefined {
  const m = /^CPU\.\d+\.\d+\.(\d+)\.\d+\.\d+\.cpuprofile$/.exec(file);
  return m ? Number(m[1]) : undefined;
}

/** The label of a profile in the report: the directory's service (`all` is `run all`), with the pid when it holds several. */
export function profileLabel(dir: string, pid: number | undefined, several: boolean): string {
  const name = dir === 'all' ? 'run all' : dir;
  return several ? `${name} (pid ${pid ?? '?'})` : name;
}

/**
 * After the workers stopped: waits until each profiled process's .cpuprofile is in its directory
 * and whole (it parses), up to `timeoutMs` for all of them. Returns one line per profile that
 * never came, saying why when that is known; a process known to be killed is not waited for.
 */
export async function waitForProfiles(dir: string, processes: readonly ProfiledProcess[], timeoutMs = PROFILE_WAIT_MS): Promise<string[]> {
  const missing: string[] = [];
  const waiting = new Map<number, ProfiledProcess>();
  for (const p of processes) {
    if (p.lost) missing.push(`no CPU profile from doms ${p.service} (pid ${p.pid}): ${p.lost}`);
    else waiting.set(p.pid, p);
  }
  // Size last tried, so that a file being written is parsed again only once it has grown.
  const tried = new Map<number, number>();
  const deadline = performance.now() + timeoutMs;
  while (waiting.size > 0) {
    for (const p of [...waiting.values()]) if (await isWhole(join(dir, p.service), p.pid, tried)) waiting.delete(p.pid);
    if (waiting.size === 0 || performance.now() >= deadline) break;
    await sleep(POLL_MS);
  }
  for (const p of waiting.values())
    missing.push(
      `no whole CPU profile from doms ${p.service} (pid ${p.pid}) in ${join(dir, p.service)} within ${timeoutMs / 1000}s of its exit` +
        `${tried.has(p.pid) ? ' (its file is there but does not parse: cut short?)' : ''}`,
    );
  return missing;
}

async function isWhole(dir: string, pid: number, tried: Map<number, number>): Promise<boolean> {
  const file = (await readdir(dir).catch(() => [] as string[])).find((f) => profilePid(f) === pid);
  if (!file) return false;
  const size = await stat(join(dir, file)).then(
    (s) => s.size,
    () => 0,
  );
  if (size === 0 || tried.get(pid) === size) return false;
  tried.set(pid, size);
  try {
    JSON.parse(await readFile(join(dir, file), 'utf8'));
    return true;
  } catch {
    return false;
  }
}

/**
 * Every profile under `dir` (one directory per service or shape, one .cpuprofile per process that
 * exited there), summarised, the busiest first within a directory. A file that does not parse is
 * named in `problems` rather than dropping the others.
 */
export async function readProfiles(dir: string, root: string): Promise<{ profiles: Record<string, ProfileSummary>; problems: string[] }> {
  const profiles: Record<string, ProfileSummary> = {};
  const problems: string[] = [];
  const dirs = (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory()).map((d) => d.name);
  for (const service of dirs.sort(byServiceOrder)) {
    const files = (await readdir(join(dir, service)).catch(() => [] as string[])).filter((f) => f.endsWith('.cpuprofile')).sort();
    const summaries: { label: string; summary: ProfileSummary }[] = [];
    for (const file of files) {
      try {
        const profile = JSON.parse(await readFile(join(dir, service, file), 'utf8')) as CpuProfile;
        summaries.push({
          label: profileLabel(service, profilePid(file), files.length > 1),
          summary: summarizeProfile(profile, { top: 12, root: `file://${root}` }),
        });
      } catch (e: unknown) {
        problems.push(`${join(service, file)} does not parse (${(e as Error).message.split('\n')[0]})`);
      }
    }
    for (const s of summaries.sort((a, b) => b.summary.busyMs - a.summary.busyMs)) profiles[s.label] = s.summary;
  }
  return { profiles, problems };
}

const ORDER = ['order', 'inventory', 'payment', 'notification', 'all'];
const byServiceOrder = (a: string, b: string) => rank(a) - rank(b) || a.localeCompare(b);
const rank = (name: string) => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length);
