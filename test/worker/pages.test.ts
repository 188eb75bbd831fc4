import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, launchBrowser, screenshot } from '../helpers/browser.js';
import { demoAppToken } from '../helpers/demo-app-token.js';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/process.js';
import { DEV_PASSWORD } from '../helpers/gateway-tokens.js';
import { startWorkers, type LocalWorkers } from '../helpers/wrangler.js';
import { seedWorker, sourceToken } from '../../scripts/worker-seed.js';

const MARIA = 'clinic-oak-pat-000001';
const PART_2 = /opioid|F11|buprenorphine|suboxone|naloxone|methadone/i;

/**
 * The portal and the clinician pages served by the Worker, in a real browser: the authorization
 * server is a Node gateway (oidc-provider is Node-only) that names the Worker among its trusted
 * gateways; the Worker trusts it by issuer and JWKS. Every step is real: the sign-in pages, the
 * code exchange from workerd to Node, the session in D1, her consent version in her object.
 */
describe('the portal and the clinician pages on the Worker', () => {
  let gw: Gateway;
  let w: LocalWorkers;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    // The Worker's origin must be known to the authorization server before either starts.
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    gw = await startGateway({ patients: 12, env: { TRUSTED_GATEWAYS: base } });
    w = await startWorkers({ port, vars: { PUBLIC_BASE_URL: base, OIDC_ISSUER: gw.issuer, OIDC_JWKS_URL: `${gw.issuer}/jwks` } });

    // The same synthetic region the Node gateway loaded, sent by its sources (scripts/worker-seed.ts).
    await seedWorker({ worker: base, issuer: gw.issuer, keysDir: gw.keysDir, fixturesDir: gw.fixturesDir, fetch: w.fetch });
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await w?.stop();
    await gw?.stop();
  });

  /** Signs in through the Node authorization server's pages and comes back to the Worker's area. */
  async function signIn(page: Page, area: string, username: string) {
    await page.goto(`${base}${area}`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(DEV_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${base}${area}`, { timeout: 15_000 }).catch(async (err: Error) => {
      throw new Error(`${err.message}\nat ${page.url()}: ${await page.locator('body').textContent()}\n${w.logs().slice(-2000)}`);
    });
  }

  it('the patient signs in on the Worker, blocks her clinic, and the clinician’s next read through the Worker is refused', async () => {
    // A token for the Node gateway is not one for the Worker: its audience is the other server.
    const forNode = await demoAppToken(gw.base, 'dr.chen', 'openid user/*.rs');
    const read = (token: string) => w.fetch(`${base}/fhir/Patient/${MARIA}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await read(forNode)).status).toBe(401);
    const chen = await demoAppToken(gw.base, 'dr.chen', 'openid user/*.rs', {}, `${base}/fhir`);
    expect((await read(chen)).status).toBe(200);

    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await signIn(page, '/portal', 'maria');
    expect(await page.locator('h1').textContent()).toBe('My sharing choices');
    await expectAccessible(page);
    await screenshot(page, 'worker-portal');

    await page.locator('#organization').selectOption({ label: (await page.locator('#organization option', { hasText: 'Oakwood' }).textContent())! });
    await page.getByLabel('Block this organization').check();
    await page.locator('form[action="/portal/choices/organization"] button').click();
    await page.waitForURL(`${base}/portal`);
    expect(await page.getByRole('status').textContent()).toMatch(/Saved/);
    await context.close();
    // Her choice, saved through the Worker's portal, holds at the Worker's API on the next request.
    expect((await read(chen)).status).toBe(404);
  }, 90_000);

  it('the clinician signs in on the Worker and reads a record grouped by visit and source, with Part 2 data absent, and the patient sees who looked', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await signIn(page, '/clinician', 'dr.okafor');
    await page.goto(`${base}/clinician/patients/${MARIA}`);
    expect(await page.locator('h1').textContent()).toMatch(/Maria/);
    await page.getByRole('link', { name: 'By visit and source' }).click();
    const text = (await page.locator('main').textContent())!;
    expect(text).toMatch(/from Mercy General Hospital/);
    expect(text).not.toMatch(PART_2);
    await expectAccessible(page);
    await screenshot(page, 'worker-clinician-record');
    await context.close();

    const portal = await browser.newContext({ bypassCSP: true });
    const mine = await portal.newPage();
    await signIn(mine, '/portal', 'maria');
    await mine.goto(`${base}/portal/history`);
    expect(await mine.locator('main').textContent()).toMatch(/Okafor/);
    await portal.close();
  }, 90_000);

  it('the operator signs in on the Worker and checks every chain and anchor from the console; the public page says what it has', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await signIn(page, '/operator', 'alex');
    await page.goto(`${base}/operator/audit`);
    await page.getByRole('button', { name: 'Verify the chain now' }).click();
    // On the Worker the trail is a chain per patient: the reads and consent writes of the tests above are in them.
    expect(await page.locator('[role=status]').textContent()).toMatch(/Audit chain intact: \d+ events checked/);
    await expectAccessible(page);
    await context.close();

    const visitor = await browser.newContext({ bypassCSP: true });
    const pub = await visitor.newPage();
    const res = await pub.goto(`${base}/public`);
    expect(res?.status()).toBe(200);
    expect(await pub.locator('h1').textContent()).toBeTruthy();
    await expectAccessible(pub);
    await visitor.close();
  }, 90_000);

  it('issues tokens only for the servers it names: another server is refused, and each server refuses the other’s tokens', async () => {
    await expect(
      sourceToken({ worker: base, issuer: gw.issuer, keysDir: gw.keysDir }, 'clinic-oak', 'system/*.cu', 'http://127.0.0.1:1/fhir'),
    ).rejects.toMatchObject({ error: 'invalid_target' });
    await expect(demoAppToken(gw.base, 'dr.chen', 'openid user/*.rs', {}, 'http://127.0.0.1:1/fhir')).rejects.toThrow();
    const forWorker = await demoAppToken(gw.base, 'dr.chen', 'openid user/*.rs', {}, `${base}/fhir`);
    expect((await fetch(`${gw.fhir}/Patient/${MARIA}`, { headers: { authorization: `Bearer ${forWorker}` } })).status).toBe(401);
  }, 60_000);
});
