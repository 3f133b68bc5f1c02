import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportHtml } from '../../src/loadgen/report-html.ts';
import { parseThreshold } from '../../src/loadgen/thresholds.ts';
import { resultOf } from '../helpers/load-results.ts';
import { ARTIFACTS, launchChromium } from '../helpers/chromium.ts';

const EVIL = '</script><script>window.__injected = true</script>';

/** A synthetic run: 40 s at 100/s, latency climbing and falling, some of every outcome, lag per service, a hostile seed. */
async function writeReport(dir: string): Promise<string> {
  const result = resultOf(
    { rate: 100, durationMs: 40_000, timeoutMs: 1000, thresholds: [parseThreshold('saga.p99<500ms'), parseThreshold('confirmed>90%')] },
    { confirmed: 3400, rejected: 300, cancelled: 200, httpErrors: 60, timeouts: 40 },
    {
      config: { target: 'http://localhost:8081', rate: 100, durationMs: 40_000, seed: EVIL, items: { min: 1, max: 3 }, thresholds: ['saga.p99<500ms'] },
      // n is the order's number: a slow wave over the run with a spread within each second.
      sagaMs: (n) => 40 + 120 * Math.sin((n / 4000) * Math.PI) ** 2 + (n % 37) * 3,
      lagSeries: Array.from({ length: 42 }, (_, second) => ({
        second,
        lag: { order: Math.round(20 * Math.sin(second / 6) ** 2), inventory: second % 7, payment: Math.max(0, 30 - Math.abs(second - 20) * 2) },
      })),
    },
  );
  result.startedAt = '2026-11-25T18:00:00.000Z';
  const require = createRequire(import.meta.url);
  const library = {
    js: await readFile(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: await readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  const machine = { hostname: 'test-host', cpu: 'Test CPU @ 3.0GHz', cores: 2, memoryBytes: 8 * 1024 ** 3, node: process.version, os: 'Linux' };
  const file = join(dir, 'run.html');
  await writeFile(file, reportHtml(result, machine, library));
  return file;
}

describe('the load report, in headless Chromium', () => {
  let dir: string | undefined;
  let browser: BrowserContext | undefined;
  let url = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'doms-report-'));
    url = pathToFileURL(await writeReport(dir)).href;
    browser = await // Offline: the page must need nothing from the network.
    launchChromium(join(dir, 'profile'), { offline: true });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(viewport?: { width: number; height: number }) {
    const page = await browser!.newPage();
    if (viewport) await page.setViewportSize(viewport);
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(url);
    await page.waitForSelector('#chart-lag .uplot canvas');
    return { page, requests, problems };
  }

  /** Each chart's canvas size, by chart container. */
  const canvases = (page: Awaited<ReturnType<typeof open>>['page']) =>
    page.$$eval('.chart', (charts) =>
      charts.map((c) => {
        const canvas = c.querySelector('.uplot canvas');
        return { id: c.id, width: canvas?.getBoundingClientRect().width ?? 0, height: canvas?.getBoundingClientRect().height ?? 0 };
      }),
    );

  it('draws every chart, offline, with no errors, and keeps a hostile config value inert', async () => {
    const { page, requests, problems } = await open();
    const drawn = await canvases(page);
    expect(drawn.map((c) => c.id)).toEqual(['chart-throughput', 'chart-latency', 'chart-histogram-saga', 'chart-histogram-http', 'chart-lag']);
    for (const c of drawn) {
      expect(c.width, c.id).toBeGreaterThan(0);
      expect(c.height, c.id).toBeGreaterThan(0);
    }
    expect(await page.title()).toBe('doms load — 2026-11-25 18:00:00 UTC — 100/s');
    expect(await page.evaluate('window.__injected')).toBeUndefined();
    expect(await page.locator('#configuration td', { hasText: EVIL }).count()).toBe(1);
    expect(await page.locator('#thresholds td.fail').count()).toBe(1);
    expect(await page.locator('#thresholds td.pass').count()).toBe(1);
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'load-report.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('reads at a narrow width: charts fit the screen, nothing wider than it', async () => {
    const { page, problems } = await open({ width: 375, height: 800 });
    for (const c of await canvases(page)) {
      expect(c.width, c.id).toBeGreaterThan(0);
      expect(c.width, c.id).toBeLessThanOrEqual(375);
    }
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'load-report-narrow.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });
});
