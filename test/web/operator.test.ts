import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPageAtBothWidths, expectKeyboardReachable, launchBrowser, noScriptContext } from '../helpers/browser.js';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { clientToken, DEV_PASSWORD } from '../helpers/gateway-tokens.js';
import { auditRows } from '../helpers/audit.js';
import { renderedText } from '../../src/audit/rows.js';

/**
 * The operator console in a real browser, against a gateway started as `npm start` starts it:
 * operators only, participants suspended and reinstated through the admin API (and the client's
 * next request refused), the audit chain checked on demand (and a tampered row found), and
 * break-the-glass findings recorded.
 */
describe('the operator console', () => {
  let gw: Gateway;
  let browser: Browser;
  let alex: { context: BrowserContext; page: Page };

  beforeAll(async () => {
    gw = await startGateway({ patients: 30 });
    browser = await launchBrowser();
    alex = await signedIn('alex');
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  /** Signs in on the gateway's own pages, whichever of them appear; resolves where the sign-in lands (under `area`). */
  async function completeSignIn(page: Page, username: string, area = '/operator') {
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(DEV_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const back = page.waitForURL((u) => u.pathname.startsWith(area)).then(() => 'back' as const);
    const allow = page
      .getByRole('button', { name: 'Allow' })
      .waitFor()
      .then(() => 'allow' as const);
    if ((await Promise.race([back, allow])) === 'allow') await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((u) => u.pathname.startsWith(area));
  }

  async function signedIn(username: string, opts: { noScript?: boolean } = {}) {
    const context = opts.noScript ? await noScriptContext(browser) : await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${gw.base}/operator`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await completeSignIn(page, username);
    return { context, page };
  }

  const auditEvents = () => {
    const db = new BetterSqlite3(join(gw.dataDir, 'audit.db'), { readonly: true });
    try {
      return auditRows(db).map((r) => ({ seq: r.seq, person: r.person, event: JSON.parse(renderedText(r)) }));
    } finally {
      db.close();
    }
  };
  const codeOf = (e: { subtype?: { code: string }[] }) => e.subtype?.at(-1)?.code;

  it('is for operators only: anonymous sees the sign-in, a clinician is refused with a page and gets no session', async () => {
    const anon = await fetch(`${gw.base}/operator/participants`);
    expect(anon.status).toBe(200);
    expect(await anon.text()).toMatch(/href="\/operator\/login"/);
    const anonPost = await fetch(`${gw.base}/operator/audit/verify`, { method: 'POST', body: new URLSearchParams({ csrf: 'x' }) });
    expect(anonPost.status).toBe(401);

    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${gw.base}/operator`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    const answered = page.waitForResponse((r) => r.url().includes('/operator/callback'));
    await completeSignIn(page, 'dr.chen').catch(() => undefined);
    expect((await answered).status()).toBe(403);
    expect(await page.locator('main').textContent()).toMatch(/This console is for the exchange’s operators/);
    // No session was made: the console's pages still offer only the sign-in.
    await page.goto(`${gw.base}/operator/participants`);
    expect(await page.locator('main').textContent()).not.toMatch(/Backend clients/);
    await context.close();
  });

  it('a session from another area, its cookie replayed at /operator, is refused with a page and reaches nothing', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${gw.base}/portal`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await completeSignIn(page, 'maria', '/portal');
    const cookie = (await context.cookies()).find((c) => c.name === 'cg_session')!;
    expect(cookie.path).toBe('/portal');
    for (const [method, path] of [
      ['GET', '/operator/participants'],
      ['GET', '/operator/reviews'],
      ['POST', '/operator/audit/verify'],
    ] as const) {
      const res = await fetch(`${gw.base}${path}`, { method, headers: { cookie: `cg_session=${cookie.value}` } });
      expect(res.status, path).toBe(403);
      const text = await res.text();
      expect(text).toMatch(/This console is for the exchange’s operators/);
      expect(text).not.toMatch(/Backend clients|Patient\//);
    }
    await context.close();
  });

  it('an operator can suspend a client and see its next request refused, with the token it already holds and a new token request alike', async () => {
    const before = await clientToken(gw, 'hosp-mercy', 'system/*.cu');
    const me = () => fetch(`${gw.base}/auth/me`, { headers: { authorization: `Bearer ${before}` } });
    const fhirRead = () => fetch(`${gw.fhir}/Encounter?_count=1`, { headers: { authorization: `Bearer ${before}`, accept: 'application/fhir+json' } });
    expect((await me()).status).toBe(200);
    expect((await fhirRead()).status).not.toBe(401);

    const { page } = alex;
    await page.goto(`${gw.base}/operator/participants`);
    const reason = page.getByLabel('Reason for suspending hosp-mercy');
    const row = page.locator('tr', { has: reason });

    // No reason: refused next to the field, and nothing changed.
    await row.getByRole('button', { name: 'Suspend' }).click();
    expect(await page.locator('[role=alert]').first().textContent()).toMatch(/Nothing was changed/);
    expect(await row.locator('.field-error').textContent()).toMatch(/Say why/);
    expect(await reason.getAttribute('aria-invalid')).toBe('true');
    expect((await me()).status).toBe(200);

    // A forged CSRF token changes nothing.
    const forged = await page.request.post(`${gw.base}/operator/participants/clients/hosp-mercy/suspend`, { form: { csrf: 'forged', reason: 'x' } });
    expect(forged.status()).toBe(403);
    expect((await me()).status).toBe(200);

    await reason.fill('Key compromise reported by Mercy IT');
    await row.getByRole('button', { name: 'Suspend' }).click();
    await page.waitForURL(`${gw.base}/operator/participants`);
    expect(await page.locator('main').textContent()).toMatch(/hosp-mercy suspended/);
    expect(await page.locator('tr', { has: page.getByLabel('Reason for reinstating hosp-mercy (optional)') }).textContent()).toMatch(/suspended/);

    const refused = await me();
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/invalid_token/);
    const fhirRefused = await fhirRead();
    expect(fhirRefused.status).toBe(401);
    expect((await fhirRefused.json()).resourceType).toBe('OperationOutcome');
    await expect(clientToken(gw, 'hosp-mercy', 'system/*.cu')).rejects.toMatchObject({ error: 'invalid_client' });

    await page.getByLabel('Reason for reinstating hosp-mercy (optional)').fill('Keys rotated');
    await page.getByRole('button', { name: 'Reinstate' }).click();
    await page.waitForURL(`${gw.base}/operator/participants`);
    expect(await page.locator('main').textContent()).toMatch(/hosp-mercy reinstated/);
    expect((await me()).status).toBe(200);

    // Audited as the admin API audits, with the operator as agent and the reason kept.
    const changes = auditEvents()
      .map((r) => r.event)
      .filter((e) => e.subtype?.some((s: { code: string }) => s.code === 'participants'));
    const mine = changes.filter((e) => e.agent[0].who.identifier.value === 'alex');
    expect(mine.map((e) => [codeOf(e), e.outcome])).toEqual([
      ['suspend', '0'],
      ['resume', '0'],
    ]);
    expect(mine[0].entity[0].detail.map((d: { valueString: string }) => d.valueString)).toEqual([
      'status=suspended',
      'reason=Key compromise reported by Mercy IT',
    ]);
  });

  it('suspends and reinstates an organization through the same forms', async () => {
    const { page } = alex;
    await page.goto(`${gw.base}/operator/participants`);
    const reason = page.getByLabel(/^Reason for suspending Mercy General Hospital/);
    await reason.fill('Contract lapsed');
    await page.locator('tr', { has: reason }).getByRole('button', { name: 'Suspend' }).click();
    await page.waitForURL(`${gw.base}/operator/participants`);
    expect(await page.locator('main').textContent()).toMatch(/Organization\/hosp-mercy-org suspended/);
    await page
      .locator('tr', { has: page.getByLabel(/^Reason for reinstating Mercy General Hospital/) })
      .getByRole('button', { name: 'Reinstate' })
      .click();
    await page.waitForURL(`${gw.base}/operator/participants`);
    expect(await page.locator('main').textContent()).toMatch(/Organization\/hosp-mercy-org reinstated/);
  });

  it('verifies the audit chain on demand, and reports where a tampered row breaks it', async () => {
    const { page } = alex;
    await page.goto(`${gw.base}/operator/audit`);
    expect(await page.locator('main').textContent()).toMatch(/never run from the console/);
    // A forged form token runs nothing (the exact count of runs is checked below).
    expect((await page.request.post(`${gw.base}/operator/audit/verify`, { form: { csrf: 'forged' } })).status()).toBe(403);
    await page.getByRole('button', { name: 'Verify the chain now' }).click();
    expect(await page.locator('[role=status]').textContent()).toMatch(/Audit chain intact: \d+ events checked/);

    const db = new BetterSqlite3(join(gw.dataDir, 'audit.db'));
    db.pragma('busy_timeout = 5000');
    const original = db.prepare('select outcome, resource from audit_events where seq = 3').get() as { outcome: string | null; resource: string | null };
    try {
      // Whichever form event 3 has (an access's columns or a whole event), its outcome is changed.
      db.prepare('update audit_events set outcome = ?, resource = ? where seq = 3').run(
        `${original.outcome ?? ''}x`,
        original.resource?.replace('"outcome":"', '"outcome":"x') ?? null,
      );
      await page.goto(`${gw.base}/operator/audit`);
      expect(await page.locator('main').textContent()).toMatch(/alex: intact/);
      await page.getByRole('button', { name: 'Verify the chain now' }).click();
      const alert = (await page.locator('[role=alert]').textContent())!;
      // One problem or two: a whole event whose access-only column was filled also has a column its hash does not cover.
      expect(alert).toMatch(/Audit chain BROKEN: [12] problem\(s\)/);
      expect(alert).toMatch(/first breaks at event 3/);
      expect(alert).toMatch(/content does not match its hash/);
    } finally {
      db.prepare('update audit_events set outcome = ?, resource = ? where seq = 3').run(original.outcome, original.resource);
      db.close();
    }
    // Each run is itself an audit event, with the operator and what it found.
    const runs = auditEvents().filter((r) => codeOf(r.event) === 'audit-verify');
    expect(runs.map((r) => r.event.outcomeDesc)).toEqual([expect.stringMatching(/^intact/), expect.stringMatching(/^broken: .*first at event 3/)]);
    expect(runs[1]!.event.agent[0].who.identifier.value).toBe('alex');
  });

  it('lists break-the-glass accesses waiting for review, asked-about first, and records a finding once', async () => {
    const main = new BetterSqlite3(join(gw.dataDir, 'gateway.db'));
    main.pragma('busy_timeout = 5000');
    try {
      const grant = main.prepare(
        'insert into break_glass (id, patient_id, practitioner, organization, reason, started_at, expires_at) values (?, ?, ?, ?, ?, ?, ?)',
      );
      grant.run(
        'bg-old',
        'clinic-oak-pat-000002',
        'Practitioner/dr-okafor',
        'Organization/hosp-riverside-org',
        'Unconscious in ED',
        '2026-01-01T10:00:00Z',
        '2026-01-01T11:00:00Z',
      );
      grant.run(
        'bg-asked',
        'clinic-oak-pat-000001',
        'Practitioner/dr-okafor',
        'Organization/hosp-riverside-org',
        'Seizure, no history',
        '2026-01-02T10:00:00Z',
        '2026-01-02T11:00:00Z',
      );
      grant.run(
        'bg-new',
        'clinic-oak-pat-000003',
        'Practitioner/dr-chen',
        'Organization/clinic-oak-org',
        'Allergy check',
        '2026-01-03T10:00:00Z',
        '2026-01-03T11:00:00Z',
      );
      main
        .prepare(
          "insert into break_glass_reviews (id, grant_id, kind, actor, at, note) values ('rq-1', 'bg-asked', 'requested', 'Patient/clinic-oak-pat-000001', '2026-01-05T09:00:00Z', 'I was never at Riverside')",
        )
        .run();
    } finally {
      main.close();
    }
    const { page } = alex;
    await page.goto(`${gw.base}/operator/reviews`);
    const headings = await page.locator('main section h2').allTextContents();
    expect(headings).toEqual(['Asked about by the patient: Patient/clinic-oak-pat-000001', 'Patient/clinic-oak-pat-000003', 'Patient/clinic-oak-pat-000002']);
    const asked = page.locator('section', { has: page.getByRole('heading', { name: /clinic-oak-pat-000001/ }) });
    expect(await asked.textContent()).toMatch(/Organization\/hosp-riverside-org[\s\S]*Seizure, no history[\s\S]*I was never at Riverside/);

    // A forged form token records nothing.
    const forged = await page.request.post(`${gw.base}/operator/reviews`, { form: { csrf: 'forged', grant: 'bg-asked', outcome: 'inappropriate', note: 'x' } });
    expect(forged.status()).toBe(403);
    // No outcome: refused next to the field, the note kept.
    await asked.getByLabel('Note').fill('Checked the ED log');
    await asked.getByRole('button', { name: 'Record finding' }).click();
    const again = page.locator('section', { has: page.getByRole('heading', { name: /clinic-oak-pat-000001/ }) });
    expect(await again.locator('.field-error').textContent()).toMatch(/Choose whether/);
    expect(await again.getByLabel('Note').inputValue()).toBe('Checked the ED log');

    await again.getByLabel('Finding').selectOption('appropriate');
    await again.getByRole('button', { name: 'Record finding' }).click();
    await page.waitForURL(`${gw.base}/operator/reviews`);
    expect(await page.locator('main').textContent()).toMatch(/Finding recorded: appropriate/);
    expect(await page.locator('main section h2').allTextContents()).toEqual(['Patient/clinic-oak-pat-000003', 'Patient/clinic-oak-pat-000002']);

    // A second finding for the same grant (a stale form) is refused and changes nothing.
    const csrf = await page.locator('input[name=csrf]').first().getAttribute('value');
    const second = await page.request.post(`${gw.base}/operator/reviews`, { form: { csrf: csrf!, grant: 'bg-asked', outcome: 'inappropriate', note: 'x' } });
    expect(await second.text()).toMatch(/already recorded/);

    const events = auditEvents();
    const findings = events.filter((r) => codeOf(r.event) === 'break-glass-finding');
    expect(findings.map((r) => [r.person, r.event.outcome])).toEqual([
      ['clinic-oak-pat-000001', '0'],
      ['clinic-oak-pat-000001', '4'],
    ]);
    // Viewing the queue is in each shown patient's accounting.
    expect(events.some((r) => codeOf(r.event) === 'break-glass-view' && r.person === 'clinic-oak-pat-000002')).toBe(true);
  });

  it('shows ingestion runs, the links made on demographic evidence, and the releases with the privacy budget', async () => {
    const { page } = alex;
    await page.goto(`${gw.base}/operator/ingestion`);
    const text = (await page.locator('main').textContent())!;
    expect(text).toMatch(/Ingestion runs/);
    expect(await page.locator('table[aria-labelledby=runs] tbody tr').count()).toBeGreaterThan(0);
    expect(text).toMatch(/source records were linked to a person by name/);
    await page.goto(`${gw.base}/operator/releases`);
    expect(await page.locator('main').textContent()).toMatch(/Lifetime budget/);
  });

  it('every page works at 375 px and 1280 px, by keyboard, without a serious axe violation', async () => {
    const { page } = alex;
    for (const [path, name] of [
      ['/operator', 'operator-home'],
      ['/operator/participants', 'operator-participants'],
      ['/operator/audit', 'operator-audit'],
      ['/operator/reviews', 'operator-reviews'],
      ['/operator/ingestion', 'operator-ingestion'],
      ['/operator/releases', 'operator-releases'],
    ] as const) {
      await page.goto(`${gw.base}${path}`);
      await checkPageAtBothWidths(page, name);
      await expectKeyboardReachable(page, 1200);
    }
    // A refused form too: its errors must be as accessible as the page.
    await page.goto(`${gw.base}/operator/participants`);
    const reason = page.getByLabel('Reason for suspending hosp-mercy');
    await page.locator('tr', { has: reason }).getByRole('button', { name: 'Suspend' }).click();
    await checkPageAtBothWidths(page, 'operator-participants-refused');
  });

  it('works without JavaScript: sign in, run the chain check, refuse an empty reason', async () => {
    const { context, page } = await signedIn('alex', { noScript: true });
    await page.goto(`${gw.base}/operator/audit`);
    await page.getByRole('button', { name: 'Verify the chain now' }).click();
    expect(await page.locator('[role=status]').textContent()).toMatch(/Audit chain intact/);
    await page.goto(`${gw.base}/operator/participants`);
    const reason = page.getByLabel('Reason for suspending hosp-mercy');
    await page.locator('tr', { has: reason }).getByRole('button', { name: 'Suspend' }).click();
    expect(await page.locator('.field-error').first().textContent()).toMatch(/Say why/);
    await context.close();
  });
});
