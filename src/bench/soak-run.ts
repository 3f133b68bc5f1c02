import type { Admin } from 'kafkajs';
import type { GroupLag } from '../loadgen/lag.ts';
import type { LoadResult } from '../loadgen/result.ts';
import { SERVICE_NAMES, type ServiceName } from '../services/registry.ts';
import { usage } from './processes.ts';
import type { SoakReport, StepReport } from './report-types.ts';
import {
  judgeKills,
  judgeLives,
  killTimes,
  lagBound,
  soakClock,
  soakFailures,
  victimOf,
  type KillRecord,
  type LagSample,
  type ProcessLife,
} from './soak-verdict.ts';
import type { Workers } from './workers.ts';

/** How long a killed worker's successor gets to serve again before the soak says it did not come back. */
const UP_WITHIN_MS = 90_000;
const LAG_EVERY_MS = 1_000;
const POLL_MS = 250;
/**
 * With kills, an order counts as timed out only after this long: a killed worker's partitions wait out
 * its 10 s session timeout, and then the backlog drains on a busy machine.
 */
export const SOAK_KILL_ORDER_TIMEOUT_MS = 60_000;

export interface SoakSetup {
  workers: Workers;
  admin: Admin;
  prefix: string;
  /** The order API, to tell when a restarted order service answers. */
  target: string;
  lag(): Promise<GroupLag[]>;
  rate: number;
  durationMs: number;
  rssEveryMs: number;
  /** 0: no kills, a plain soak. */
  killEveryMs: number;
  log(line: string): void;
}

/**
 * The soak step's observer: samples every worker's RSS (per process life) and the consumer lag, and,
 * with kills, kills -9 one worker every interval, round the services, restarting it at once and timing
 * its return. Started when the load starts sending; judged once the step (and its verify) is done.
 */
export class SoakRun {
  private startedAt = 0;
  private readonly lives: ProcessLife[] = [];
  private readonly lagSamples: LagSample[] = [];
  private readonly outcomes: number[] = [];
  private readonly kills: KillRecord[] = [];
  private stopped = false;
  private timers: NodeJS.Timeout[] = [];
  private killing: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;
  private endMs = 0;
  private errorsPerSecond: number[] = [];

  constructor(private readonly s: SoakSetup) {}

  /** The step's `during` hook: begins sampling (and killing) at the load's start; returns the stopper. */
  start = (startedAt: number): (() => void) => {
    this.startedAt = startedAt;
    for (const service of SERVICE_NAMES) this.lives.push({ name: `doms ${service}`, service, pid: this.s.workers.pid(service), fromMs: 0, samples: [] });
    this.sampleRss();
    this.timers.push(setInterval(() => this.sampleRss(), this.s.rssEveryMs));
    let lagging = false;
    this.timers.push(
      setInterval(() => {
        if (lagging) return;
        lagging = true;
        const atMs = this.now();
        this.s
          .lag()
          .then((groups) => {
            if (groups.length > 0)
              this.lagSamples.push({
                atMs,
                total: groups.reduce((n, g) => n + g.lag, 0),
                byService: Object.fromEntries(groups.map((g) => [g.service, g.lag])),
              });
          })
          .catch(() => {}) // a missed sample, not a failure: the next one comes in a second
          .finally(() => (lagging = false));
      }, LAG_EVERY_MS),
    );
    this.killing = this.killLoop().catch((e: unknown) => {
      // Workers.kill refuses once the bench is stopping; anything else ends the kills, reported as not coming back.
      if (!this.stopped) this.s.log(`soak: kills stopped: ${(e as Error).message}`);
    });
    return () => {
      this.endMs = this.now();
      this.stopped = true;
      this.wake?.();
      for (const t of this.timers) clearInterval(t);
      this.sampleRss();
    };
  };

  /** Each outcome the load generator sees, when it sees it. */
  outcome = (): void => {
    if (this.startedAt > 0) this.outcomes.push(this.now());
  };

  /** The load's result: its HTTP errors per second place them against the order service's restarts. */
  loadResult = (r: LoadResult): void => {
    this.errorsPerSecond = r.series.map((x) => x.errors);
  };

