import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LoadResult } from '../../src/loadgen/result.ts';
import { Saga } from '../helpers/workers.ts';

let saga: Saga;
beforeAll(async () => {
  saga = new Saga(['--failure-rate', '0.2']);
  await saga.start('all');
});

describe('doms load on the real stack', () => {
  it('accounts for every order at 200/s for 10s, in plain progress lines, a summary and a JSON result', async () => {
    const out = join(tmpdir(), `doms-load-${randomUUID()}.json`);
    const run = await saga.doms(['load', '--rate', '200', '--duration', '10s', '--no-dashboard', '--out', out, '--products', '20', '--random-seed', 'it'], {
      timeout: 90_000,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\[5\.\d+s\/10\.0s\] sending \| sent \d+\/2000/);
    expect(run.stdout).toContain('saga (send → outcome)');

    const result = JSON.parse(await readFile(out, 'utf8')) as LoadResult;
    const c = result.counts;
    expect(c.planned).toBe(2000);
    expect(c.sent).toBe(2000);
    expect(c.confirmed + c.rejected + c.cancelled + c.httpErrors + c.timeouts).toBe(c.sent);
    expect(c.inFlight).toBe(0);
    expect(c.httpErrors + c.timeouts).toBe(0);
    expect(c.confirmed).toBeGreaterThan(0);
    expect(c.cancelled).toBeGreaterThan(0);
    expect(result.rates.achieved).toBeGreaterThan(190);
    expect(result.latency.saga.count).toBe(c.confirmed + c.rejected + c.cancelled);
    expect(result.series.length).toBeGreaterThanOrEqual(10);

    const verified = await saga.doms(['verify', '--wait', '30s']);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });

  it('prints the result as JSON on stdout with --json, progress and summary on stderr', async () => {
    const run = await saga.doms(['load', '--rate', '20', '--duration', '2s', '--json', '--products', '5'], { timeout: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as LoadResult;
    expect(result.counts.sent).toBe(40);
    expect(result.counts.confirmed + result.counts.rejected + result.counts.cancelled).toBe(40);
    expect(run.stderr).toContain('saga (send → outcome)');
  });

  it('exits 99 when a threshold fails and 2 when one cannot be parsed', async () => {
    const failed = await saga.doms(
      ['load', '--rate', '20', '--duration', '2s', '--no-dashboard', '--threshold', 'saga.p99<0.001ms', '--threshold', 'errors<50%'],
      { timeout: 60_000 },
    );
    expect(failed.code).toBe(99);
    expect(failed.stderr).toMatch(/1 threshold failed: saga\.p99<0\.001ms/);
    expect(failed.stdout).toMatch(/errors<50%.*pass/);

    const bad = await saga.doms(['load', '--threshold', 'saga.p99<soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe("doms: invalid --threshold: 'saga.p99<soon': 'soon' is not a duration like 500ms or 1.5s");
  });

  it('runs the CI smoke test: every order ends and every invariant holds', async () => {
    const smoke = await saga.doms(['smoke', '--orders', '30', '--rate', '30'], { timeout: 90_000 });
    expect(smoke.code, smoke.stdout + smoke.stderr).toBe(0);
    expect(smoke.stdout).toMatch(/smoke test passed: 31 orders ended \(\d+ confirmed, [1-9]\d* rejected, \d+ cancelled\)/);
  });
});
