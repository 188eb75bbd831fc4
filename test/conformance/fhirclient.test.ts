import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { DEV_PASSWORD } from '../helpers/gateway-tokens.js';
import { startSmartApp, type SmartApp } from '../helpers/smart-app.js';
import { fhirProblems } from '../helpers/validate.js';

/** What the test calls on the page: the part of fhirclient's Client it uses. */
interface SmartClient {
  patient: { id: string | null; read: () => Promise<{ resourceType: string; id: string; name?: { family?: string; given?: string[] }[] }> };
  getFhirUser: () => string | null;
  getState: (path: string) => unknown;
  request: (
    url: string,
  ) => Promise<{ resourceType: string; total?: number; entry?: { resource: { resourceType: string; subject?: { reference?: string } } }[] }>;
}
declare const window: { smart?: SmartClient; smartError?: string };

/**
 * The SMART JS client (npm fhirclient, its browser build) in real headless Chromium, doing a
 * standalone patient launch through the gateway's real login and approval pages, as a
 * third-party app would.
 */
describe('fhirclient: a standalone launch in Chromium', () => {
  let gw: Gateway;
  let app: SmartApp;
  let browser: Browser;
  let page: Page;
  // What the browser said, for the failure message: a refused CORS request only shows there.
  const console: string[] = [];

  beforeAll(async () => {
    gw = await startGateway({ patients: 30 });
    app = await startSmartApp({ clientId: 'smart-demo', scope: 'launch/patient openid fhirUser patient/*.rs offline_access' });
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('console', (m) => console.push(m.text()));
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await gw?.stop();
  });

  async function signedIn(): Promise<void> {
    await page.goto(app.launchUrl(gw.fhir));
    // fhirclient reads the server's SMART configuration, then sends the browser to the login page.
    const outcome = await Promise.race([
      page.waitForURL(`${gw.issuer}/interaction/**`, { timeout: 15_000 }).then(() => null),
      page.waitForFunction(() => window.smartError, undefined, { timeout: 15_000 }).then((h) => h.jsonValue()),
    ]);
    expect(outcome, `fhirclient did not reach the login page (console: ${console.join(' | ')})`).toBeNull();
    await page.getByLabel('Username').fill('maria');
    await page.getByLabel('Password').fill(DEV_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${app.redirectUri}?**`);
    await page.waitForFunction(() => window.smart !== undefined || window.smartError !== undefined, undefined, { timeout: 15_000 });
    expect(await page.evaluate(() => window.smartError ?? null), `FHIR.oauth2.ready() failed (console: ${console.join(' | ')})`).toBeNull();
  }

  it("signs Maria in through the login pages, then reads her Patient and searches her Observations with the app's token", async () => {
    await signedIn();
    const context = await page.evaluate(() => ({
      patient: window.smart!.patient.id,
      fhirUser: window.smart!.getFhirUser(),
      serverUrl: window.smart!.getState('serverUrl'),
    }));
    expect(context.serverUrl).toBe(gw.fhir);
    expect(context.fhirUser).toBe('Patient/clinic-oak-pat-000001');
    expect(context.patient).toEqual(expect.any(String));

    const patient = await page.evaluate(() => window.smart!.patient.read());
    expect(patient).toMatchObject({ resourceType: 'Patient', id: context.patient });
    expect(patient.name?.[0]).toMatchObject({ family: 'Alvarez', given: expect.arrayContaining(['Maria']) });
    expect(fhirProblems(patient)).toEqual([]);

    const observations = await page.evaluate((id) => window.smart!.request(`Observation?patient=${id}&_count=50`), context.patient!);
    expect(observations.resourceType).toBe('Bundle');
    expect(observations.entry!.length).toBeGreaterThan(0);
    expect(observations.entry!.every((e) => e.resource.resourceType === 'Observation')).toBe(true);
    expect(fhirProblems(observations)).toEqual([]);
  });

  it("is refused another patient's record: it answers as one that does not exist", async () => {
    const other = await page.evaluate(() =>
      window.smart!.request('Patient/clinic-oak-pat-509785').then(
        () => 'read',
        (e: { status?: number; statusCode?: number }) => e.status ?? e.statusCode ?? 'no status',
      ),
    );
    expect(other).toBe(404);
  });

  it('a refusal is readable by the app, challenge included (CORS exposes WWW-Authenticate)', async () => {
    const refused = await page.evaluate(async (base) => {
      const res = await fetch(`${base}/Patient/clinic-oak-pat-000001`);
      return { status: res.status, challenge: res.headers.get('www-authenticate'), body: (await res.json()) as { resourceType: string } };
    }, gw.fhir);
    expect(refused).toMatchObject({ status: 401, challenge: expect.stringMatching(/^Bearer /), body: { resourceType: 'OperationOutcome' } });
  });
});
