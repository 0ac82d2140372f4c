/**
 * Headless Chromium for the report: its test opens the page as a person would, and `npm run simulate` can
 * take the screenshot the README shows. Debian's `chromium`, driven by playwright-core (no browser download).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface OpenBrowser {
  /** The persistent context on the fresh profile (playwright's way to pass `--user-data-dir`). */
  context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium with a fresh profile (`--user-data-dir`), no network side traffic, and no sandbox (containers run as root). */
export async function launchChromium(): Promise<OpenBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'odcr-report-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1200, height: 1100 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A PNG of the report's top (summary and charts) at a readable width. */
export async function screenshotReport(html: string, path: string): Promise<void> {
  const { context, close } = await launchChromium();
  try {
    const page = await context.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    await page.screenshot({ path, fullPage: false });
  } finally {
    await close();
  }
}
