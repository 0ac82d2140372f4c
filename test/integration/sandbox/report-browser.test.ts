import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO } from '#sandbox/main.ts';
import { CHROMIUM_PATH, launchChromium, type OpenBrowser } from '#sandbox/report/browser.ts';
import { renderHtmlReport } from '#sandbox/report/html.ts';
import type { SimulationResult } from '#sandbox/result.ts';
import { runSandbox } from '#sandbox/runner.ts';
import { loadScenarioFile } from '#sandbox/scenario.ts';

// Chromium is optional on a developer's machine (Node and npm are all `npm test` needs); CI installs it and
// requires this test, so a missing browser there fails instead of skipping.
const chromiumPresent = existsSync(CHROMIUM_PATH);
const runBrowserTest = chromiumPresent || process.env.CI === 'true';
if (!runBrowserTest) {
  console.warn(
    `report-browser test NOT RUN: no Chromium at ${CHROMIUM_PATH}. Install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH to run it; CI requires it.`,
  );
}

let result: SimulationResult;
let chromium: OpenBrowser;

beforeAll(async () => {
  if (!runBrowserTest) return;
  // Monday of the default week: a session, the reclaim before it and the lend-back after it.
  result = await runSandbox({ scenario: loadScenarioFile(DEFAULT_SCENARIO), days: 1 });
  chromium = await launchChromium();
}, 120_000);

afterAll(async () => {
  await chromium?.close();
});

describe.skipIf(!runBrowserTest)(
  'the HTML report in headless Chromium (skipped without Chromium outside CI)',
  () => {
    it('draws a chart per reservation with data points and the sessions shaded, without touching the network', async () => {
      const page = await chromium.context.newPage();
      const requests: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      await page.setContent(renderHtmlReport(result), { waitUntil: 'load' });

      const charts = page.locator('svg[data-reservation]');
      expect(await charts.count()).toBe(result.reservations.length);

      const trading = page.locator('svg[data-reservation="cr-0123456789abcdef0"]');
      const lent = trading.locator('path[data-series="lent"]');
      expect(Number(await lent.getAttribute('data-points'))).toBeGreaterThan(4);
      // The path really renders: the browser measures a non-empty line with a real length.
      // (The tsconfig has no DOM lib: these callbacks run in the page, typed by hand.)
      const length = await lent.evaluate((path) =>
        (path as unknown as { getTotalLength(): number }).getTotalLength(),
      );
      expect(length).toBeGreaterThan(100);

      const sessions = trading.locator('rect.session');
      expect(await sessions.count()).toBe(1);
      const box = await sessions.first().boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(10);
      expect(box?.height ?? 0).toBeGreaterThan(50);
      const fill = await sessions
        .first()
        .evaluate(
          (rect) =>
            (
              globalThis as unknown as { getComputedStyle(element: unknown): { fill: string } }
            ).getComputedStyle(rect).fill,
        );
      expect(fill).not.toBe('none');

      expect(await trading.locator('circle.completion').count()).toBeGreaterThanOrEqual(2);
      expect(await page.locator('.card').count()).toBeGreaterThanOrEqual(6);
      expect(requests.filter((url) => !url.startsWith('about:') && !url.startsWith('data:'))).toEqual([]);
      await page.close();
    });
  },
);
