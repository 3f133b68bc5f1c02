import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedSaga } from '../../src/commands/demo.ts';
import type { LoadResult } from '../../src/loadgen/result.ts';
import { loadConfig } from '../../src/loadgen/run-load.ts';
import { demoAdapters } from '../../src/wiring/load-deps.ts';
import { ARTIFACTS, launchChromium } from '../helpers/chromium.ts';
import { recordOutput } from '../helpers/output.ts';
import { waitFor } from '../helpers/wait.ts';

// The page as `doms demo --rate N` serves it: the saga started the way the demo starts it, and its load generator
// driving orders through, while the page's live panel follows from GET /stats.
describe('the live panel of the web page, in headless Chromium, during a load on the embedded saga', () => {
  let saga: EmbeddedSaga | undefined;
  let base = '';
  let userDataDir: string | undefined;
  let browser: BrowserContext | undefined;

  beforeAll(async () => {
    saga = await demoAdapters(recordOutput().note).startSaga({ port: 0, failureRate: 0.3, quiet: true });
    base = `http://127.0.0.1:${saga.apiPort}`;
    userDataDir = await mkdtemp(join(tmpdir(), 'doms-chromium-'));
    browser = await launchChromium(userDataDir);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await saga?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  });

  /** A figure's number (its data-value), or undefined while it has none. */
  const valueOf = async (page: Page, id: string): Promise<number | undefined> => {
    const v = await page.getAttribute(`#${id}`, 'data-value');
    return v === null || v === '' ? undefined : Number(v);
  };

  it('says idle with nothing going on, then shows throughput, outcomes and latency of a load as it runs, without a reload', async () => {
    const page = await browser!.newPage();
    const problems: string[] = [];
    const stats: string[] = [];
    let loads = 0;
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('load', () => loads++);
    page.on('request', (r) => {
      if (r.url().includes('/stats')) stats.push(new URL(r.url()).search);
    });
    await page.goto(base);
    await page.waitForSelector('#panel-state[data-state="idle"]', { timeout: 20_000 });
    expect(await page.textContent('#panel-state')).toContain('idle');
    expect(await valueOf(page, 'fig-created')).toBe(0);
    expect(await page.textContent('#fig-p50')).toBe('–');
    await page.evaluate('window.__sameDocument = true');

    // 60 orders/s for 6 s; the products are few, so some run out of stock: every outcome shows.
    const config = loadConfig({ target: base, rate: 60, durationMs: 6000, users: 20, products: 8, stock: 40, seed: randomUUID(), connections: 8 });
    let result: LoadResult | undefined;
    const load = saga!.runLoad(config, {}).then((r) => (result = r));

    await page.waitForSelector('#panel-state[data-state="live"]', { timeout: 20_000 });
    const figures = await waitFor(
      async () => {
        const [created, completed, p50, p99, confirmed, rejected, cancelled] = await Promise.all(
          ['fig-created', 'fig-completed', 'fig-p50', 'fig-p99', 'out-CONFIRMED', 'out-REJECTED', 'out-CANCELLED'].map((id) => valueOf(page, id)),
        );
        const all = { created, completed, p50, p99, confirmed, rejected, cancelled };
        // The rates are over a window that starts idle: they climb towards the load's 60/s as it runs.
        return Object.values(all).every((v) => v !== undefined && v > 0) && created! > 10 && completed! > 10 && all;
      },
      { timeout: 20_000, interval: 250, what: 'every figure of the panel above zero, and over 10 orders/s created and completed' },
    );
    expect(figures.p99!).toBeGreaterThanOrEqual(figures.p50!);
    expect(await page.textContent('#fig-p50')).toMatch(/^\d+(\.\d+)? (ms|s)$/);
    expect(await page.textContent('#out-CONFIRMED')).toMatch(/^\d+ · \d+%$/);
    expect(await page.locator('#chart-throughput polyline.created').count()).toBeGreaterThan(0);
    expect(await page.locator('#chart-latency polyline.p99').count()).toBeGreaterThan(0);
    expect(await page.textContent('#chart-throughput-max')).toMatch(/^\d+\/s$/);
    await page.screenshot({ path: join(ARTIFACTS, 'live-panel.png') });

    await load;
    // The panel's count is the service's: every outcome the generator saw is there (within the panel's minute).
    const c = result!.counts;
    await waitFor(
      async () =>
        (await valueOf(page, 'out-CONFIRMED')) === c.confirmed &&
        (await valueOf(page, 'out-REJECTED')) === c.rejected &&
        (await valueOf(page, 'out-CANCELLED')) === c.cancelled,
      { timeout: 10_000, interval: 250, what: `the panel's outcomes to match the load's ${JSON.stringify(c)}` },
    );
    await page.screenshot({ path: join(ARTIFACTS, 'live-panel-after.png'), fullPage: true });

    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    expect(loads).toBe(1);
    // The whole minute once, then the last seconds each time.
    expect(stats[0]).toBe('?window=60s');
    expect(stats.slice(1).filter((q) => q === '?window=5s').length).toBeGreaterThan(3);
    expect(problems).toEqual([]);
    await page.close();
  });
});
