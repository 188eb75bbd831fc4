import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, launchBrowser, screenshot } from '../helpers/browser.js';
import { suiteDir } from '../helpers/db.js';
import { startProcess, type Started } from '../helpers/process.js';
import { chartsOf, plotted } from '../helpers/release-page.js';

/** A researcher with no account, in a real browser, against a gateway started as `npm start` starts it. */
describe('the public data portal', () => {
  let dir: ReturnType<typeof suiteDir>;
  let gateway: Started;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  const external: string[] = [];

  beforeAll(async () => {
    dir = suiteDir('cg-public-web-');
    const env = {
      PORT: '0',
      DATA_DIR: join(dir.path, 'data'),
      KEYS_DIR: join(dir.path, 'keys'),
      FIXTURES_DIR: join(dir.path, 'fixtures'),
      FIXTURE_PATIENTS: '250',
      FIXTURE_SEED: '3',
      // These pages are read as they are: the live demo feed stays off.
      DEMO_FEED_SECONDS: '0',
    };
    gateway = await startProcess(process.execPath, ['--import', 'tsx', 'src/entry/node.ts'], { env, ready: /Press Ctrl\+C to stop/, timeoutMs: 120_000 });
    base = /FHIR base\s+(\S+)/.exec(gateway.output())![1]!.replace(/\/fhir$/, '');
    browser = await launchBrowser();
    context = await browser.newContext({ bypassCSP: true, acceptDownloads: true });
    context.on('request', (r) => {
      if (!r.url().startsWith(base) && !r.url().startsWith('data:')) external.push(r.url());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    dir?.remove();
  });

  it('finds the latest release, sees its charts drawn, and downloads a CSV whose sha256 matches the data package', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/public`);
    expect(await page.locator('h1').count()).toBe(1);
    await screenshot(page, 'public-catalog');
    await page.getByRole('link', { name: /Latest release/ }).click();
    await page.waitForSelector('figure[data-chart="pmpm"][data-drawn="true"]');
    expect(await page.locator('h1').textContent()).toBe('Release v1');
    // The chart really drew: its canvas holds non-blank pixels.
    const inked = await page.evaluate(() => {
      const canvas = document.querySelector('figure[data-chart="pmpm"] canvas') as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(1000);
    await screenshot(page, 'public-release');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV', exact: true }).click()]);
    const csv = readFileSync((await download.path())!);
    const pkg = (await (await fetch(`${base}/public/datasets/v1/datapackage.json`)).json()) as { resources: { path: string; hash: string }[] };
    expect(`sha256:${createHash('sha256').update(csv).digest('hex')}`).toBe(pkg.resources.find((r) => r.path === 'metrics.csv')!.hash);
    expect(external).toEqual([]);
  });

  it('plots published figures in every chart, and says under each chart what it leaves out and why', async () => {
    const charts = chartsOf(await (await fetch(`${base}/public/releases/v1`)).text());
    for (const { id, spec } of charts) expect(plotted(spec).length, id).toBeGreaterThan(0);
    const page = await context.newPage();
    await page.goto(`${base}/public/releases/v1`);
    const note = page.locator('figure[data-chart="quality"] [data-not-plotted]').first();
    expect(await note.isVisible()).toBe(true);
    expect((await note.textContent())!.trim()).toMatch(
      /^Not plotted, (withheld for disclosure control|withheld to keep one health plan's share confidential|no one in the denominator): \S/,
    );
  });

  it('shows a suppressed cell as suppressed, with its reason on keyboard focus', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/public/releases/v1`);
    const cell = page.locator('.suppressed').first();
    await cell.focus();
    expect(await cell.locator('.why').isVisible()).toBe(true);
    expect(await cell.locator('.why').textContent()).toMatch(/Suppressed|Withheld/);
  });

  it('every page has one h1 and no serious accessibility violations (axe-core)', async () => {
    const page = await context.newPage();
    for (const [path, name] of [
      ['/public', 'catalog'],
      ['/public/releases/v1', 'release'],
      ['/public/releases/v1/methodology', 'methodology'],
      ['/public/privacy-budget', 'privacy-budget'],
    ] as const) {
      await page.goto(`${base}${path}`);
      expect(await page.locator('h1').count(), path).toBe(1);
      await expectAccessible(page);
      await screenshot(page, `public-${name}`);
    }
  });

  it('sends a CSP without inline scripts and the other security headers; an unknown release is a page, not a stack', async () => {
    const res = await fetch(`${base}/public/releases/v1`);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const missing = await fetch(`${base}/public/releases/v999`);
    expect(missing.status).toBe(404);
    const text = await missing.text();
    expect(text).toContain('<h1>Not found</h1>');
    expect(text).not.toMatch(/at .*\.ts:\d+/);
  });
});
