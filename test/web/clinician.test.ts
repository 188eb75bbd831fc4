import { demoAppToken } from '../helpers/demo-app-token.js';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientToken } from '../helpers/gateway-tokens.js';
import { checkPageAtBothWidths, expectAccessible, expectKeyboardReachable, launchBrowser, noScriptContext, screenshot } from '../helpers/browser.js';
import { suiteDir } from '../helpers/db.js';
import { startProcess, type Started } from '../helpers/process.js';

const PASSWORD = 'consent-gateway-dev';
const MARIA = 'clinic-oak-pat-000001';
/** Anything of Maria's opioid use disorder care (42 CFR Part 2): the diagnosis, its codes, her buprenorphine. */
const PART_2 = /opioid|F11|buprenorphine|suboxone|naloxone|methadone/i;

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
    await page.getByRole('link', { name: 'By visit and source' }).click();
    const text = (await page.locator('main').textContent())!;
    expect(text).toMatch(/By visit/);
    expect(text).toMatch(/from Oakwood Family Medicine/);
    expect(text).toMatch(/from Mercy General Hospital/);
    // 42 CFR Part 2: her opioid use disorder care is withheld without her written consent, and nothing hints at it.
    expect(text).not.toMatch(PART_2);
    await expectAccessible(page);
    await screenshot(page, 'clinician-record');
    await context.close();
  });

  it('a blocked clinician sees "not available"; emergency access asks for a reason, says the patient will be told, and the patient sees it', async () => {
    // Maria blocks Riverside through the API with her own token (the portal test covers the page).
    const maria = await demoAppToken(base, 'maria', 'openid launch/patient patient/*.rs');
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
    await checkPageAtBothWidths(page, 'clinician-no-access');
    await expectKeyboardReachable(page);
    // The same page as for a record that does not exist: nothing hinted.
    const absent = await (await context.newPage()).goto(`${base}/clinician/patients/nobody-000`);
    expect(absent!.status()).toBe(404);
    await page.getByRole('link', { name: 'sign in for emergency access' }).click();
    await completeSignIn(page, 'dr.okafor');
    await page.goto(`${base}/clinician/patients/${MARIA}`);
    expect(await page.locator('form', { hasText: 'Emergency access' }).textContent()).toMatch(/The patient will be told/);
    await checkPageAtBothWidths(page, 'clinician-break-glass');
    await expectKeyboardReachable(page);
    await page.getByLabel('Reason').fill('Unconscious in the ED, need medication history');
    await page.getByRole('button', { name: 'Break the glass' }).click();
    expect(await page.locator('h1').textContent()).toMatch(/Maria/);

    const history = (await (
      await fetch(`${base}/fhir/AuditEvent?patient=Patient/${MARIA}&_count=200`, { headers: { authorization: `Bearer ${maria}` } })
    ).json()) as { entry: { resource: { extension?: { url: string }[] } }[] };
    expect(history.entry.some((e) => e.resource.extension?.some((x) => x.url === 'urn:consent-gateway:break-glass'))).toBe(true);
    await context.close();
  });

  /** A context with JavaScript off that carries the signed-in context's session. */
  async function withoutScript(from: BrowserContext): Promise<{ context: BrowserContext; page: Page }> {
    const context = await noScriptContext(browser);
    await context.addCookies(await from.cookies());
    return { context, page: await context.newPage() };
  }

  it('the summary shows the latest HbA1c with its value and unit and says whether it is rising; the chart is drawn with JS and the table is there without', async () => {
    const { context, page } = await signedInContext('dr.chen');
    await page.goto(`${base}/clinician/patients/${MARIA}`);
    const sentence = (await page.locator('[data-trend="hba1c"]').textContent())!;
    const said =
      /HbA1c (\d+(?:\.\d+)?)% on (\d{1,2} \w{3} \d{4}), (rising: up from|falling: down from|unchanged from) (\d+(?:\.\d+)?)% on (\d{1,2} \w{3} \d{4})/.exec(
        sentence,
      );
    expect(said, sentence).not.toBeNull();
    const [, latest, latestDay, word, before] = said!;
    // The word agrees with the numbers.
    const delta = Number(latest) - Number(before);
    expect(word).toBe(delta > 0 ? 'rising: up from' : delta < 0 ? 'falling: down from' : 'unchanged from');
    // The results table: the same value, with its unit, in the row for HbA1c, and a range column (the range itself once the region carries one).
    const row = page.locator('table:has(caption:has-text("Latest result")) tbody tr', { hasText: /A1c/ });
    expect(await row.locator('td').nth(1).textContent()).toBe(`${latest}%`);
    expect(await page.locator('table:has(caption:has-text("Latest result")) th').allTextContents()).toEqual(
      expect.arrayContaining(['Value', 'Reference range', 'Flag']),
    );
    // The region's labs carry reference ranges and the lab's flag: Maria's latest HbA1c shows both.
    const headers = await page.locator('table:has(caption:has-text("Latest result")) th').allTextContents();
    const cellUnder = async (name: string) => (await row.locator('th, td').nth(headers.indexOf(name)).textContent())!.trim();
    expect(await cellUnder('Reference range')).toMatch(/5\.6\s*%/);
    expect(await cellUnder('Flag')).toMatch(/High/);
    // Her prescriptions and her allergy, from the region, on the first screen's cards.
    const summaryText = (await page.locator('main').textContent())!;
    expect(summaryText).toMatch(/metformin/i);
    expect(summaryText).toMatch(/penicillin/i);
    // Blood pressure reads as systolic/diastolic with its unit.
    expect(await page.locator('[data-trend="blood-pressure"]').textContent()).toMatch(/Blood pressure \d+\/\d+ mmHg on/);
    // With JavaScript the chart is drawn, from the same points as the table under it.
    const figure = page.locator('figure[data-chart="trend-hba1c"]');
    await page.locator('figure[data-chart="trend-hba1c"][data-drawn="true"]').waitFor();
    const spec = JSON.parse((await figure.locator('script[type="application/json"]').textContent())!) as {
      type: string;
      labels: string[];
      datasets: { data: number[] }[];
    };
    expect(spec.type).toBe('line');
    expect(spec.labels.at(-1)).toBe(latestDay);
    expect(spec.datasets[0]!.data.at(-1)).toBe(Number(latest));
    const tableRows = await figure.locator('tbody tr').allTextContents();
    expect(tableRows).toHaveLength(spec.labels.length);
    expect(tableRows.at(-1)).toContain(`${latest}%`);
    await checkPageAtBothWidths(page, 'clinician-summary');
    await expectKeyboardReachable(page);

    // Without JavaScript: no chart is drawn, and the sentence and the table say it all.
    const off = await withoutScript(context);
    await off.page.goto(`${base}/clinician/patients/${MARIA}`);
    expect(await off.page.locator('figure[data-chart="trend-hba1c"]').getAttribute('data-drawn')).toBeNull();
    expect(await off.page.locator('[data-trend="hba1c"]').textContent()).toBe(sentence);
    expect(await off.page.locator('figure[data-chart="trend-hba1c"] tbody tr').allTextContents()).toEqual(tableRows);
    expect(await off.page.locator('table:has(caption:has-text("Latest result")) tbody tr', { hasText: /A1c/ }).locator('td').nth(1).textContent()).toBe(
      `${latest}%`,
    );
    await off.context.close();
    await context.close();
  });

  it("a clinician new to the page can answer 'what is her latest HbA1c and is it rising?' from the first screen, on a desktop and on a phone", async () => {
    const { context, page } = await signedInContext('dr.chen');
    for (const size of [
      { width: 1280, height: 900 },
      { width: 375, height: 812 },
    ]) {
      await page.setViewportSize(size);
      await page.goto(`${base}/clinician/patients/${MARIA}`);
      const where = await page.evaluate(() => {
        const e = document.querySelector('[data-trend="hba1c"]')!;
        const r = e.getBoundingClientRect();
        return { scrollY: window.scrollY, top: r.top, bottom: r.bottom, height: window.innerHeight, text: e.textContent ?? '' };
      });
      expect(where.scrollY).toBe(0);
      expect(where.top).toBeGreaterThanOrEqual(0);
      expect(where.bottom, `at ${size.width}px`).toBeLessThanOrEqual(where.height);
      expect(where.text).toMatch(/HbA1c \d+(\.\d+)?% on .*(rising|falling|unchanged)/);
      await screenshot(page, `clinician-summary-first-screen-${size.width}`);
    }
    await context.close();
  });

  it('the banner is the same on a record with data withheld and on one without, and nothing else hints at what was withheld', async () => {
    const { context, page } = await signedInContext('dr.chen');
    const others = await page.locator('table a[href^="/clinician/patients/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
    const other = others.find((h) => !h.endsWith(MARIA))!;
    expect(other).toBeTruthy();
    const get = async (path: string) => (await context.request.get(`${base}${path}`)).text();
    const banner = (h: string) => /<div class="banner" role="note">([\s\S]*?)<\/div>/.exec(h)?.[1];
    const headings = (h: string) => [...h.matchAll(/<h2[^>]*>([\s\S]*?)<\/h2>/g)].map((m) => m[1]!.trim());
    // Maria's Part 2 care is withheld from Dr Chen without her written consent; the other record is shown as it is.
    const [withheld, plain, withheldVisits, plainVisits] = await Promise.all([
      get(`/clinician/patients/${MARIA}`),
      get(other),
      get(`/clinician/patients/${MARIA}/visits`),
      get(`${other}/visits`),
    ]);
    expect(banner(withheld)).toBe('Patients can restrict what is shared; this record may not be complete.');
    for (const h of [plain, withheldVisits, plainVisits]) expect(banner(h)).toBe(banner(withheld));
    // The same sections in the same order: no section appears, or goes missing, because something was withheld.
    expect(headings(withheld)).toEqual(headings(plain));
    expect(headings(withheldVisits)).toEqual(headings(plainVisits));
    for (const h of [withheld, withheldVisits]) {
      const outsideBanner = h.replace(/<div class="banner"[\s\S]*?<\/div>/, '');
      expect(outsideBanner).not.toMatch(/withheld|restricted|hidden|redact|part 2|42 CFR|sensitive|not shown/i);
    }
    await context.close();
  });

  it("Maria's Part 2 data never reaches Dr Chen without her consent: not in the summary, the charts' data, the visits or the fills", async () => {
    const { context } = await signedInContext('dr.chen');
    for (const path of [`/clinician/patients/${MARIA}`, `/clinician/patients/${MARIA}/visits`]) {
      const res = await context.request.get(`${base}${path}`);
      expect(res.status()).toBe(200);
      const body = await res.text();
      expect(body).not.toMatch(PART_2);
      // The charts' JSON blocks, read on their own.
      for (const m of body.matchAll(/<script type="application\/json">([\s\S]*?)<\/script>/g)) expect(m[1]).not.toMatch(PART_2);
    }
    await context.close();
  });

  it('the visits page groups pharmacy claims one line per drug, and works at both widths, by keyboard and without JavaScript', async () => {
    const { context, page } = await signedInContext('dr.chen');
    await page.goto(`${base}/clinician/patients/${MARIA}/visits`);
    const drugs = await page.locator('table:has(caption:has-text("one line per drug")) tbody tr td:first-child').allTextContents();
    expect(new Set(drugs).size).toBe(drugs.length);
    expect(await page.locator('main').textContent()).not.toMatch(/ExplanationOfBenefit: .*\n.*ExplanationOfBenefit/);
    await checkPageAtBothWidths(page, 'clinician-visits');
    await expectKeyboardReachable(page);
    const off = await withoutScript(context);
    await off.page.goto(`${base}/clinician/patients/${MARIA}/visits`);
    // A <details> opens without JavaScript.
    await off.page.locator('details > summary').first().click();
    expect(await off.page.locator('details[open] li').count()).toBeGreaterThan(0);
    await off.context.close();
    await context.close();
  });

  it('the notifications inbox lists two weeks of admissions and discharges and refuses a future or malformed day next to the field, keeping what was typed', async () => {
    const { context, page } = await signedInContext('dr.chen');
    await page.getByRole('link', { name: 'Notifications' }).click();
    expect(await page.locator('h1').textContent()).toBe('Notifications');
    expect(await page.locator('caption').textContent()).toMatch(/Events, .+ to .+/);
    await checkPageAtBothWidths(page, 'clinician-notifications');
    await expectKeyboardReachable(page);
    for (const typed of ['2999-01-01', '2025-02-30', "2025-01-01' OR 1=1"]) {
      await page.goto(`${base}/clinician/notifications`);
      await page.getByLabel('Show one day').fill(typed);
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url().includes('/clinician/notifications?')),
        page.getByRole('button', { name: 'Show' }).click(),
      ]);
      expect(res.status()).toBe(400);
      const field = page.getByLabel('Show one day');
      expect(await field.inputValue()).toBe(typed);
      expect(await field.getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('#date-error').textContent()).toMatch(typed.startsWith('2999') ? /has happened/ : /YYYY-MM-DD/);
      expect(await field.getAttribute('aria-describedby')).toBe('date-error');
    }
    await checkPageAtBothWidths(page, 'clinician-notifications-refused');
    // One chosen day, without JavaScript.
    const off = await withoutScript(context);
    await off.page.goto(`${base}/clinician/notifications`);
    await off.page.getByLabel('Show one day').fill('2025-11-03');
    await off.page.getByRole('button', { name: 'Show' }).click();
    expect(await off.page.locator('caption').textContent()).toMatch(/Events, 3 Nov 2025/);
    await off.context.close();
    await context.close();
  });

  it("lists the organization's stored reports with period and status, and shows one as a table, not JSON", async () => {
    const { context, page } = await signedInContext('dr.chen');
    // A record page's run for one patient is stored too: it must not push the organization's report off the list.
    await page.goto(`${base}/clinician/patients/${MARIA}`);
    await page.getByRole('link', { name: 'Reports' }).click();
    expect(await page.locator('h1').textContent()).toBe('Reports');
    const rows = page.locator('tbody tr');
    const gaps = rows.filter({ has: page.getByRole('link', { name: 'Care gaps' }) });
    expect(await gaps.count()).toBeGreaterThan(0);
    expect(await gaps.first().textContent()).toMatch(/1 Jan 2025 to 31 Dec 2025[\s\S]*final · \d+ patients?/);
    await checkPageAtBothWidths(page, 'clinician-reports');
    await expectKeyboardReachable(page);
    const performance = rows.filter({ has: page.getByRole('link', { name: 'Performance' }) });
    await gaps.first().getByRole('link').click();
    expect(await page.locator('h1').textContent()).toBe('Care gaps report');
    expect(await page.locator('main').textContent()).not.toMatch(/"resourceType"|\{"/);
    expect(await page.locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('tbody tr').first().locator('td').count()).toBe(3);
    await checkPageAtBothWidths(page, 'clinician-report-gaps');
    await expectKeyboardReachable(page);
    // The record page's own $care-gaps run agrees with the organization's stored report: a gap open there is open on her summary, a closed one is not.
    const first = page.locator('tbody tr').first();
    const [measure, status] = [(await first.locator('td').nth(1).textContent())!, (await first.locator('td').nth(2).textContent())!];
    const reportUrl = page.url();
    await first.getByRole('link').click();
    const gapsShown = (await page.locator('section[aria-labelledby="care-gaps"]').textContent())!;
    if (status === 'Open Gap') expect(gapsShown).toContain(measure);
    else expect(gapsShown).not.toContain(measure);
    await page.goto(reportUrl);
    await page.goto(`${base}/clinician/reports`);
    if ((await performance.count()) > 0) {
      await performance.first().getByRole('link').click();
      expect(await page.locator('h1').textContent()).toBe('Performance report');
      expect(await page.locator('main').textContent()).not.toMatch(/"resourceType"/);
      await checkPageAtBothWidths(page, 'clinician-report-performance');
    }
    // Another organization's report id, or a made-up one, is the same "not available".
    for (const bad of [
      '/clinician/reports/care-gaps/nope?day=2025-12-31',
      '/clinician/reports/other/x?day=2025-12-31',
      '/clinician/reports/care-gaps/x?day=2999-01-01',
    ]) {
      const res = await context.request.get(`${base}${bad}`);
      expect(res.status()).toBe(404);
      expect(await res.text()).toMatch(/Report not available/);
    }
    const off = await withoutScript(context);
    await off.page.goto(`${base}/clinician/reports`);
    expect(await off.page.locator('tbody tr').count()).toBeGreaterThan(0);
    await off.context.close();
    await context.close();
  });

  it('the signed-out page and the roster pass at both widths, by keyboard, and without JavaScript', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${base}/clinician`);
    await checkPageAtBothWidths(page, 'clinician-signed-out');
    await expectKeyboardReachable(page);
    await context.close();
    const signed = await signedInContext('dr.chen');
    await checkPageAtBothWidths(signed.page, 'clinician-roster');
    await expectKeyboardReachable(signed.page);
    const off = await withoutScript(signed.context);
    await off.page.goto(`${base}/clinician`);
    await off.page.getByLabel('Open a patient by record id').fill(MARIA);
    await off.page.getByRole('button', { name: 'Open' }).click();
    expect(await off.page.locator('[data-trend="hba1c"]').textContent()).toMatch(/HbA1c/);
    await off.context.close();
    await signed.context.close();
  });

  it('a lab with a reference range and an interpretation, a prescription, an allergy and a vaccine sent by a source appear on the summary with range and flag', async () => {
    // Oakwood's EHR sends what the synthetic region does not carry yet, as any source would: one transaction.
    const gw = { issuer: `${base}/oidc`, keysDir: join(dir.path, 'keys') } as Parameters<typeof clientToken>[0];
    const source = await clientToken(gw, 'clinic-oak', 'system/*.cu');
    const subject = { reference: `Patient/${MARIA}` };
    const LOINC = 'http://loinc.org';
    const resources = [
      {
        resourceType: 'Observation',
        id: 'clinic-oak-obs-a1c-ranged',
        status: 'final',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
        code: { coding: [{ system: LOINC, code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood' }], text: 'Hemoglobin A1c' },
        subject,
        effectiveDateTime: '2025-12-15',
        valueQuantity: { value: 8.4, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
        interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'H' }] }],
        referenceRange: [{ low: { value: 4, unit: '%' }, high: { value: 5.6, unit: '%' } }],
      },
      {
        resourceType: 'Observation',
        id: 'clinic-oak-obs-ldl-ranged',
        status: 'final',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
        code: { coding: [{ system: LOINC, code: '13457-7' }], text: 'LDL cholesterol' },
        subject,
        effectiveDateTime: '2025-12-15',
        valueQuantity: { value: 162, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
        referenceRange: [{ high: { value: 100, unit: 'mg/dL' } }],
      },
      {
        resourceType: 'MedicationRequest',
        id: 'clinic-oak-medrx-metformin',
        status: 'active',
        intent: 'order',
        medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '860975' }], text: 'Metformin 500 mg tablet' },
        subject,
        authoredOn: '2025-12-15',
        dosageInstruction: [{ text: 'One tablet twice a day' }],
      },
      {
        resourceType: 'AllergyIntolerance',
        id: 'clinic-oak-allergy-penicillin',
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
        criticality: 'high',
        code: { text: 'Penicillin' },
        patient: subject,
        reaction: [{ manifestation: [{ text: 'Hives' }] }],
      },
      {
        resourceType: 'Immunization',
        id: 'clinic-oak-imm-flu-2025',
        status: 'completed',
        vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '158' }], text: 'Influenza vaccine' },
        patient: subject,
        occurrenceDateTime: '2025-10-01',
      },
    ];
    const tx = await fetch(`${base}/fhir`, {
      method: 'POST',
      headers: { authorization: `Bearer ${source}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: resources.map((r) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } })),
      }),
    });
    expect(tx.status, await tx.clone().text()).toBe(200);

    const { context, page } = await signedInContext('dr.chen');
    await page.goto(`${base}/clinician/patients/${MARIA}`);
    expect(await page.locator('[data-trend="hba1c"]').textContent()).toMatch(
      /^\s*HbA1c 8\.4% on 15 Dec 2025, rising: up from [\d.]+% on .*Reference range 4–5\.6%\. High/,
    );
    const results = page.locator('table:has(caption:has-text("Latest result")) tbody tr');
    expect((await results.filter({ hasText: 'Hemoglobin A1c' }).locator('td').allTextContents()).map((t) => t.trim()).slice(0, 4)).toEqual([
      'Hemoglobin A1c',
      '8.4%',
      '4–5.6%',
      'High',
    ]);
    // No interpretation from the lab: the flag is ours, read from the range, and says so.
    expect((await results.filter({ hasText: 'LDL' }).locator('td').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim()).slice(0, 4)).toEqual([
      'LDL cholesterol',
      '162 mg/dL',
      '≤ 100 mg/dL',
      'High (outside range)',
    ]);
    const text = async (s: string) => ((await page.locator(`section[aria-labelledby="${s}"]`).textContent()) ?? '').replace(/\s+/g, ' ');
    expect(await text('medications')).toMatch(/Metformin 500 mg tablet · One tablet twice a day/);
    expect(await text('allergies')).toMatch(/Penicillin · criticality high; reaction: Hives/);
    expect(await text('immunizations')).toMatch(/Influenza vaccine · Given 1 Oct 2025 \(from Oakwood Family Medicine\)/);
    await checkPageAtBothWidths(page, 'clinician-summary-full');
    await context.close();
  });
});
