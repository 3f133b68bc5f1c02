import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderTrace } from '../../src/saga/trace/model.ts';
import { ARTIFACTS, launchChromium } from '../helpers/chromium.ts';
import { startEmbeddedSaga, type EmbeddedSaga } from '../helpers/embedded-saga.ts';
import { waitFor } from '../helpers/wait.ts';

// The order list links each order to its trace (GET /orders/<id>/trace, the view of `doms trace`), on the saga as
// `doms demo` runs it: the four services on the embedded stand-ins, in this process.
describe("the web page's trace links, in headless Chromium", () => {
  let saga: EmbeddedSaga | undefined;
  let base = '';
  let userDataDir: string | undefined;
  let browser: BrowserContext | undefined;
  const user = randomUUID();
  const product = randomUUID();
  let orderId = '';

  beforeAll(async () => {
    saga = await startEmbeddedSaga({ latencyMs: 5 });
    base = saga.base;
    await saga.embedded.stock.seed({ [product]: 10 });
    const res = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId: user, amount: 7, items: { [product]: 1 } }),
    });
    orderId = ((await res.json()) as { id: string }).id;
    // Finished, notification and sale included.
    await waitFor(async () => ((await (await fetch(`${base}/orders/${orderId}/trace`)).json()) as OrderTrace).verdict.state === 'passed', {
      what: 'the order to finish',
    });
    userDataDir = await mkdtemp(join(tmpdir(), 'doms-chromium-'));
    browser = await launchChromium(userDataDir);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await saga?.stop();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  });

  it("links each order of the list to its trace, and shows the trace's steps and verdict under the row", async () => {
    const page = await browser!.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${base}/#user=${user}`);
    const row = page.locator(`#orders-body tr[data-id="${orderId}"]`);
    await row.waitFor({ timeout: 20_000 });
    await page.locator('#live', { hasText: 'settled' }).waitFor({ timeout: 20_000 });
    const link = row.locator('a.trace-link');
    expect(await link.getAttribute('href')).toBe(`/orders/${orderId}/trace`);

    await link.click();
    const shown = page.locator(`#orders-body tr.trace-row[data-trace-of="${orderId}"]`);
    await shown.locator('.verdict').waitFor({ timeout: 20_000 });
    expect(await shown.locator('.verdict').textContent()).toBe('Verdict: passed (CONFIRMED)');
    expect(await shown.locator('.trace-events code').allTextContents()).toEqual(['order.created', 'inventory.reserved', 'payment.success']);
    expect(await shown.locator('.trace-checks li').count()).toBe(7);
    expect(await link.getAttribute('aria-expanded')).toBe('true');
    await page.screenshot({ path: join(ARTIFACTS, 'web-page-trace.png'), fullPage: true });

    // The same link hides it again.
    await link.click();
    expect(await page.locator('#orders-body tr.trace-row').count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });
});
