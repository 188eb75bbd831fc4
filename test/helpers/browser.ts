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
