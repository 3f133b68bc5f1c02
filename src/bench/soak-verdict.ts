import { SERVICE_NAMES, type ServiceName } from '../services/registry.ts';
import { judgeRss, type RssSample, type RssVerdict } from './rss-stability.ts';

/** Total consumer lag of the four services' groups at one moment of the soak. */
export interface LagSample {
  /** ms from the soak step's start. */
  atMs: number;
  total: number;
  byService: Record<string, number>;
}

/** One kill -9 of the soak, as it happened. Times are ms from the soak step's start. */
export interface KillRecord {
  service: ServiceName;
  atMs: number;
  oldPid: number;
  newPid: number;
  /** From the kill until the restarted worker served again (order API answering, its group Stable without the dead member); undefined: not within the wait. */
  upMs?: number;
}

export interface KillReport extends KillRecord {
  /** From the kill until, the worker back up, the total lag was under the bound again; undefined: not before the next kill (or the end). */
  recoveredMs?: number;
  /** Highest total lag from the kill until the next one (or the end). */
  maxLag: number;
  /** Longest time without a single order outcome, from the kill until it recovered (or the next kill). */
  longestOutcomeGapMs: number;
  /** HTTP errors from the kill's second until a second after it was back up: refused while the order API restarted. */
  httpErrors: number;
}

/** One process's life: an initial worker (from the soak's start) or one started again after a kill. */
export interface ProcessLife {
  name: string;
  service: ServiceName;
  pid: number;
  /** ms from the soak step's start; 0 for the workers that were running when it began. */
  fromMs: number;
  /** When it was killed; undefined: alive at the end. */
  untilMs?: number;
  /** RSS samples, `atMs` from the life's own start. */
  samples: RssSample[];
}

/** The moments of the kills: every `everyMs`, leaving at least one whole interval after the last to recover in. */
export function killTimes(durationMs: number, everyMs: number): number[] {
  if (everyMs <= 0) return [];
  const times: number[] = [];
  for (let at = everyMs; at + everyMs <= durationMs; at += everyMs) times.push(at);
  return times;
}

/** The kill at index `i` takes the services in turn: order, inventory, payment, notification, order, … */
export const victimOf = (i: number): ServiceName => SERVICE_NAMES[i % SERVICE_NAMES.length]!;

/**
 * "Near zero" for this run: twice the highest total lag seen before the first kill (the lag commits
 * every second leave even in calm running), and at least one second of orders at the offered rate.
 */
export function lagBound(samples: readonly LagSample[], firstKillAtMs: number | undefined, rate: number): number {
  const calm = samples.filter((s) => firstKillAtMs === undefined || s.atMs < firstKillAtMs);
  return Math.max(rate, 2 * Math.max(0, ...calm.map((s) => s.total)));
}

/** Each kill's effect: recovery, lag and outcome gap over its stretch (until the next kill or `endMs`). */
export function judgeKills(input: {
  kills: readonly KillRecord[];
  lag: readonly LagSample[];
  /** Outcome arrival times, ms from the soak's start, ascending. */
  outcomes: readonly number[];
  /** HTTP errors per second of the run, by when they happened. */
  errorsPerSecond: readonly number[];
  bound: number;
  endMs: number;
}): KillReport[] {
  const { kills, lag, outcomes, errorsPerSecond, bound, endMs } = input;
  return kills.map((k, i) => {
    const until = kills[i + 1]?.atMs ?? endMs;
    const stretch = lag.filter((s) => s.atMs >= k.atMs && s.atMs < until);
    const back = k.upMs === undefined ? undefined : stretch.find((s) => s.atMs >= k.atMs + k.upMs! && s.total <= bound);
    const recoveredMs = back && back.atMs - k.atMs;
    let errors = 0;
    const downUntil = Math.min(until, k.upMs === undefined ? until : k.atMs + k.upMs + 1000);
    for (let sec = Math.floor(k.atMs / 1000); sec < Math.ceil(downUntil / 1000) && sec < errorsPerSecond.length; sec++) errors += errorsPerSecond[sec] ?? 0;
    return {
      ...k,
      ...(recoveredMs !== undefined && { recoveredMs }),
      maxLag: Math.max(0, ...stretch.map((s) => s.total)),
      longestOutcomeGapMs: longestGap(outcomes, k.atMs, recoveredMs === undefined ? until : k.atMs + recoveredMs),
      httpErrors: errors,
    };
  });
}

/** The longest stretch within [from, to] without a time from `sorted`. */
export function longestGap(sorted: readonly number[], from: number, to: number): number {
  let longest = 0;
  let last = from;
  for (const t of sorted) {
    if (t <= from) continue;
    if (t >= to) break;
    longest = Math.max(longest, t - last);
    last = t;
  }
  return Math.max(longest, to - last);
}

/** Each life's RSS judged from its own start: settled after its first minute, then not ending more than 10 % above that. */
export function judgeLives(lives: readonly ProcessLife[]): Record<string, RssVerdict & { fromMs: number; untilMs?: number; samples: RssSample[] }> {
  return Object.fromEntries(
    lives.map((l) => [l.name, { ...judgeRss(l.samples), fromMs: l.fromMs, ...(l.untilMs !== undefined && { untilMs: l.untilMs }), samples: l.samples }]),
  );
}

const clock = (ms: number) => `${Math.floor(ms / 60_000)}:${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}`;

/** What failed, one short clause each; empty when the soak passed. */
export function soakFailures(input: {
  verify?: { ok: boolean; summary: string };
  counts: { timeouts: number; httpErrors: number; dropped: number };
  timeoutMs: number;
  /** HTTP errors while an order service restarted are expected (one instance, no load balancer); any other is not. */
  kills: readonly KillReport[];
  bound: number;
  rss: Record<string, RssVerdict>;
  achieved: number;
  offered: number;
}): string[] {
  const f: string[] = [];
  if (!input.verify) f.push('doms verify did not run');
  else if (!input.verify.ok) f.push(`doms verify failed: ${input.verify.summary}`);
  if (input.counts.timeouts > 0) f.push(`${input.counts.timeouts} accepted orders got no outcome within ${input.timeoutMs / 1000} s`);
  const excused = input.kills.filter((k) => k.service === 'order').reduce((n, k) => n + k.httpErrors, 0);
  const stray = input.counts.httpErrors - excused;
  if (stray > 0) f.push(`${stray} HTTP errors while the order API was not being restarted`);
  if (input.counts.dropped > 0) f.push(`${input.counts.dropped} orders dropped`);
  for (const k of input.kills) {
    if (k.upMs === undefined) f.push(`doms ${k.service} killed at ${clock(k.atMs)} did not come back`);
    else if (k.recoveredMs === undefined) f.push(`lag stayed above ${input.bound} after the kill of doms ${k.service} at ${clock(k.atMs)} (max ${k.maxLag})`);
  }
  for (const [name, v] of Object.entries(input.rss))
    if (v.stable === false)
      f.push(`${name} RSS grew: ${v.baselineMiB} MiB after its first minute, ${v.lastMiB} MiB at its end (more than 10 % above, twice in a row)`);
  if (input.achieved < input.offered * 0.97) f.push(`sent ${input.achieved}/s of the ${input.offered}/s offered`);
  return f;
}

export { clock as soakClock };
