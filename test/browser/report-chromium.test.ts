import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processFiles } from '../../src/cli/process-files.js';
import { generateBundles } from '../../src/tools/generate/bundles.js';
import { writeBundles } from '../../src/tools/generate/write-bundles.js';
import { writeReport } from '../../src/tools/report/write-report.js';
import { type Harness, startHarness } from '../helpers/harness.js';

/**
 * Opens the report in a real headless Chromium (Debian's `chromium`, installed by .ci/run) and checks
 * that every chart rendered marks, then saves a screenshot (docs/report.png, used by the README).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) {
  throw new Error(`${CHROMIUM} is missing: CI must install it (apt-get install -y chromium)`);
}
if (!haveChromium) {
  console.warn(`skipping the report browser test: ${CHROMIUM} not found (apt-get install -y chromium)`);
}

describe.skipIf(!haveChromium)('report in headless Chromium', () => {
  let h: Harness;
  let browser: BrowserContext;
  let reportFile: string;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-chromium-'));

  beforeAll(async () => {
    h = await startHarness();
    // The demo's data set: the screenshot shows what `npm run demo` writes.
    const bundles = [...generateBundles()];
    await writeBundles(bundles, `s3://${h.bucket}/`, h.s3.client);
    await processFiles(h.rt, [`s3://${h.bucket}/section/`]);
    reportFile = path.join(profile, 'report.html');
    await writeReport(h.rt.engine.client, reportFile, { source: 'sample data from xapi-etl generate' });
    // A new, empty profile directory (playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(path.join(profile, 'user-data'), {
      executablePath: CHROMIUM,
      viewport: { width: 1100, height: 900 },
      headless: true,
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
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
    fs.rmSync(profile, { recursive: true, force: true });
  });

  it('renders every chart with marks, needs no network, and saves a screenshot', async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(`file://${reportFile}`);
    const charts = await page.$$eval('section.chart', (sections) =>
      sections.map((s) => {
        const svg = s.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          id: s.getAttribute('data-chart'),
          // Vega draws data as paths/rects inside groups with role-mark classes.
          marks: s.querySelectorAll(
            'svg .mark-line path, svg .mark-rect path, svg .mark-symbol path, svg .mark-text text',
          ).length,
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          text: s.querySelectorAll('svg text').length,
        };
      }),
    );
    expect(charts.map((c) => c.id)).toEqual(['retention', 'completion', 'activity', 'verbs', 'rejected']);
    for (const c of charts) {
      expect(c.marks, `${c.id} has marks`).toBeGreaterThan(0);
      expect(c.width, `${c.id} is visible`).toBeGreaterThan(200);
      expect(c.height).toBeGreaterThan(100);
      expect(c.text, `${c.id} has axis labels`).toBeGreaterThan(3);
    }
    // The retention chart has one line per video: 4 sections × 3 videos.
    const lines = await page.$$eval('#retention svg .mark-line path', (p) => p.length);
    expect(lines).toBe(12);
    expect(requests).toEqual([]);

    const shot = path.join(profile, 'report.png');
    await page.screenshot({ path: shot, fullPage: false });
    expect(fs.statSync(shot).size).toBeGreaterThan(20_000);
    // The README's picture: refreshed only on request (tests never write into the work tree).
    const readmeShot = path.resolve('docs/report.png');
    if (process.env.XAPI_ETL_UPDATE_SCREENSHOT) {
      fs.mkdirSync(path.dirname(readmeShot), { recursive: true });
      fs.copyFileSync(shot, readmeShot);
    }
  });
});
