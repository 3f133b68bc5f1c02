import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/infra/log.ts';
import { traceOrder } from '../../src/saga/trace/collect.ts';
import type { OrderTrace } from '../../src/saga/trace/model.ts';
import { SERVICE_NAMES, startServices } from '../../src/services/registry.ts';
import type { RunningService } from '../../src/services/service.ts';
import { createEmbedded, type Embedded } from '../../src/wiring/embedded.ts';
import { embeddedTraceSources } from '../../src/wiring/embedded-trace.ts';
import { ARTIFACTS, launchChromium } from '../helpers/chromium.ts';
import { waitFor } from '../helpers/wait.ts';

// The order list links each order to its trace (GET /orders/<id>/trace, the view of `doms trace`), on the saga as
// `doms demo` runs it: the four services on the embedded stand-ins, in this process.
describe("the web page's trace links, in headless Chromium", () => {
  let embedded: Embedded | undefined;
  let services: RunningService[] = [];
  let base = '';
  let userDataDir: string | undefined;
  let browser: BrowserContext | undefined;
  const user = randomUUID();
  const product = randomUUID();
  let orderId = '';

  beforeAll(async () => {
    embedded = await createEmbedded(silentLogger);
    const sources = embeddedTraceSources(embedded);
    services = await startServices(SERVICE_NAMES, embedded, {
      port: 0,
      host: '127.0.0.1',
      defaultStock: null,
      failureRate: 0,
      latencyMs: 5,
      traceOrder: (id) => traceOrder(sources, id, { settleMs: 30_000, skewMs: 5_000, ledgerTtlMs: 0 }),
    });
    base = `http://127.0.0.1:${services.find((s) => s.name === 'order')!.port}`;
    await embedded.stock.seed({ [product]: 10 });
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
    for (const s of [...services].reverse()) await s.stop().catch(() => {});
    await embedded?.close();
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
