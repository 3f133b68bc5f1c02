import { describe, expect, it } from 'vitest';
import { sourceOf, summarizeProfile, type CpuProfile } from '../../../src/bench/cpu-profile.ts';

const frame = (id: number, functionName: string, url = '', lineNumber = -1) => ({ id, callFrame: { functionName, url, lineNumber, columnNumber: 0 } });

/** root → main → (handle, JSON.parse) ; (idle); (garbage collector); 10 ms between samples. */
const profile: CpuProfile = {
  nodes: [
    frame(1, '(root)'),
    frame(2, 'main', 'file:///app/dist/main.js', 9),
    frame(3, 'handle', 'file:///app/dist/handlers.js', 41),
    frame(4, 'parse', 'file:///app/node_modules/kafkajs/src/decoder.js', 99),
    frame(5, '(idle)'),
    frame(6, '(garbage collector)'),
    frame(7, '', 'node:internal/streams/readable', 0),
    // The same function reached along another path: one frame.
    frame(8, 'handle', 'file:///app/dist/handlers.js', 41),
  ],
  startTime: 0,
  endTime: 200_000,
  //        handle ×6 (two paths), parse ×4, idle ×6, gc ×2, anonymous ×1, main ×1
  samples: [3, 3, 3, 8, 8, 8, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 6, 6, 7, 2],
  timeDeltas: Array.from({ length: 20 }, () => 10_000),
};

describe('cpu profile summary', () => {
  it('ranks frames by self time, leaving idle time out of the shares', () => {
    const s = summarizeProfile(profile, { root: 'file:///app/' });
    expect(s.busyMs).toBe(140);
    expect(s.idleMs).toBe(60);
    expect(s.frames.map((f) => [f.functionName, f.location, f.selfMs, f.selfPercent])).toEqual([
      ['handle', 'dist/handlers.js:42', 60, 42.9],
      ['parse', 'node_modules/kafkajs/src/decoder.js:100', 40, 28.6],
      ['(garbage collector)', '', 20, 14.3],
      ['(anonymous)', 'node:internal/streams/readable:1', 10, 7.1],
      ['main', 'dist/main.js:10', 10, 7.1],
    ]);
  });

  it('keeps the top n and sums self time by source', () => {
    const s = summarizeProfile(profile, { top: 2, root: 'file:///app/' });
    expect(s.frames).toHaveLength(2);
    expect(s.sources).toEqual([
      { source: 'dist/handlers.js', selfMs: 60, selfPercent: 42.9 },
      { source: 'kafkajs', selfMs: 40, selfPercent: 28.6 },
    ]);
  });

  it('falls back to hit counts when there are no samples', () => {
    const { samples: _s, timeDeltas: _t, ...rest } = profile;
    const hits = { ...rest, nodes: rest.nodes.map((n) => ({ ...n, hitCount: n.id === 3 ? 3 : n.id === 5 ? 1 : 0 })) };
    const s = summarizeProfile(hits);
    expect(s.frames).toEqual([{ functionName: 'handle', location: 'file:///app/dist/handlers.js:42', selfMs: 150, selfPercent: 100 }]);
    expect(s.idleMs).toBe(50);
  });

  it('names the source of a script', () => {
    expect(sourceOf('file:///x/node_modules/@scope/pkg/lib/a.js')).toBe('@scope/pkg');
    expect(sourceOf('node:internal/timers')).toBe('node internals');
    expect(sourceOf('')).toBe('(native / V8)');
  });
});
