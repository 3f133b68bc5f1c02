import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/infra/log.ts';
import { SERVICE_NAMES, startServices } from '../../src/services/registry.ts';
import type { RunningService } from '../../src/services/service.ts';
import { createEmbedded, type Embedded } from '../../src/wiring/embedded.ts';
import { ARTIFACTS, launchChromium } from '../helpers/chromium.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// The page as `doms demo` serves it: the four services on the embedded stand-ins, in this process. Payments take a
// while, so an order is seen CREATED or RESERVED first and CONFIRMED later, on the same page.
describe('the web page, in headless Chromium, on the embedded saga', () => {
  let embedded: Embedded | undefined;
  let services: RunningService[] = [];
  let base: string;
  let userDataDir: string | undefined;
  let browser: BrowserContext | undefined;
  const [stocked1, stocked2, unstocked] = [randomUUID(), randomUUID(), randomUUID()];
  let userId = '';

  beforeAll(async () => {
    embedded = await createEmbedded(silentLogger);
    services = await startServices(SERVICE_NAMES, embedded, { port: 0, host: '127.0.0.1', defaultStock: null, failureRate: 0, latencyMs: 700 });
    base = `http://127.0.0.1:${services.find((s) => s.name === 'order')!.port}`;
    await embedded.stock.seed({ [stocked1]: 100, [stocked2]: 100 });
    userDataDir = await mkdtemp(join(tmpdir(), 'doms-chromium-'));
    browser = await launchChromium(userDataDir);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    for (const s of [...services].reverse()) await s.stop().catch(() => {});
    await embedded?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  });

  /** A new tab on the page, recording what it asks for and what goes wrong in it (a CSP violation is a console error). */
  async function open(path = '/', viewport?: { width: number; height: number }) {
    const page = await browser!.newPage();
    if (viewport) await page.setViewportSize(viewport);
    const requests: string[] = [];
    const problems: string[] = [];
    let loads = 0;
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('load', () => loads++);
    await page.goto(base + path);
    await page.waitForSelector('#item-rows .item-row');
    return { page, requests, problems, loads: () => loads };
  }

  // Waits are selectors, not functions: the page's CSP forbids the eval that waitForFunction('…') needs.
  const textIn = (page: Page, selector: string, text: string | RegExp) => page.locator(selector, { hasText: text }).waitFor({ timeout: 20_000 });
  const rows = (page: Page, n: number) =>
    page
      .locator('#orders-body tr')
      .nth(n - 1)
      .waitFor({ timeout: 20_000 });

  const rowStatus = (page: Page, id: string) => page.getAttribute(`#orders-body tr[data-id="${id}"]`, 'data-status');

  it('places an order from the form and shows it reach CONFIRMED, with its timeline, without a reload', async () => {
    const { page, requests, problems, loads } = await open();
    userId = await page.inputValue('#userId');
    expect(userId).toMatch(UUID);

    await page.fill('#product-1', stocked1);
    await page.fill('#quantity-1', '2');
    await page.fill('#product-2', stocked2);
    await page.fill('#quantity-2', '1');
    await page.fill('#amount', '25.50');
    // Gone if the page were loaded again.
    await page.evaluate('window.__sameDocument = true');
    await page.click('#place');

    await textIn(page, '#form-result', 'placed');
    const id = (await page.getAttribute('#orders-body tr:first-child', 'data-id'))!;
    expect(id).toMatch(UUID);
    expect(await page.textContent('#form-result')).toContain(id.slice(0, 8));
    // Straight from the POST's answer: not settled yet (the payment alone takes 700 ms).
    expect(['CREATED', 'RESERVED']).toContain(await rowStatus(page, id));
    expect(await page.textContent('#live')).toContain('under way');
    await page.screenshot({ path: join(ARTIFACTS, 'web-page-live.png') });

    await page.waitForSelector(`#orders-body tr[data-id="${id}"][data-status="CONFIRMED"]`, { timeout: 20_000 });
    const row = page.locator(`#orders-body tr[data-id="${id}"]`);
    expect(await row.locator('td.status .badge').textContent()).toBe('CONFIRMED');
    expect(await row.locator('.timeline .badge').allTextContents()).toEqual(['CREATED', 'RESERVED', 'CONFIRMED']);
    expect(await row.locator('td.num').textContent()).toBe('25.50');
    expect(await page.textContent('#orders-user')).toBe(userId);

    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    expect(loads()).toBe(1);
    expect(
      requests.some((u) => u.includes(`/orders/${id}?wait=`)),
      'followed by long-poll',
    ).toBe(true);
    expect(
      requests.filter((u) => !u.startsWith(`${base}/`)),
      'nothing from elsewhere',
    ).toEqual([]);
    await textIn(page, '#live', 'settled');

    // One more, without stock: REJECTED, on the same page.
    await page.fill('#product-1', unstocked);
    await page.fill('#product-2', stocked2);
    await page.fill('#amount', '9.99');
    await page.click('#place');
    await rows(page, 2);
    const rejected = (await page.getAttribute('#orders-body tr:first-child', 'data-id'))!;
    await page.waitForSelector(`#orders-body tr[data-id="${rejected}"][data-status="REJECTED"]`, { timeout: 20_000 });
    await textIn(page, '#live', 'settled');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    expect(loads()).toBe(1);

    await page.screenshot({ path: join(ARTIFACTS, 'web-page-orders.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows the API's error next to the field for a bad form, and places nothing", async () => {
    const { page, problems } = await open();
    await page.fill('#product-1', stocked1);
    await page.fill('#product-2', stocked2);
    const posts: number[] = [];
    page.on('response', (r) => {
      if (r.request().method() === 'POST') posts.push(r.status());
    });

    await page.fill('#amount', '-5');
    await page.click('#place');
    await page.waitForSelector('#amount-error:not([hidden])');
    expect(await page.textContent('#amount-error')).toBe('must not be negative');
    expect(await page.getAttribute('#amount', 'aria-invalid')).toBe('true');
    expect(await page.isVisible('#form-error')).toBe(true);
    expect(await page.textContent('#form-error')).toContain('amount: must not be negative');
    expect(await page.textContent('#form-error')).toContain('HTTP 400');
    await page.screenshot({ path: join(ARTIFACTS, 'web-page-error.png'), fullPage: true });

    // Empty this time, with a quantity of 0 in the second row: both named, each where it belongs.
    await page.fill('#amount', '');
    await page.fill('#quantity-2', '0');
    await page.click('#place');
    await textIn(page, '#amount-error', /^is required$/);
    const secondRowError = page.locator('#item-rows .item-row:nth-child(2) .field-error');
    expect(await secondRowError.textContent()).toBe('quantity must be at least 1');
    expect(await page.getAttribute('#quantity-2', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#quantity-1', 'aria-invalid')).toBeNull();

    // Put right, it goes through and the errors go away.
    await page.fill('#amount', '10');
    await page.fill('#quantity-2', '1');
    await page.click('#place');
    await textIn(page, '#form-result', 'placed');
    expect(await page.isHidden('#form-error')).toBe(true);
    expect(await page.isHidden('#amount-error')).toBe(true);
    expect(posts).toEqual([400, 400, 200]);
    expect(problems.filter((p) => !p.includes('400 (Bad Request)'))).toEqual([]);
    await page.close();
  });

  it('reads at a narrow width: the orders as cards, nothing wider than the screen', async () => {
    expect(userId, 'the first test ran').toMatch(UUID);
    const { page, problems } = await open(`/#user=${userId}`, { width: 375, height: 800 });
    expect(await page.inputValue('#userId')).toBe(userId);
    await rows(page, 2);
    expect(await page.locator('#orders-body tr').count()).toBe(2);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    expect(await page.isHidden('thead')).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'web-page-narrow.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });
});