  /** Waits for a kill under way, then judges the run. */
  async report(step: StepReport | undefined, timeoutMs: number): Promise<SoakReport> {
    await this.killing;
    const bound = lagBound(this.lagSamples, this.kills[0]?.atMs, this.s.rate);
    const kills = judgeKills({
      kills: this.kills,
      lag: this.lagSamples,
      outcomes: this.outcomes,
      errorsPerSecond: this.errorsPerSecond,
      bound,
      endMs: this.endMs,
    });
    const workers = judgeLives(this.lives);
    const failures = step
      ? soakFailures({
          verify: step.verify,
          counts: step.counts,
          timeoutMs,
          kills,
          bound,
          rss: workers,
          achieved: step.achieved,
          offered: step.offered,
        })
      : ['the soak step did not run'];
    return {
      rate: this.s.rate,
      durationMs: this.s.durationMs,
      everyMs: this.s.rssEveryMs,
      killEveryMs: this.s.killEveryMs,
      workers,
      kills,
      lag: { bound, max: Math.max(0, ...this.lagSamples.map((x) => x.total)), samples: this.lagSamples },
      verdict: { ok: failures.length === 0, failures },
    };
  }

  private now(): number {
    return Math.round(performance.now() - this.startedAt);
  }

  private sampleRss(): void {
    const now = this.now();
    for (const life of this.lives) {
      if (life.untilMs !== undefined) continue;
      const { rssMiB } = usage([life.pid]);
      // 0: the process is gone (read between its end and the bookkeeping).
      if (rssMiB > 0) life.samples.push({ atMs: now - life.fromMs, rssMiB });
    }
  }

  private async killLoop(): Promise<void> {
    const times = killTimes(this.s.durationMs, this.s.killEveryMs);
    for (const [i, at] of times.entries()) {
      await this.until(at);
      if (this.stopped) return;
      const service = victimOf(i);
      const before = await this.members(service).catch(() => new Set<string>());
      const life = this.lives.find((l) => l.service === service && l.untilMs === undefined)!;
      // The dying process's last sample, then the crash.
      const atMs = this.now();
      life.samples.push({ atMs: atMs - life.fromMs, rssMiB: usage([life.pid]).rssMiB });
      life.untilMs = atMs;
      const { oldPid, newPid } = await this.s.workers.kill(service);
      const lifeNo = this.lives.filter((l) => l.service === service).length + 1;
      this.lives.push({ name: `doms ${service} #${lifeNo}`, service, pid: newPid, fromMs: this.now(), samples: [] });
      this.s.log(`soak: kill -9 doms ${service} (pid ${oldPid}) at ${soakClock(atMs)}; started again as pid ${newPid}`);
      const record: KillRecord = { service, atMs, oldPid, newPid };
      this.kills.push(record);
      if (await this.up(service, before)) {
        record.upMs = this.now() - atMs;
        this.s.log(`soak: doms ${service} serving again ${(record.upMs / 1000).toFixed(1)} s after its kill`);
      } else if (!this.stopped) this.s.log(`soak: doms ${service} did not serve again within ${UP_WITHIN_MS / 1000} s of its kill`);
    }
  }

  /** Sleeps until `atMs` into the soak, or until stopped. */
  private until(atMs: number): Promise<void> {
    const wait = atMs - this.now();
    if (wait <= 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, wait);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private async members(service: ServiceName): Promise<Set<string>> {
    const { groups } = await this.s.admin.describeGroups([`${this.s.prefix}doms-${service}`]);
    return new Set(groups[0]?.members.map((m) => m.memberId) ?? []);
  }

  /**
   * The restarted worker serves: its group is Stable with members, none of them the dead one (it
   * leaves only when its session times out), and for the order service, the API answers.
   */
  private async up(service: ServiceName, dead: ReadonlySet<string>): Promise<boolean> {
    const deadline = this.now() + UP_WITHIN_MS;
    while (!this.stopped && this.now() < deadline) {
      const ok = await (async () => {
        const { groups } = await this.s.admin.describeGroups([`${this.s.prefix}doms-${service}`]);
        const g = groups[0];
        if (!g || g.state !== 'Stable' || g.members.length === 0 || g.members.some((m) => dead.has(m.memberId))) return false;
        if (service !== 'order') return true;
        return fetch(`${this.s.target}/health`, { signal: AbortSignal.timeout(2_000) }).then(
          (r) => r.ok,
          () => false,
        );
      })().catch(() => false);
      if (ok) return true;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    return false;
  }
}
