import { join } from 'node:path';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn } from '../../src/cli/login-driver.js';
import { expectAccessible, launchBrowser, screenshot } from '../helpers/browser.js';
import { suiteDir } from '../helpers/db.js';
import { startProcess, type Started } from '../helpers/process.js';

const PASSWORD = 'consent-gateway-dev';
const MARIA = 'clinic-oak-pat-000001';

/** The clinician view in a real browser, against a gateway started as `npm start` starts it. */
describe('the clinician view', () => {
  let dir: ReturnType<typeof suiteDir>;
  let gateway: Started;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    dir = suiteDir('cg-clinician-web-');
    const env = {
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
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    dir?.remove();
  });

  /** Signs in on the gateway's own pages, whichever of them appear (a second sign-in may skip the password). */
  async function completeSignIn(page: Page, username: string) {
    const back = page.waitForURL(`${base}/clinician`).then(() => 'back' as const);
    const asked = page
      .locator('#username, button:has-text("Allow")')
      .first()
      .waitFor()
      .then(() => 'asked' as const);
    if ((await Promise.race([back, asked])) === 'back') return;
    if (await page.locator('#username').isVisible()) {
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }
    const done = page.waitForURL(`${base}/clinician`).then(() => 'back' as const);
    const allow = page
      .getByRole('button', { name: 'Allow' })
      .waitFor()
      .then(() => 'allow' as const);
    if ((await Promise.race([done, allow])) === 'allow') await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${base}/clinician`);
  }

  async function signedInContext(username: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${base}/clinician`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await completeSignIn(page, username);
    return { context, page };
  }

  it("lists the organization's attributed patients and opens a record grouped by visit and source, with Part 2 data absent", async () => {
    const { context, page } = await signedInContext('dr.chen');
    expect(await page.locator('h1').textContent()).toBe('Attributed patients');
    await expectAccessible(page);
    await screenshot(page, 'clinician-roster');
    await page.getByRole('link', { name: /Maria/ }).click();
    expect(await page.locator('h1').textContent()).toMatch(/Maria/);
    const text = (await page.locator('main').textContent())!;
    expect(text).toMatch(/By visit/);
    expect(text).toMatch(/from Oakwood Family Medicine/);
    expect(text).toMatch(/from Mercy General Hospital/);
    // 42 CFR Part 2: her opioid use disorder care is withheld without her written consent, and nothing hints at it.
    expect(text).not.toMatch(/[Oo]pioid|F11/);
    await expectAccessible(page);
    await screenshot(page, 'clinician-record');
    await context.close();
  });

  it('a blocked clinician sees "not available"; emergency access asks for a reason, says the patient will be told, and the patient sees it', async () => {
    // Maria blocks Riverside through the API with her own token (the portal test covers the page).
    const config = await oidc.discovery(new URL(`${base}/oidc`), 'smart-demo', { token_endpoint_auth_method: 'none' }, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: 'http://127.0.0.1/callback',
      aud: `${base}/fhir`,
      scope: 'openid launch/patient patient/*.rs',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 's',
    });
    const { callback } = await signIn(url, 'maria', PASSWORD);
    const maria = (await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier, expectedState: 's' })).access_token;
    const block = {
      resourceType: 'Consent',
      id: 'block-riverside',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ text: 'privacy' }],
      patient: { reference: `Patient/${MARIA}` },
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
      provision: { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/hosp-riverside-org' } }] },
    };
    expect(
      (
        await fetch(`${base}/fhir/Consent`, {
          method: 'POST',
          headers: { authorization: `Bearer ${maria}`, 'content-type': 'application/fhir+json' },
          body: JSON.stringify(block),
        })
      ).status,
    ).toBeLessThan(300);

    const { context, page } = await signedInContext('dr.okafor');
    await page.goto(`${base}/clinician/patients/${MARIA}`);
    expect(await page.locator('h1').textContent()).toBe('Record not available');
    // The same page as for a record that does not exist: nothing hinted.
    const absent = await (await context.newPage()).goto(`${base}/clinician/patients/nobody-000`);
    expect(absent!.status()).toBe(404);
    await page.getByRole('link', { name: 'sign in for emergency access' }).click();
    await completeSignIn(page, 'dr.okafor');
    await page.goto(`${base}/clinician/patients/${MARIA}`);
    expect(await page.locator('form', { hasText: 'Emergency access' }).textContent()).toMatch(/The patient will be told/);
    await expectAccessible(page);
    await screenshot(page, 'clinician-break-glass');
    await page.getByLabel('Reason').fill('Unconscious in the ED, need medication history');
    await page.getByRole('button', { name: 'Break the glass' }).click();
    expect(await page.locator('h1').textContent()).toMatch(/Maria/);

    const history = (await (
      await fetch(`${base}/fhir/AuditEvent?patient=Patient/${MARIA}&_count=200`, { headers: { authorization: `Bearer ${maria}` } })
    ).json()) as { entry: { resource: { extension?: { url: string }[] } }[] };
    expect(history.entry.some((e) => e.resource.extension?.some((x) => x.url === 'urn:consent-gateway:break-glass'))).toBe(true);
    await context.close();
  });
});
