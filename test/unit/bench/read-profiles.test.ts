import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { profileLabel, profilePid, readProfiles, waitForProfiles } from '../../../src/bench/read-profiles.ts';
import { profileSections } from '../../../src/bench/report-profiles.ts';

/** A small profile: 3 ms in one frame of ours, 1 ms idle. */
const profile = (fn: string) =>
  JSON.stringify({
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
      { id: 2, callFrame: { functionName: fn, url: 'file:///app/dist/x.js', lineNumber: 9 } },
      { id: 3, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
    ],
    startTime: 0,
    endTime: 4000,
    samples: [2, 2, 2, 3],
    timeDeltas: [0, 1000, 1000, 1000],
  });

const file = (pid: number) => `CPU.20261206.060725.${pid}.0.001.cpuprofile`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'doms-profiles-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the workers’ CPU profiles', () => {
  it('knows the pid that wrote a profile from its file name, and labels it by service', () => {
    expect(profilePid(file(14693))).toBe(14693);
    expect(profilePid('notes.txt')).toBeUndefined();
    expect(profileLabel('order', 5, false)).toBe('order');
    expect(profileLabel('all', 5, false), 'the all shape is `doms run all`').toBe('run all');
    expect(profileLabel('all', 7, true), 'a primary and its workers, told apart').toBe('run all (pid 7)');
  });

  it('waits for a profile written after the wait began, and only until it parses whole', async () => {
    await mkdir(join(dir, 'order'));
    const waiting = waitForProfiles(dir, [{ service: 'order', pid: 41 }], 5_000);
    await new Promise((r) => setTimeout(r, 300));
    await writeFile(join(dir, 'order', file(41)), profile('handle').slice(0, 40)); // being written
    await new Promise((r) => setTimeout(r, 300));
    await writeFile(join(dir, 'order', file(41)), profile('handle'));
    expect(await waiting).toEqual([]);
  });

  it('says which profile never came, without waiting for one whose process was killed', async () => {
    await mkdir(join(dir, 'payment'));
    await writeFile(join(dir, 'payment', file(52)), '{"nodes": [');
    const started = performance.now();
    const missing = await waitForProfiles(
      dir,
      [
        { service: 'order', pid: 41, lost: 'killed with SIGKILL by the soak' },
        { service: 'payment', pid: 52 },
        { service: 'all', pid: 60 },
      ],
      600,
    );
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(missing).toEqual([
      'no CPU profile from doms order (pid 41): killed with SIGKILL by the soak',
      `no whole CPU profile from doms payment (pid 52) in ${join(dir, 'payment')} within 0.6s of its exit (its file is there but does not parse: cut short?)`,
      `no whole CPU profile from doms all (pid 60) in ${join(dir, 'all')} within 0.6s of its exit`,
    ]);
  });

  it('reads every directory, the all shape and each process of a primary too, and names a file that does not parse', async () => {
    for (const d of ['order', 'all']) await mkdir(join(dir, d));
    await writeFile(join(dir, 'order', file(41)), profile('takeOrder'));
    await writeFile(join(dir, 'all', file(60)), profile('primary'));
    await writeFile(join(dir, 'all', file(61)), profile('worker'));
    await writeFile(join(dir, 'all', file(62)), '{"nodes": [');
    const { profiles, problems } = await readProfiles(dir, '/app/');
    expect(Object.keys(profiles)).toEqual(['order', 'run all (pid 60)', 'run all (pid 61)']);
    expect(profiles.order!.frames[0]).toMatchObject({ functionName: 'takeOrder', location: 'dist/x.js:10', selfPercent: 100 });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^all/${file(62).replace(/\./g, '\\.')} does not parse`));

    const md = profileSections({
      profiles,
      profileDir: 'bench-results/profiles/x',
      profileProblems: ['no CPU profile from doms payment (pid 52): killed'],
    }).join('\n');
    expect(md).toContain('**doms order** — 3 ms busy, 1 ms idle');
    expect(md).toContain('**doms run all (pid 61)**');
    expect(md).toContain('> no CPU profile from doms payment (pid 52): killed');
  });
});
