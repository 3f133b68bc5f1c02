import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** The system's Chromium (Debian's package): .ci/run installs it when it is missing. */
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Screenshots, to look at: not checked in (.gitignore). */
export const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');

/**
 * Headless Chromium with a profile of its own in `userDataDir`, 1280×860, times in UTC and en-GB (so
 * screenshots compare); fails with the install command when Chromium is missing.
 */
export async function launchChromium(userDataDir: string, options: { offline?: boolean } = {}): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does it)`);
  await mkdir(ARTIFACTS, { recursive: true });
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 860 },
    locale: 'en-GB',
    timezoneId: 'UTC',
    ...options,
  });
}
