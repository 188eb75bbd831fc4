import { demoAppToken } from '../helpers/demo-app-token.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, launchBrowser, screenshot } from '../helpers/browser.js';
import { suiteDir } from '../helpers/db.js';
import { startProcess, type Started } from '../helpers/process.js';

const PASSWORD = 'consent-gateway-dev';
const MARIA = 'Patient/clinic-oak-pat-000001';

/** The patient portal in a real browser, against a gateway started as `npm start` starts it. */
describe('the patient portal', () => {
  let dir: ReturnType<typeof suiteDir>;
  let gateway: Started;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = suiteDir('cg-portal-web-');
    env = {
      PORT: '0',
      DATA_DIR: join(dir.path, 'data'),
      KEYS_DIR: join(dir.path, 'keys'),
      FIXTURES_DIR: join(dir.path, 'fixtures'),
      FIXTURE_PATIENTS: '120',
      FIXTURE_SEED: '9',
      // These pages are read as they are: the live demo feed stays off.
      DEMO_FEED_SECONDS: '0',
    };
    gateway = await startProcess(process.execPath, ['--import', 'tsx', 'src/entry/node.ts'], { env, ready: /Press Ctrl\+C to stop/, timeoutMs: 120_000 });
    base = /FHIR base\s+(\S+)/.exec(gateway.output())![1]!.replace(/\/fhir$/, '');
    browser = await launchBrowser();
    context = await browser.newContext({ bypassCSP: true, acceptDownloads: true });
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    dir?.remove();
  });

  /** A clinician's token through the real code + PKCE flow (openid-client as the app). */
  const clinicianToken = (username: string) => demoAppToken(base, username, 'openid user/*.rs');

  async function signInAs(page: Page, username: string) {
    await page.goto(`${base}/portal`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${base}/portal`);
  }

  it("the patient signs in, blocks her clinic, gets a signed receipt, and the clinician's next request is denied", async () => {
    const chen = await clinicianToken('dr.chen');
    const read = () => fetch(`${base}/fhir/${MARIA}`, { headers: { authorization: `Bearer ${chen}` } });
    expect((await read()).status).toBe(200);

    const page = await context.newPage();
    await signInAs(page, 'maria');
    expect(await page.locator('h1').textContent()).toBe('My sharing choices');
    const doctor = (name: RegExp) => page.locator('section[aria-labelledby="who-doctors"] li', { hasText: name });
    expect(await doctor(/Oakwood/).textContent()).toMatch(/Oakwood Family Medicine: (Yes|Partly)\./);
    await screenshot(page, 'portal-before');

    await page.locator('#organization').selectOption({ label: (await page.locator('#organization option', { hasText: 'Oakwood' }).textContent())! });
    await page.getByLabel('Block this organization').check();
    await page.locator('form[action="/portal/choices/organization"] button').click();
    await page.waitForURL(`${base}/portal`);
    expect(await page.getByRole('status').textContent()).toMatch(/Saved/);
    expect(await doctor(/Oakwood/).textContent()).toMatch(/Oakwood Family Medicine: No\. .*you blocked them/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the receipt' }).click()]);
    expect(download.suggestedFilename()).toBe('consent-receipt.jws');
    await screenshot(page, 'portal-after');

    expect((await read()).status).toBe(404);
    // Her access history shows the clinician's reads, the permitted one and the refused one.
    await page.reload();
    expect(await page.locator('#history ~ div table').textContent()).toMatch(/Sarah Chen/);
  });

  it('the patient opts out of research, and the next release leaves her out', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/portal`);
    await page.getByLabel('Leave me out').check();
    await page.locator('form[action="/portal/choices/research"] button').click();
    await page.waitForURL(`${base}/portal`);
    expect(await page.locator('form', { hasText: 'Research' }).textContent()).toMatch(/currently left out of/);
    // The operator publishes the next release (noise is required: v1 already published these years).
    // Run without blocking the event loop: a blocked loop misses the server closing an idle
    // keep-alive socket, and the next fetch then fails on it ("other side closed").
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/publish.ts', '--epsilon', '1'], {
      env: { ...process.env, ...env, PUBLIC_BASE_URL: base },
    });
    const v1 = (await (await fetch(`${base}/public/datasets/v1/manifest.json`)).json()) as { population: { excludedByConsent: number } };
    const v2 = (await (await fetch(`${base}/public/datasets/v2/manifest.json`)).json()) as { population: { excludedByConsent: number }; mode: string };
    expect(v1.population.excludedByConsent).toBe(0);
    // Under differential privacy the manifest's population counts are noisy like every figure
    // (test/release/publish.test.ts checks the exclusion itself on exact figures).
    expect(v2).toMatchObject({ mode: 'differential-privacy' });
  });

  it('the patient shares test results with her caregiver until a date; he sees those and nothing else', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/portal`);
    // An end date in the past is refused with a message, and nothing changes.
    await page.locator('#caregiver').selectOption({ index: 0 });
    await page.getByLabel('Test results and vital signs').check();
    await page.locator('#until').evaluate((el) => el.removeAttribute('min'));
    await page.locator('#until').fill('2020-01-01');
    await page.locator('form[action="/portal/choices/caregiver"] button').click();
    await page.waitForURL(/\/portal#change$/);
    expect(await page.locator('#until-error').textContent()).toMatch(/end date must be after today/);
    await page.getByLabel('Test results and vital signs').check();
    const nextYear = `${new Date().getUTCFullYear() + 1}-06-30`;
    await page.locator('#until').fill(nextYear);
    await page.locator('form[action="/portal/choices/caregiver"] button').click();
    await page.waitForURL(`${base}/portal`);
    expect(await page.getByRole('status').textContent()).toMatch(/Saved/);
    expect(await page.locator('section[aria-labelledby="who-caregivers"]').textContent()).toMatch(
      new RegExp(`can see: test results and vital signs until 30 June ${nextYear.slice(0, 4)}`),
    );

    // Daniel signs in to the same portal, in his own browser.
    const his = await browser.newContext({ bypassCSP: true });
    const danielPage = await his.newPage();
    await signInAs(danielPage, 'daniel');
    expect(await danielPage.locator('h1').textContent()).toBe('Shared with me');
    const section = (label: string) => danielPage.locator('section', { has: danielPage.getByRole('heading', { name: label }) });
    expect(await section('Test results and vital signs').textContent()).toMatch(/Blood pressure|Hemoglobin|Body weight/);
    expect(await section('Health problems').textContent()).toMatch(/Nothing shared with you here/);
    expect(await section('Medications').textContent()).toMatch(/Nothing shared with you here/);
    await expectAccessible(danielPage);
    await screenshot(danielPage, 'portal-caregiver');
    // He cannot change her choices.
    const csrf = await danielPage.locator('input[name="csrf"]').first().getAttribute('value');
    const status = await danielPage.evaluate(
      async (token) =>
        (
          await fetch('/portal/choices/research', {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: `csrf=${token}&choice=out`,
            redirect: 'manual',
          })
        ).status,
      csrf,
    );
    expect(status).toBe(403);
    await his.close();
  });

  it('the patient hides mental health information from everyone, and every organization now has it withheld', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/portal`);
    await page.getByLabel('Mental and behavioural health').check();
    await page.locator('form[action="/portal/choices/sensitive"] button').click();
    await page.waitForURL(`${base}/portal`);
    expect(await page.getByRole('status').textContent()).toMatch(/Saved/);
    expect(await page.getByLabel('Mental and behavioural health').isChecked()).toBe(true);
    expect(await page.locator('section[aria-labelledby="who-doctors"] li', { hasText: 'Maple Street' }).textContent()).toMatch(
      /Partly\. .*Mental health records are kept from them: you chose to hide them\./,
    );
  });

  it('the patient lets Maple Street be told of a mental health stay, but not where or why', async () => {
    const page = await context.newPage();
    const hideMentalHealth = async (hide: boolean) => {
      await page.getByLabel('Mental and behavioural health').setChecked(hide);
      // The form posts back to the same URL: wait for the page it redirects to, not the URL.
      await Promise.all([page.waitForEvent('load'), page.locator('form[action="/portal/choices/sensitive"] button').click()]);
    };
    await page.goto(`${base}/portal`);
    // Hidden from everyone (previous test): that wins, and the page says so.
    expect(await page.locator('#notice-current').textContent()).toMatch(/hidden from everyone/);
    await hideMentalHealth(false);
    expect(await page.locator('#notice-current').textContent()).toMatch(/No organization is told/);
    const option = (await page.locator('#notice-organization option').allTextContents()).find((t) => /Maple Street/.test(t))!;
    await page.locator('#notice-organization').selectOption({ label: option });
    await page.getByLabel('Tell them I was in hospital, not where or why').check();
    await Promise.all([page.waitForEvent('load'), page.locator('form[action="/portal/choices/visit-notice"] button').click()]);
    expect(await page.getByRole('status').textContent()).toMatch(/Saved/);
    // What the page shows is read from her compiled lines: the choice is in force.
    expect(await page.locator('#notice-current').textContent()).toMatch(/Told now: Maple Street/);
    // As the next tests expect: mental health hidden from everyone again.
    await hideMentalHealth(true);
    expect(await page.locator('#notice-current').textContent()).toMatch(/hidden from everyone/);
  });

  it('previews her record exactly as a given clinician would get it', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/portal`);
    const option = async (re: RegExp) => (await page.locator('#preview-actor option').allTextContents()).find((t) => re.test(t))!;
    await page.locator('#preview-actor').selectOption({ label: await option(/Chen/) });
    await page.locator('form[action="/portal/preview"] button').click();
    // Oakwood is blocked (first test): Dr Chen would see nothing.
    expect(await page.locator('main').textContent()).toMatch(/would not see your record/);
    await page.goto(`${base}/portal`);
    await page.locator('#preview-actor').selectOption({ label: await option(/Okafor/) });
    await page.locator('form[action="/portal/preview"] button').click();
    const text = (await page.locator('main').textContent())!;
    expect(text).toMatch(/Hemoglobin A1c|Blood pressure/);
    // Withheld by law (substance use) and by her choice (mental health, previous test).
    expect(text).not.toMatch(/[Oo]pioid|[Dd]epressive/);
    await expectAccessible(page);
    await screenshot(page, 'portal-preview');
  });

  it('refuses a forged form: wrong CSRF token, or an organization not on the list, and nothing changes', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/portal`);
    const forged = await page.evaluate(
      async () =>
        (
          await fetch('/portal/choices/organization', {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: 'csrf=forged&organization=Organization%2Fclinic-maple-org&choice=block',
          })
        ).status,
    );
    expect(forged).toBe(403);
    const csrf = await page.locator('input[name="csrf"]').first().getAttribute('value');
    await page.evaluate(
      async (token) =>
        fetch('/portal/choices/organization', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `csrf=${token}&organization=Organization%2Fnowhere&choice=block`,
          redirect: 'manual',
        }),
      csrf,
    );
    await page.reload();
    expect(await page.locator('#organization-error').textContent()).toMatch(/choose an organization from the list/);
    expect(await page.locator('section[aria-labelledby="who-doctors"] li', { hasText: 'Maple' }).textContent()).toMatch(/Maple Street[^:]*: (Yes|Partly)/);
  });

  it('sets the session cookie HttpOnly and SameSite, and every portal page passes axe-core', async () => {
    const cookies = await context.cookies(`${base}/portal`);
    const session = cookies.find((c) => c.name === 'cg_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Lax');
    const page = await context.newPage();
    await page.goto(`${base}/portal`);
    expect(await page.locator('h1').count()).toBe(1);
    await expectAccessible(page);
  });
});
