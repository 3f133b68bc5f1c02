import { readFileSync, readdirSync } from 'node:fs';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const CLOCK_TICKS = 100;

/** CPU seconds of one process: its own, and that of its children it has reaped (cutime + cstime). */
export interface PidTimes {
  self: number;
  children: number;
  /** Of `self`: the JVM's JIT compiler threads (C1, C2), zero for other processes. */
  jit: number;
}

/** CPU time and resident memory of a set of processes, read from /proc (Linux). */
export interface ProcessUsage {
  cpu: Map<number, PidTimes>;
  /** Sum over the processes of each one's high-water mark (VmHWM). */
  peakRssMiB: number;
  /** Sum of the current resident sizes (VmRSS). */
  rssMiB: number;
}

export function usage(pids: readonly number[]): ProcessUsage {
  const cpu = new Map<number, PidTimes>();
  let peakKiB = 0;
  let rssKiB = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name, which may itself hold spaces and parentheses.
      const f = stat
        .slice(stat.lastIndexOf(')') + 2)
        .split(' ')
        .map(Number);
      cpu.set(pid, { self: (f[11]! + f[12]!) / CLOCK_TICKS, children: (f[13]! + f[14]!) / CLOCK_TICKS, jit: jitSeconds(pid) });
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      peakKiB += Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
      rssKiB += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
    } catch {
      // The process ended between listing and reading.
    }
  }
  return { cpu, peakRssMiB: Math.round(peakKiB / 1024), rssMiB: Math.round(rssKiB / 1024) };
}

/**
 * CPU seconds of a JVM's JIT compiler threads. A freshly started broker spends tens of seconds of CPU
 * compiling on a slow core; reported apart, so that warm-up cost is not read as the cost of requests.
 */
function jitSeconds(pid: number): number {
  let ticks = 0;
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  if (tasks.length < 8) return 0; // not a JVM: skip reading every thread of small processes
  for (const task of tasks) {
    try {
      if (!/^C[12] CompilerThre/.test(readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8'))) continue;
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
      const f = stat
        .slice(stat.lastIndexOf(')') + 2)
        .split(' ')
        .map(Number);
      ticks += f[11]! + f[12]!;
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return ticks / CLOCK_TICKS;
}

/** Pids whose command line matches, e.g. every postgres backend. */
export function pidsMatching(pattern: RegExp): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (pattern.test(cmdline)) pids.push(Number(entry));
    } catch {
      // Gone between listing and reading.
    }
  }
  return pids;
}

/** A process and its children: a `doms run --workers N` primary and its workers. */
export function withChildren(pid: number): number[] {
  const pids = [pid];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) pids.push(Number(entry));
    } catch {
      // Gone between listing and reading.
    }
  }
  return pids;
}

/** Named groups of processes, each found afresh at every sample (postgres backends come and go). */
export type ProcessSet = Record<string, () => readonly number[]>;

export function sample(processes: ProcessSet): Record<string, ProcessUsage> {
  return Object.fromEntries(Object.entries(processes).map(([name, pids]) => [name, usage(pids())]));
}

/** The stack's servers, each all its processes (PostgreSQL: every backend), as the bench finds them. */
export const STACK_SERVERS: ProcessSet = {
  'kafka broker': () => pidsMatching(/kafka\.Kafka /),
  redis: () => pidsMatching(/^redis-server/),
  postgresql: () => pidsMatching(/^(\S*\/)?postgres[: ]/),
};
