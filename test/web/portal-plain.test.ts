import { demoAppToken } from '../helpers/demo-app-token.js';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPageAtBothWidths, expectKeyboardReachable, launchBrowser, noScriptContext } from '../helpers/browser.js';
import { suiteDir } from '../helpers/db.js';
import { codesIn } from '../helpers/patient-words.js';
import { startProcess, type Started } from '../helpers/process.js';

const PASSWORD = 'consent-gateway-dev';
const MARIA = 'clinic-oak-pat-000001';

/**
 * The portal in plain language, in a real browser against a gateway started as `npm start`
 * starts it: every patient-facing page (hers, and her caregiver's) read for codes and ids; who
 * can see her record in groups; her access history; break-the-glass told and reviewed; a
 * caregiver acting for her; downloads; refused forms; sign-out.
 */
describe('the portal in plain language', { timeout: 180_000 }, () => {
  let dir: ReturnType<typeof suiteDir>;
  let gateway: Started;
  let base: string;
  let browser: Browser;
  let maria: BrowserContext;
  let daniel: BrowserContext;
  /** Every patient-facing page visited, by name: the no-codes test reads them all. */
  const visited: { name: string; text: string }[] = [];

  beforeAll(async () => {
    dir = suiteDir('cg-portal-plain-');
    gateway = await startProcess(process.execPath, ['--import', 'tsx', 'src/entry/node.ts'], {
      env: {
        PORT: '0',
        DATA_DIR: join(dir.path, 'data'),
        KEYS_DIR: join(dir.path, 'keys'),
        FIXTURES_DIR: join(dir.path, 'fixtures'),
        FIXTURE_PATIENTS: '120',
        FIXTURE_SEED: '9',
        DEMO_FEED_SECONDS: '0',
      },
      ready: /Press Ctrl\+C to stop/,
      timeoutMs: 120_000,
    });
    base = /FHIR base\s+(\S+)/.exec(gateway.output())![1]!.replace(/\/fhir$/, '');
    browser = await launchBrowser();
    maria = await browser.newContext({ bypassCSP: true, acceptDownloads: true });
    daniel = await browser.newContext({ bypassCSP: true, acceptDownloads: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    dir?.remove();
  });

  const clinicianToken = (username: string, purpose?: string) => demoAppToken(base, username, 'openid user/*.rs', purpose ? { purpose_of_use: purpose } : {});

  async function signInAs(page: Page, username: string) {
    await page.goto(`${base}/portal`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${base}/portal`);
  }

  /** Records the page's visible text for the no-codes test, and checks it at both widths and by keyboard. */
  async function check(page: Page, name: string) {
    visited.push({ name, text: `${await page.title()}\n${await page.locator('body').innerText()}` });
    expect(codesIn(await page.locator('body').innerText()), name).toEqual([]);
    await checkPageAtBothWidths(page, `portal-${name}`);
    await expectKeyboardReachable(page);
  }

  const post = (page: Page, path: string, body: string) =>
    page.evaluate(
      async ([p, b]) => {
        const res = await fetch(p!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: b!, redirect: 'manual' });
        // A redirect the page may not read (the post/redirect/get of a form) is the form's 303.
        return res.type === 'opaqueredirect' ? 303 : res.status;
      },
      [path, body],
    );

  it('signed out, the portal says what it is for, in words', async () => {
    const page = await maria.newPage();
    await page.goto(`${base}/portal`);
    await check(page, 'signed-out');
  });

  it('groups who can see her record and answers who can see her mental health records, without a code', async () => {
    const page = await maria.newPage();
    await signInAs(page, 'maria');
    expect(await page.locator('.lede').textContent()).toMatch(/Signed in as Maria (Elena|E) Alvarez/);
    const doctors = (await page.locator('section[aria-labelledby="who-doctors"]').innerText())!;
    expect(doctors).toMatch(/Your doctors at Oakwood Family Medicine can see your record for your care\./);
    expect(doctors).toMatch(/Substance use treatment records are private by law unless you name who may see them\./);
    const plans = (await page.locator('section[aria-labelledby="who-plans"]').innerText())!;
    expect(plans).toMatch(/Great Lakes Medicare Advantage can't see it: it is not your health plan\./);
    expect(await page.locator('section[aria-labelledby="who-caregivers"]').innerText()).toMatch(/Daniel Alvarez/);
    // "Who can see my mental health records?" is a heading, answered in sentences.
    const answer = await page.locator('#mental-health + ul, #mental-health + p').first().innerText();
    expect(answer).toMatch(/can see your mental health records|No one but you/);
    expect(codesIn(answer)).toEqual([]);
    await check(page, 'dashboard');
  });

  it('refuses bad input next to the field, keeps what was typed, and changes nothing', async () => {
    const page = await maria.newPage();
    await page.goto(`${base}/portal`);
    // A date in the past.
    await page.getByLabel('Medications').check();
    await page.locator('#until').fill('2020-01-01');
    await page.locator('form[action="/portal/choices/caregiver"] button').click();
    await page.waitForURL(/\/portal#change$/);
    expect(await page.locator('#until-error').textContent()).toBe('The end date must be after today.');
    expect(await page.locator('#until').getAttribute('aria-describedby')).toBe('until-error');
    expect(await page.locator('#until').inputValue()).toBe('2020-01-01');
    expect(await page.getByLabel('Medications').isChecked()).toBe(true);
    expect(await page.locator('form[action="/portal/choices/caregiver"] [role="alert"]').textContent()).toMatch(/Nothing was changed/);
    expect(await page.locator('section[aria-labelledby="who-caregivers"]').innerText()).toMatch(/sees nothing of your record/);
    await check(page, 'refused-form');
    // The errors are shown once: the next page is clean.
    await page.goto(`${base}/portal`);
    expect(await page.locator('.field-error').count()).toBe(0);
    // An unknown caregiver, posted directly.
    const csrf = (await page.locator('input[name="csrf"]').first().getAttribute('value'))!;
    const year = new Date().getUTCFullYear() + 1;
    expect(await post(page, '/portal/choices/caregiver', `csrf=${csrf}&caregiver=RelatedPerson%2Fnobody&class=Observation&until=${year}-01-01`)).toBe(303);
    await page.goto(`${base}/portal`);
    expect(await page.locator('#caregiver-error').textContent()).toBe('Please choose a caregiver from the list.');
    // A forged CSRF token changes nothing.
    expect(await post(page, '/portal/choices/research', 'csrf=forged&choice=out')).toBe(403);
    await page.goto(`${base}/portal`);
    expect(await page.locator('form[action="/portal/choices/research"]').innerText()).toMatch(/currently included in/);
  });

  let grant = '';
  it('tells her of break-the-glass with the reason given, and lets her ask for a review', async () => {
    const okafor = await clinicianToken('dr.okafor', 'ETREAT');
    const res = await fetch(`${base}/fhir/Patient/${MARIA}/$break-the-glass`, {
      method: 'POST',
      headers: { authorization: `Bearer ${okafor}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: 'Unconscious in the emergency room' }] }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    expect((await fetch(`${base}/fhir/Patient/${MARIA}/$everything`, { headers: { authorization: `Bearer ${okafor}` } })).status).toBe(200);

    const page = await maria.newPage();
    await page.goto(`${base}/portal`);
    const told = await page.locator('#emergency + ul').innerText();
    expect(told).toMatch(/James Okafor at .* opened your record in an emergency on .*The reason given: “Unconscious in the emergency room”/);
    expect(told).toMatch(/Waiting for the exchange’s routine review/);
    expect(await page.locator('#history ~ div table').innerText()).toMatch(/Emergency access:/);
    const link = page.getByRole('link', { name: 'Ask for a review of this emergency access' });
    grant = decodeURIComponent((await link.getAttribute('href'))!.split('/').pop()!);
    await link.click();
    await check(page, 'review-form');
    // An empty reason is refused next to the field.
    await page.locator('#note').fill('   ');
    await page.getByRole('button', { name: 'Ask for a review' }).click();
    expect(await page.locator('#note-error').textContent()).toMatch(/Please say why/);
    await page.locator('#note').fill('I was awake and said no.');
    await page.getByRole('button', { name: 'Ask for a review' }).click();
    await page.waitForURL(`${base}/portal`);
    expect(await page.getByRole('status').textContent()).toMatch(/request for a review was sent/);
    expect(await page.locator('#emergency + ul').innerText()).toMatch(/A review was asked for on .*waiting for an operator/);
    // Another grant id (none of hers) is "not found", and asks for nothing.
    const csrf = (await page.locator('input[name="csrf"]').first().getAttribute('value'))!;
    expect(await post(page, '/portal/reviews/not-a-grant-of-hers', `csrf=${csrf}&note=hello`)).toBe(404);
  });

  it('her access history leaves out her own visits, names people, says what was looked at, and pages without JavaScript', async () => {
    const chen = await clinicianToken('dr.chen');
    for (let i = 0; i < 60; i++) await fetch(`${base}/fhir/Patient/${MARIA}`, { headers: { authorization: `Bearer ${chen}` } });
    const page = await maria.newPage();
    await page.goto(`${base}/portal/history`);
    const first = await page.locator('tbody').innerText();
    expect(first).toMatch(/Sarah Chen/);
    expect(first).toMatch(/Oakwood Family Medicine/);
    expect(first).toMatch(/your details/);
    expect(first).not.toMatch(/^You\t/m);
    await check(page, 'history');
    const noJs = await noScriptContext(browser);
    await noJs.addCookies(await maria.cookies(`${base}/portal`));
    const plain = await noJs.newPage();
    await plain.goto(`${base}/portal/history`);
    const page1 = await plain.locator('tbody').innerText();
    await plain.getByRole('link', { name: 'Older entries' }).click();
    const page2 = await plain.locator('tbody').innerText();
    expect(page2).not.toBe(page1);
    expect(page2).toMatch(/Emergency access:.*James Okafor/s);
    await plain.getByRole('link', { name: 'Newer entries' }).click();
    expect(await plain.locator('tbody').innerText()).toBe(page1);
    await noJs.close();
  });

  it('downloads her whole record as FHIR JSON and her accounting as CSV', async () => {
    const page = await maria.newPage();
    await page.goto(`${base}/portal`);
    const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /whole record/ }).click()]);
    const bundle = JSON.parse(await streamText(await json.createReadStream())) as { resourceType: string; entry: { resource: { resourceType: string } }[] };
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.entry.some((e) => e.resource.resourceType === 'Patient')).toBe(true);
    expect(bundle.entry.some((e) => e.resource.resourceType === 'Observation')).toBe(true);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /access history \(CSV/ }).click()]);
    const text = await streamText(await csv.createReadStream());
    expect(text.split('\r\n')[0]).toBe('"When (UTC)","Who","Organization","What","Why","Outcome","Emergency access","Notification sent"');
    // Every page of it: more than one page of the history's worth of rows (the 60 reads above).
    expect(text.split('\r\n').filter((l) => l.includes('Sarah Chen')).length).toBeGreaterThanOrEqual(60);
  });

  it('a caregiver without her delegation only reads what she shared, and cannot post her forms', async () => {
    const page = await daniel.newPage();
    await signInAs(page, 'daniel');
    expect(await page.locator('h1').textContent()).toBe('Shared with me');
    expect(await page.locator('.lede').textContent()).toMatch(/caregiver for Maria (Elena|E) Alvarez/);
    const csrf = (await page.locator('input[name="csrf"]').first().getAttribute('value'))!;
    expect(await post(page, '/portal/choices/organization', `csrf=${csrf}&organization=Organization%2Fclinic-maple-org&choice=block`)).toBe(403);
    expect(await post(page, '/portal/reviews/' + encodeURIComponent(grant), `csrf=${csrf}&note=hello`)).toBe(403);
    await check(page, 'caregiver-reading');
  });

  it('a caregiver she delegates her choices to acts for her under a banner, and she sees each change as his', async () => {
    const her = await maria.newPage();
    await her.goto(`${base}/portal`);
    await her.getByLabel('My sharing choices (they can change them for me)').check();
    await her.getByLabel('Test results and vital signs').check();
    await her.locator('#until').fill(`${new Date().getUTCFullYear() + 1}-06-30`);
    await her.locator('form[action="/portal/choices/caregiver"] button').click();
    await her.waitForURL(`${base}/portal`);
    expect(await her.getByRole('status').textContent()).toMatch(/Saved/);
    expect(await her.locator('section[aria-labelledby="who-caregivers"]').innerText()).toMatch(/can also change your sharing choices for you/);

    const page = await daniel.newPage();
    await page.goto(`${base}/portal`);
    expect(await page.locator('.banner').innerText()).toMatch(/Acting for Maria (Elena|E) Alvarez/);
    await check(page, 'caregiver-acting');
    // He blocks Maple Street for her.
    const option = (await page.locator('#organization option').allTextContents()).find((t) => /Maple Street/.test(t))!;
    await page.locator('#organization').selectOption({ label: option });
    await page.getByLabel('Block this organization').check();
    await page.locator('form[action="/portal/choices/organization"] button').click();
    await page.waitForURL(`${base}/portal`);
    expect(await page.getByRole('status').textContent()).toMatch(/Saved/);
    // He cannot widen his own grant: posted around the form, it is refused and his share stays as she set it.
    const csrf = (await page.locator('input[name="csrf"]').first().getAttribute('value'))!;
    const until = `${new Date().getUTCFullYear() + 2}-01-01`;
    expect(
      await post(page, '/portal/choices/caregiver', `csrf=${csrf}&caregiver=RelatedPerson%2Fclinic-oak-rp-daniel&class=Condition&class=Consent&until=${until}`),
    ).toBe(303);
    await her.reload();
    expect(await her.locator('section[aria-labelledby="who-caregivers"]').innerText()).not.toMatch(/health problems/);
    // Every page he sees while acting for her carries the banner.
    for (const path of ['/portal/history', `/portal/reviews/${encodeURIComponent(grant)}`]) {
      await page.goto(`${base}${path}`);
      expect(await page.locator('.banner').innerText(), path).toMatch(/Acting for Maria (Elena|E) Alvarez/);
      await check(page, `caregiver-acting${path.replace(/\//g, '-').replace(/-[^-]*$/, path.includes('reviews') ? '-review' : '')}`);
    }
    await page.goto(`${base}/portal`);
    const preview = (await page.locator('#preview-actor option').allTextContents()).find((t) => /Okafor/.test(t))!;
    await page.locator('#preview-actor').selectOption({ label: preview });
    await page.locator('form[action="/portal/preview"] button').click();
    expect(await page.locator('.banner').innerText()).toMatch(/Acting for Maria (Elena|E) Alvarez/);
    await check(page, 'caregiver-preview');

    await her.reload();
    const changes = await her.locator('#changes + ul').innerText();
    expect(changes, changes).toMatch(/Daniel Alvarez, your caregiver, blocked Maple Street[^.]* on \d+ \w+ \d{4}\./);
    expect(await her.locator('section[aria-labelledby="who-doctors"]').innerText()).toMatch(/Maple Street[^.]* can't see it: you blocked them\./);
    expect(await her.locator('#history ~ div table').innerText()).toMatch(/Daniel Alvarez, your caregiver/);
    await check(her, 'dashboard-after-caregiver');
  });

  it('her preview of what a clinician would see', async () => {
    const page = await maria.newPage();
    await page.goto(`${base}/portal`);
    const option = (await page.locator('#preview-actor option').allTextContents()).find((t) => /Okafor/.test(t))!;
    await page.locator('#preview-actor').selectOption({ label: option });
    await page.locator('form[action="/portal/preview"] button').click();
    await check(page, 'preview');
  });

  it('no patient-facing page, hers or her caregiver’s, shows a FHIR id, a policy code or a purpose-of-use code', () => {
    expect(visited.map((v) => v.name)).toEqual(
      expect.arrayContaining(['signed-out', 'dashboard', 'history', 'review-form', 'caregiver-reading', 'caregiver-acting', 'preview', 'caregiver-preview']),
    );
    for (const v of visited) expect(codesIn(v.text), v.name).toEqual([]);
  });

  it('signs out: the session ends, its cookie is cleared, and the back button shows nothing of her record', async () => {
    const page = await maria.newPage();
    await page.goto(`${base}/portal`);
    const res = await page.request.get(`${base}/portal`);
    expect(res.headers()['cache-control']).toBe('no-store');
    const csrf = (await page.locator('input[name="csrf"]').first().getAttribute('value'))!;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/portal`);
    expect(await page.getByRole('link', { name: 'Sign in' }).count()).toBe(1);
    expect((await maria.cookies(`${base}/portal`)).some((c) => c.name === 'cg_session')).toBe(false);
    await page.goBack();
    expect(await page.locator('body').innerText()).not.toMatch(/Who can see my record|Maria (Elena|E) Alvarez/);
    // A form posted after the session ended (an old tab) changes nothing.
    expect(await post(page, '/portal/choices/research', `csrf=${csrf}&choice=out`)).toBe(401);
    const fresh = await browser.newContext({ bypassCSP: true });
    const again = await fresh.newPage();
    await signInAs(again, 'maria');
    expect(await again.locator('form[action="/portal/choices/research"]').innerText()).toMatch(/currently included in/);
    await fresh.close();
  });
});

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
