import { readFileSync, readdirSync } from 'node:fs';

const CLOCK_TICKS = 100;

/** CPU time (s) and peak resident memory (MiB) of processes, read from /proc (Linux). */
export interface ProcessUsage {
  cpuSeconds: number;
  peakRssMiB: number;
}

export function usage(pids: number[]): ProcessUsage {
  let ticks = 0;
  let peakKiB = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      peakKiB += Number(hwm?.[1] ?? 0);
    } catch {
      // The process ended; what it used is gone with it.
    }
  }
  return { cpuSeconds: ticks / CLOCK_TICKS, peakRssMiB: Math.round(peakKiB / 1024) };
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
