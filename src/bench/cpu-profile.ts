/**
 * Reads a V8 .cpuprofile (what `node --cpu-prof` writes) and ranks functions by self time: the
 * frames where the CPU actually was. Pure, so it is tested on a small hand-made profile.
 */

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number }; hitCount?: number }[];
  startTime: number;
  endTime: number;
  samples?: number[];
  /** µs since the previous sample (the first: since startTime). */
  timeDeltas?: number[];
}

export interface Frame {
  functionName: string;
  /** url:line, 1-based line; the working directory's file URL is cut off. */
  location: string;
  selfMs: number;
  /** Of the busy (non-idle) time. */
  selfPercent: number;
}

export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  frames: Frame[];
  /** Self time per source: a package under node_modules, node's internals, or one of our files. */
  sources: { source: string; selfMs: number; selfPercent: number }[];
}

/** `(idle)` is V8 waiting for work: it is not CPU, so it is left out of the shares. */
const IDLE = '(idle)';

export function summarizeProfile(profile: CpuProfile, { top = 12, root = '' }: { top?: number; root?: string } = {}): ProfileSummary {
  const selfUs = selfTimes(profile);
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const frames = new Map<string, { functionName: string; location: string; source: string; us: number }>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byNode.get(id)!.callFrame;
    if (functionName === IDLE) {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const file = root && url.startsWith(root) ? url.slice(root.length) : url;
    const location = file ? `${file}:${lineNumber + 1}` : '';
    const key = `${functionName}\u0000${location}`;
    const entry = frames.get(key) ?? { functionName: functionName || '(anonymous)', location, source: sourceOf(file), us: 0 };
    entry.us += us;
    frames.set(key, entry);
  }
  const share = (us: number) => (busyUs > 0 ? Math.round((us / busyUs) * 1000) / 10 : 0);
  const ms = (us: number) => Math.round(us / 100) / 10;
  const sources = new Map<string, number>();
  for (const f of frames.values()) sources.set(f.source, (sources.get(f.source) ?? 0) + f.us);
  return {
    busyMs: ms(busyUs),
    idleMs: ms(idleUs),
    frames: [...frames.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ functionName: f.functionName, location: f.location, selfMs: ms(f.us), selfPercent: share(f.us) })),
    sources: [...sources]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([source, us]) => ({ source, selfMs: ms(us), selfPercent: share(us) })),
  };
}

/**
 * Self time per node, µs. Sample i stands for the time until the next sample (as Chrome's DevTools
 * count it); the last one gets the mean interval. Without samples, hit counts × the mean interval.
 */
function selfTimes(p: CpuProfile): Map<number, number> {
  const self = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  if (samples.length > 0 && deltas.length === samples.length) {
    const mean = (p.endTime - p.startTime) / samples.length;
    for (let i = 0; i < samples.length; i++) {
      const us = i + 1 < samples.length ? Math.max(0, deltas[i + 1]!) : mean;
      self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + us);
    }
    return self;
  }
  const hits = p.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
  const interval = hits > 0 ? (p.endTime - p.startTime) / hits : 0;
  for (const n of p.nodes) if (n.hitCount) self.set(n.id, n.hitCount * interval);
  return self;
}

/** Which package or part of the program a script belongs to. */
export function sourceOf(url: string): string {
  if (url === '') return '(native / V8)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  return url.replace(/^file:\/\//, '');
}
