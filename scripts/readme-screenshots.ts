/**
 * `npx tsx scripts/readme-screenshots.ts`, after `npm test`: the README's screenshots, made from
 * the browser tests' full-page screenshots in test/artifacts/ (gitignored) as small JPEGs of each
 * page's first screen in docs/screenshots/ (committed). Chromium does the resizing, so nothing
 * else needs installing.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser } from '../test/helpers/browser.js';

const SHOTS: [from: string, to: string, width: number][] = [
  ['clinician-summary-1280', 'clinician-summary', 900],
  ['clinician-summary-first-screen-375', 'clinician-summary-phone', 375],
  ['clinician-notifications-1280', 'clinician-notifications', 900],
  ['clinician-reports-1280', 'clinician-reports', 900],
  ['portal-dashboard-1280', 'portal-dashboard', 900],
  ['portal-dashboard-375', 'portal-dashboard-phone', 375],
  ['portal-history-1280', 'portal-history', 900],
  ['portal-caregiver-acting-1280', 'portal-caregiver-acting', 900],
  ['operator-participants-1280', 'operator-participants', 900],
  ['operator-reviews-1280', 'operator-reviews', 900],
  ['operator-audit-1280', 'operator-audit', 900],
  ['public-release-1280', 'public-release', 900],
  ['public-compare-1280', 'public-compare', 900],
  ['public-dictionary-1280', 'public-dictionary', 900],
];

const out = join(process.cwd(), 'docs', 'screenshots');
mkdirSync(out, { recursive: true });
const browser = await launchBrowser();
try {
  for (const [from, to, width] of SHOTS) {
    const png = readFileSync(join(process.cwd(), 'test', 'artifacts', `${from}.png`)).toString('base64');
    const page = await browser.newPage({ viewport: { width, height: Math.round(width * 1.1) } });
    await page.setContent(`<body style="margin:0"><img style="width:100%;display:block" src="data:image/png;base64,${png}"></body>`);
    await page.screenshot({ path: join(out, `${to}.jpg`), type: 'jpeg', quality: 70 });
    await page.close();
  }
} finally {
  await browser.close();
}
console.log(`${SHOTS.length} screenshots in docs/screenshots/`);
