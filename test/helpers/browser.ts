import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Debian's Chromium (the project installs it: scripts/ensure-chromium.sh); Playwright's own download does not work here. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless Chromium with the flags this closed network needs: without them Chromium keeps
 * trying to reach Google's services and fills the log with refused connections.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const ARTIFACTS = join(process.cwd(), 'test', 'artifacts');

/**
 * Runs axe-core on the page and fails on any serious or critical violation. The page's CSP would
 * refuse the injected script, so the browser context for these checks is opened with bypassCSP
 * (the CSP itself is checked separately, from the response headers).
 */
export async function expectAccessible(page: Page): Promise<void> {
  await page.addScriptTag({ content: AXE });
  const result = (await page.evaluate(async () => (globalThis as unknown as { axe: { run: () => Promise<unknown> } }).axe.run())) as {
    violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
  };
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

/** Saves a full-page screenshot under test/artifacts/ (gitignored). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** A phone's width and a desktop's: every page is checked at both. */
export const WIDTHS = [
  { name: 'phone', width: 375, height: 812 },
  { name: 'desktop', width: 1280, height: 900 },
] as const;

/**
 * The checks every page must pass, at both widths: no serious or critical axe-core violation,
 * nothing wider than the screen (a table may scroll inside its own box, the page may not), and
 * a full-page screenshot `test/artifacts/<name>-<width>.png`. The viewport is restored after.
 * axe-core needs JavaScript: use a context with it on (check the no-script case for function,
 * with `noScriptContext`).
 */
export async function checkPageAtBothWidths(page: Page, name: string): Promise<void> {
  const before = page.viewportSize();
  for (const w of WIDTHS) {
    await page.setViewportSize({ width: w.width, height: w.height });
    const overflow = await page.evaluate(() => {
      const doc = document.documentElement;
      return { scroll: doc.scrollWidth, client: doc.clientWidth };
    });
    expect(overflow.scroll, `${name} at ${w.width}px is wider than the screen`).toBeLessThanOrEqual(overflow.client + 1);
    await expectAccessible(page);
    await screenshot(page, `${name}-${w.width}`);
  }
  if (before) await page.setViewportSize(before);
}

/**
 * Keyboard alone: pressing Tab from the top of the page reaches every visible link, button and
 * form field (none is skipped by a negative tabindex or hidden from focus), in at most `limit`
 * presses. Returns how many were reached.
 */
export async function expectKeyboardReachable(page: Page, limit = 400): Promise<number> {
  const wanted = await page.evaluate(() => {
    const all = [...document.querySelectorAll<HTMLElement>('a[href], button, input:not([type=hidden]), select, textarea, summary')];
    const visible = all.filter((e) => {
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden' && !e.closest('[inert]') && !(e as HTMLInputElement).disabled;
    });
    // A radio group is one Tab stop (the arrow keys move within it): its radios share one mark.
    const marks = visible.map((e, i) =>
      e instanceof HTMLInputElement && e.type === 'radio' ? `radio:${e.form?.getAttribute('action') ?? ''}:${e.name}` : String(i),
    );
    visible.forEach((e, i) => e.setAttribute('data-kb', marks[i]!));
    return new Set(marks).size;
  });
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const reached = new Set<string>();
  for (let i = 0; i < limit && reached.size < wanted; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => document.activeElement?.getAttribute('data-kb') ?? null);
    if (id !== null) reached.add(id);
  }
  const missed = await page.evaluate(
    (got) =>
      [...document.querySelectorAll<HTMLElement>('[data-kb]')].filter((e) => !got.includes(e.getAttribute('data-kb')!)).map((e) => e.outerHTML.slice(0, 120)),
    [...reached],
  );
  expect(missed, 'elements the keyboard never reaches').toEqual([]);
  return reached.size;
}

/** A browser context with JavaScript off: every page but the charts must work in it (the charts have tables). */
export function noScriptContext(browser: Browser) {
  return browser.newContext({ javaScriptEnabled: false, bypassCSP: true, acceptDownloads: true });
}
