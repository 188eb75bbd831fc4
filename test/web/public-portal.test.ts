import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPageAtBothWidths, expectKeyboardReachable, launchBrowser, noScriptContext, screenshot } from '../helpers/browser.js';
import { suiteDir } from '../helpers/db.js';
import { startProcess, type Started } from '../helpers/process.js';
import { chartsOf, plotted } from '../helpers/release-page.js';

type Marker = { x: number; y: number; w: number; h: number; dataset: number; index: number };

/** The withheld markers the chart script drew on one chart's canvas, in canvas pixels. */
const markersOf = (page: Page, id: string) =>
  page.evaluate((id) => (document.querySelector(`figure[data-chart="${id}"] canvas`) as unknown as { withheldMarkers?: Marker[] }).withheldMarkers ?? [], id);
const markersOfAll = async (page: Page) =>
  (await Promise.all(['pmpm', 'quality', 'utilization'].map(async (chart) => (await markersOf(page, chart)).map((m) => ({ ...m, chart }))))).flat();

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
    // A second release, with differential privacy (v1 already published these years exactly), to
    // compare with the first and to show intervals. Not blocking the event loop (see portal.test.ts).
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/publish.ts', '--epsilon', '1'], {
      env: { ...process.env, ...env, PUBLIC_BASE_URL: base },
    });
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
    // v2: the noisy release this suite publishes after start-up.
    expect(await page.locator('h1').textContent()).toBe('Release v2');
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
    const pkg = (await (await fetch(`${base}/public/datasets/v2/datapackage.json`)).json()) as { resources: { path: string; hash: string }[] };
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
    expect((await cell.textContent())!).toMatch(/^withheld: (for disclosure control|to keep one health plan's share confidential)/);
  });

  it('draws each withheld value as a marker of one fixed size where it would be, naming its reason when pointed at', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/public/releases/v1`);
    await page.waitForSelector('figure[data-chart="utilization"][data-drawn="true"]');
    let total = 0;
    // The page as served: the script marks each figure drawn, which the served HTML is not.
    for (const { id, spec } of chartsOf(await (await fetch(`${base}/public/releases/v1`)).text())) {
      const markers = await markersOf(page, id);
      const expected = spec.datasets.flatMap((d, di) => (d.withheld ?? []).flatMap((w, i) => (w === null ? [] : [{ dataset: di, index: i }])));
      expect(
        markers.map((m) => ({ dataset: m.dataset, index: m.index })),
        id,
      ).toEqual(expected);
      // The attack on the drawn geometry: a marker whose size or height followed the value would
      // differ from the others. Every one is the same square; outside a stack, they share one line.
      for (const m of markers) expect([m.w, m.h], id).toEqual([14, 14]);
      if (!spec.stacked && spec.type === 'bar') expect(new Set(markers.map((m) => m.y)).size, id).toBeLessThanOrEqual(1);
      total += markers.length;
    }
    expect(total).toBeGreaterThan(0);
    const [first] = [...(await markersOfAll(page))];
    const box = (await page.locator(`figure[data-chart="${first!.chart}"] canvas`).boundingBox())!;
    await page.mouse.move(box.x + first!.x + 7, box.y + first!.y + 7);
    expect(await page.locator(`figure[data-chart="${first!.chart}"] canvas`).getAttribute('title')).toMatch(/: withheld (for|to) /);
    await screenshot(page, 'public-release-markers');
  });

  it('attack: nothing about a withheld value is in the chart data: no number, no interval, only its reason', async () => {
    for (const release of ['v1', 'v2']) {
      for (const { id, spec } of chartsOf(await (await fetch(`${base}/public/releases/${release}`)).text())) {
        for (const d of spec.datasets)
          (d.withheld ?? []).forEach((w, i) => {
            if (w === null) return;
            expect(d.data[i], `${release} ${id} ${d.label}`).toBeNull();
            expect(d.intervals?.[i] ?? null).toBeNull();
          });
      }
    }
  });

  it('a noisy release gives each figure its 95% interval, says what it means, and draws it as error bars', async () => {
    const text = await (await fetch(`${base}/public/releases/v2`)).text();
    expect(text).toMatch(/is its 95% interval: with the noise this release added, the exact figure lies in that range 95 times in 100/);
    expect(text).toMatch(/\(95%: [\d,.]+–[\d,.]+\)/);
    expect(text).toContain('A stacked part has no error bar: its 95% interval is in the table below.');
    const quality = chartsOf(text).find((c) => c.id === 'quality')!.spec;
    const bars = quality.datasets.flatMap((d) => (d.intervals ?? []).filter((iv) => iv !== null));
    expect(bars.length).toBeGreaterThan(0);
    quality.datasets.forEach((d) => d.intervals?.forEach((iv, i) => iv && expect(iv[0]).toBeLessThanOrEqual(d.data[i]!)));
    const methodology = await (await fetch(`${base}/public/releases/v2/methodology`)).text();
    expect(methodology).toMatch(/cost no privacy/);
  });

  it('reads the data dictionary of a release as a page, linked from the release', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/public/releases/v1`);
    await page.getByRole('link', { name: 'Data dictionary', exact: true }).click();
    await page.waitForURL(`${base}/public/releases/v1/dictionary`);
    expect(await page.locator('h1').textContent()).toBe('Data dictionary of release v1');
    const csv = await (await fetch(`${base}/public/datasets/v1/dictionary.csv`)).text();
    const lines = csv.trim().split(/\r\n/).length - 1;
    expect(await page.locator('table.dictionary tbody tr').count()).toBe(lines);
    expect(await page.locator('table.dictionary', { hasText: 'paid_pmpm' }).count()).toBeGreaterThan(0);
    expect((await fetch(`${base}/public/releases/v999/dictionary`)).status).toBe(404);
  });

  it('compares two releases without JavaScript: values and change where both published, the reason and no change where either withheld', async () => {
    const noJs = await noScriptContext(browser);
    const page = await noJs.newPage();
    await page.goto(`${base}/public/compare`);
    await page.locator('#a').selectOption('v1');
    await page.locator('#b').selectOption('v2');
    await page.locator('#table').selectOption('total');
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.waitForURL(/\/public\/compare\?a=v1&b=v2&table=total/);
    const rows = await page
      .locator('table.compare tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td.num')].map((td) => (td.firstChild?.textContent ?? td.textContent ?? '').trim())));
    expect(rows.length).toBeGreaterThan(10);
    let both = 0;
    let withheldInOne = 0;
    for (const [a, b, change] of rows) {
      const published = (x: string) => /^[\d,.-]+/.test(x);
      if (published(a!) && published(b!)) {
        both++;
        expect(change).toMatch(/^[+-]?[\d,.]+$/);
      } else {
        // The differencing attack: no change, nor any other figure, for a cell withheld on either side.
        expect(change).toBe('–');
        if (a!.startsWith('withheld') || b!.startsWith('withheld')) withheldInOne++;
      }
    }
    expect(both).toBeGreaterThan(0);
    expect(withheldInOne + both).toBeGreaterThan(0);
    await noJs.close();
  });

  it('refuses an unknown or malformed release id with a message next to the field, 400, no stack', async () => {
    for (const [query, field] of [
      ['a=v999&b=v1', 'a'],
      ['a=v1&b=%3Cscript%3E', 'b'],
      ['a=v1&b=v2&table=people', 'table'],
    ] as const) {
      const res = await fetch(`${base}/public/compare?${query}`);
      expect(res.status, query).toBe(400);
      const text = await res.text();
      expect(text).toContain(`id="${field}-error"`);
      expect(text).toMatch(new RegExp(`id="${field}"[^>]*aria-invalid="true"`));
      expect(text).not.toContain('<script>');
      expect(text).not.toMatch(/at .*\.ts:\d+/);
    }
  });

  // [path, screenshot name, status]: every public page, the refusals and the development receiver included.
  const PAGES = [
    ['/public', 'catalog', 200],
    ['/public/releases/v1', 'release', 200],
    ['/public/releases/v2', 'release-noisy', 200],
    ['/public/releases/v1/methodology', 'methodology', 200],
    ['/public/releases/v1/dictionary', 'dictionary', 200],
    ['/public/compare', 'compare-form', 200],
    ['/public/compare?a=v1&b=v2&table=segment', 'compare', 200],
    ['/public/compare?a=v999&b=v2', 'compare-refused', 400],
    ['/public/privacy-budget', 'privacy-budget', 200],
    ['/public/releases/v999', 'not-found', 404],
    ['/public/no-such-page', 'not-found-page', 404],
    ['/dev/receiver', 'dev-receiver', 200],
  ] as const;

  it.each(PAGES)(
    '%s works at 375 px and 1280 px, by keyboard alone, and without JavaScript',
    async (path, name, status) => {
      const page = await context.newPage();
      const res = await page.goto(`${base}${path}`);
      expect(res!.status()).toBe(status);
      expect(await page.locator('h1').count()).toBe(1);
      await checkPageAtBothWidths(page, `public-${name}`);
      await expectKeyboardReachable(page, 3000);
      // Without JavaScript: the same heading and every table (a chart's table is its no-script form).
      const noJs = await noScriptContext(browser);
      const plain = await noJs.newPage();
      const bare = await plain.goto(`${base}${path}`);
      expect(bare!.status()).toBe(status);
      expect(await plain.locator('h1').textContent()).toBe(await page.locator('h1').textContent());
      expect(await plain.locator('table').count()).toBe(await page.locator('table').count());
      expect(await plain.locator('figure[data-drawn]').count()).toBe(0);
      await noJs.close();
      await page.close();
    },
    120_000,
  );

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
