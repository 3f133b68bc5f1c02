/** One RSS sample of a process during a soak. */
export interface RssSample {
  atMs: number;
  rssMiB: number;
}

export interface RssVerdict {
  firstMiB: number;
  lastMiB: number;
  maxMiB: number;
  /** The first sample once the process has settled; later ones are compared with it. */
  baselineMiB: number | undefined;
  /** Not ending above the baseline by more than `tolerance` (its last two samples); undefined with none to judge. */
  stable: boolean | undefined;
}

/**
 * Did memory stay flat? Start-up and JIT warm-up grow the heap during the first minute, so only
 * samples from `settleMs` on are judged, against the first of them. A leak raises the floor for
 * good: the process fails when its last two samples are both more than `tolerance` above the
 * baseline. A burst the GC gives back (a backlog drained after a kill), or RSS falling, does not.
 */
export function judgeRss(samples: readonly RssSample[], { settleMs = 60_000, tolerance = 0.1 } = {}): RssVerdict {
  if (samples.length === 0) return { firstMiB: 0, lastMiB: 0, maxMiB: 0, baselineMiB: undefined, stable: undefined };
  const settled = samples.filter((s) => s.atMs >= settleMs);
  const baseline = settled[0]?.rssMiB;
  return {
    firstMiB: samples[0]!.rssMiB,
    lastMiB: samples[samples.length - 1]!.rssMiB,
    maxMiB: Math.max(...samples.map((s) => s.rssMiB)),
    baselineMiB: baseline,
    stable:
      baseline === undefined || settled.length < 2
        ? undefined
        : Math.min(
            ...settled
              .slice(1)
              .slice(-2)
              .map((s) => s.rssMiB),
          ) -
            baseline <=
          baseline * tolerance,
  };
}
