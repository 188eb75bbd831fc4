/** Stored gaps reports: remarks by PATCH, reading gaps and documents, $reports by date (issue 16 items 1 and 4). Attacks first. */
import { seedRoster } from '../helpers/rosters.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { careGaps, gapRemarks } from '../../src/db/schema.js';
import { runRosters } from '../../src/rosters/run.js';
import { rosterGroupId } from '../../src/rosters/store.js';
import { patient, putEntry } from '../helpers/fhir.js';
import { consentFor } from '../helpers/scenario.js';
import { ALL_STATUSES, bundlesOf, careGapsQuery, gapOf, gapsWorld, LAKESHORE, OAK, PAYER_SOURCE, type GapsWorld } from './world.js';
import { auditTexts } from '../helpers/audit.js';

const REMARK = 'urn:consent-gateway:gap-remark';
const GAP_STATUS = 'http://hl7.org/fhir/us/davinci-deqm/StructureDefinition/extension-gapStatus';

let w: GapsWorld & { oakWriter: string; riversideWriter: string; payerWriter: string };
beforeEach(async () => {
  const s = await gapsWorld();
  const clinician = (sub: string, fhirUser: string, organization: string) =>
    s.issuer.mint({
      sub,
      client_id: 'portal',
      role: 'clinician',
      fhirUser,
      organization,
      scope: 'user/*.rs user/DetectedIssue.u user/Task.c',
      purpose_of_use: ['TREAT'],
    });
  w = {
    ...s,
    oakWriter: await clinician('dr.chen', 'Practitioner/clinic-oak-prac-chen', OAK),
    riversideWriter: await clinician('dr.okafor', 'Practitioner/hosp-riverside-prac-okafor', 'Organization/hosp-riverside-org'),
    payerWriter: await s.issuer.mint({
      sub: 'payer-lakeshore',
      client_id: 'payer-lakeshore',
      client_kind: 'payer',
      organization: LAKESHORE,
      scope: 'system/*.rs system/Task.cru system/DetectedIssue.u',
      purpose_of_use: ['HPAYMT', 'HOPERAT'],
    }),
  };
});

/** Oakwood's run on a roster Group: Bea's open breast-cancer-screening gap and Ana's closed one. */
async function oakRun(groupId = w.roster.groupId) {
  const res = await w.get(careGapsQuery({ status: ALL_STATUSES, subject: `Group/${groupId}`, measureId: 'breast-cancer-screening' }), w.tokens.chen);
  expect(res.status).toBe(200);
  const byName = bundlesOf(await res.json());
  return {
    reportId: res.headers.get('x-report-id')!,
    byName,
    bea: gapOf(byName.get('Bea')?.entries ?? [], 'breast-cancer-screening'),
    ana: gapOf(byName.get('Ana')!.entries, 'breast-cancer-screening')!,
  };
}

const patch = (id: string, token: string, body: unknown, contentType = 'application/json-patch+json') =>
  w.app.request(`/fhir/DetectedIssue/${id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const remark = (code: string, text?: string) => [
  { op: 'add', path: '/mitigation/-', value: { action: { coding: [{ system: REMARK, code }], ...(text ? { text } : {}) } } },
];
const remarks = () => w.db.orm.select().from(gapRemarks);
const statusOf = (issue: any) => issue.modifierExtension.find((e: any) => e.url === GAP_STATUS).valueCodeableConcept.coding[0].code;

describe('who may see or remark on a stored gap', () => {
  it("another organization's PATCH and GET are answered exactly as a nonexistent id, and nothing is stored", async () => {
    const { bea } = await oakRun();
    const id = bea!.issue.id as string;
    for (const token of [w.riversideWriter, w.payerWriter]) {
      const hidden = await patch(id, token, remark('other'));
      const missing = await patch('no-such-gap', token, remark('other'));
      expect(hidden.status).toBe(404);
      expect(missing.status).toBe(404);
      expect((await hidden.text()).replace(id, 'X')).toBe((await missing.text()).replace('no-such-gap', 'X'));
    }
    for (const token of [w.tokens.riverside, w.tokens.payer, w.tokens.otherPayer, w.tokens.maria]) {
      const hidden = await w.get(`/fhir/DetectedIssue/${id}`, token);
      const missing = await w.get('/fhir/DetectedIssue/no-such-gap', token);
      expect(hidden.status).toBe(404);
      expect((await hidden.text()).replace(id, 'X')).toBe((await missing.text()).replace('no-such-gap', 'X'));
    }
    expect(await remarks()).toEqual([]);
  });

  it('a payer cannot remark on the report its provider made, even about its own member', async () => {
    const { bea } = await oakRun();
    expect((await patch(bea!.issue.id, w.payerWriter, remark('completed-elsewhere'))).status).toBe(404);
    expect(await remarks()).toEqual([]);
  });

  it('a consent change after the report hides the stored gap and document from the organization (404)', async () => {
    const { ana } = await oakRun();
    const issueId = ana.issue.id as string;
    const doc = await w.db.sqlite.prepare("select json_extract(content, '$.id') from report_documents where content like ?").pluck().get(`%${issueId}%`);
    expect((await w.get(`/fhir/Bundle/${doc}`, w.tokens.chen)).status).toBe(200);
    expect((await w.get(`/fhir/DetectedIssue/${issueId}`, w.tokens.chen)).status).toBe(200);
    // Ana now denies Oakwood her Procedures: her document holds one, so it is no longer shown.
    const anaPatient = 'cb-ana';
    const res = await w.send('POST', '/fhir/Consent', w.tokens.operator, {
      ...consentFor('ana-no-oak', {
        type: 'deny',
        actor: [{ role: { text: 'recipient' }, reference: { reference: OAK } }],
        class: [{ code: 'Procedure' }],
      }),
      id: undefined,
      patient: { reference: `Patient/${anaPatient}` },
    });
    if (res.status !== 201) return expect.fail(`consent not stored: ${res.status} ${await res.text()}`);
    const hidden = await w.get(`/fhir/Bundle/${doc}`, w.tokens.chen);
    const missing = await w.get('/fhir/Bundle/nope', w.tokens.chen);
    expect(hidden.status).toBe(404);
    expect((await hidden.text()).replace(String(doc), 'X')).toBe((await missing.text()).replace('nope', 'X'));
    expect((await w.get(`/fhir/DetectedIssue/${issueId}`, w.tokens.chen)).status).toBe(404);
    expect((await patch(issueId, w.oakWriter, remark('other'))).status).toBe(404);
  });

  it("a payer's run on the organization's roster is never shown to the organization with a record it may not see", async () => {
    // Hana's only mammogram (May 2025) sits in hospital A's feed; she denies Oakwood her Procedures of that
    // month only, so Oakwood may still see the class but not that record; the payer may see it.
    const denied = await w.send('POST', '/fhir/Consent', w.tokens.operator, {
      ...consentFor('hana-no-oak', {
        type: 'deny',
        actor: [{ role: { text: 'recipient' }, reference: { reference: OAK } }],
        class: [{ code: 'Procedure' }],
        dataPeriod: { start: '2025-05-01', end: '2025-05-31' },
      }),
      id: undefined,
      patient: { reference: 'Patient/ha-hana' },
    });
    expect(denied.status).toBe(201);
    expect((await w.get('/fhir/Procedure/proc-hana', w.tokens.chen)).status).toBe(404);
    const res = await w.get(
      careGapsQuery({ status: ALL_STATUSES, subject: `Group/${w.roster.groupId}`, measureId: 'breast-cancer-screening' }),
      w.tokens.payer,
    );
    expect(res.status).toBe(200);
    const hana = bundlesOf(await res.json()).get('Hana')!;
    expect(JSON.stringify(hana.bundle)).toContain('proc-hana');
    const hidden = await w.get(`/fhir/Bundle/${hana.bundle.id}`, w.tokens.chen);
    expect(hidden.status).toBe(404);
    expect((await w.get(`/fhir/DetectedIssue/${gapOf(hana.entries, 'breast-cancer-screening')!.issue.id}`, w.tokens.chen)).status).toBe(404);
    // Nor is it listed among Oakwood's reports' documents.
    const today = new Date().toISOString().slice(0, 10);
    const listed = JSON.stringify(await (await w.get(`/fhir/Organization/clinic-oak-org/$reports?date=${today}`, w.tokens.chen)).json());
    expect(listed).not.toContain(hana.bundle.id);
  });
});

describe('a remark', () => {
  it('never closes a gap: the DetectedIssue, care_gaps row and the next run still say open', async () => {
    const { bea } = await oakRun();
    const id = bea!.issue.id as string;
    const res = await patch(id, w.oakWriter, remark('completed-elsewhere', 'done at the county clinic'));
    expect(res.status).toBe(200);
    const issue = (await res.json()) as any;
    expect(statusOf(issue)).toBe('open-gap');
    expect(issue.mitigation).toEqual([
      {
        // Who remarked is an organization: R4's mitigation.author cannot name one, so it is an extension.
        extension: [{ url: 'urn:consent-gateway:gap-remark-organization', valueReference: { reference: OAK } }],
        action: { coding: [{ system: REMARK, code: 'completed-elsewhere' }], text: 'done at the county clinic' },
        date: expect.any(String),
      },
    ]);
    const again = (await (await w.get(`/fhir/DetectedIssue/${id}`, w.tokens.chen)).json()) as any;
    expect(statusOf(again)).toBe('open-gap');
    expect(again.mitigation).toHaveLength(1);
    expect(w.db.sqlite.prepare('select status from care_gaps where id = ?').pluck().get(id)).toBe('open-gap');
    expect((await oakRun()).bea!.status).toBe('open-gap');
    // Audited as an operation on her.
    const audited = auditTexts(w.db.sqlite, { person: w.personOf('pay-bea') }).filter((c) => c.includes(`DetectedIssue/${id}`));
    expect(audited.map((c) => JSON.parse(c).subtype[0].code)).toEqual(expect.arrayContaining(['operation', 'read']));
  });

  it("the document's DetectedIssue fullUrl resolves to the stored gap", async () => {
    const { byName, bea } = await oakRun();
    const entry = byName.get('Bea')!.entries.find((e) => e.resource.id === bea!.issue.id)!;
    const res = await w.get(new URL(entry.fullUrl).pathname, w.tokens.chen);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(entry.resource);
  });

  it('attribution-incorrect on a report from a final roster disputes her on the open draft of the same organization and payer that has her', async () => {
    const { bea } = await oakRun();
    const draft = await seedRoster(w.db, {
      organization: OAK,
      payer: LAKESHORE,
      period: '2026-01',
      status: 'draft',
      persons: ['pay-bea', 'pay-ana'].map(w.personOf),
    });
    const out = await patch(bea!.issue.id, w.oakWriter, remark('attribution-incorrect', 'moved away'));
    expect(out.status).toBe(200);
    const [dispute] = w.db.sqlite.prepare('select group_id, version, person from attribution_disputes').all() as {
      group_id: string;
      version: number;
      person: string;
    }[];
    expect(dispute).toEqual({ group_id: draft.groupId, version: draft.version, person: w.personOf('pay-bea') });
  });

  it('attribution-incorrect on a report from a final roster with no open draft is refused as the roster rules say (422), and nothing is stored', async () => {
    const { bea } = await oakRun();
    const out = await patch(bea!.issue.id, w.oakWriter, remark('attribution-incorrect'));
    expect(out.status).toBe(422);
    expect(((await out.json()) as any).issue[0].diagnostics).toContain('draft');
    expect(await remarks()).toEqual([]);
    expect(w.db.sqlite.prepare('select count(*) from attribution_disputes').pluck().get()).toBe(0);
  });

  it('bad patches are refused with what is wrong, and nothing is stored', async () => {
    const { bea } = await oakRun();
    const id = bea!.issue.id as string;
    const ext = '/modifierExtension/0/valueCodeableConcept/coding/0/code';
    const cases: [unknown, number, string][] = [
      [[{ op: 'replace', path: ext, value: 'closed-gap' }], 422, 'replace'],
      [[{ op: 'replace', path: '/status', value: 'cancelled' }], 422, 'replace'],
      [[{ op: 'add', path: '/modifierExtension/-', value: {} }], 422, '/modifierExtension/-'],
      [[{ op: 'remove', path: '/mitigation/0' }], 422, 'remove'],
      [[...remark('other'), { op: 'replace', path: ext, value: 'closed-gap' }], 400, 'exactly one'],
      [remark('fixed-it'), 400, 'code must be one of'],
      [[{ op: 'add', path: '/mitigation/-', value: { action: { coding: [{ system: 'http://other', code: 'other' }] } } }], 400, 'system'],
      [[{ op: 'add', path: '/mitigation/-', value: { action: { coding: [{ system: REMARK, code: 'other' }] }, date: '2020-01-01' } }], 400, 'date'],
      ['not json', 400, 'not JSON'],
    ];
    for (const [body, status, says] of cases) {
      const res = await patch(id, w.oakWriter, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      const out = (await res.json()) as any;
      expect(out.resourceType).toBe('OperationOutcome');
      expect(out.issue[0].diagnostics).toContain(says);
    }
    const fhirPatch = await patch(id, w.oakWriter, { resourceType: 'Parameters', parameter: [] }, 'application/fhir+json');
    expect(fhirPatch.status).toBe(415);
    expect(await remarks()).toEqual([]);
    expect(w.db.sqlite.prepare('select status from care_gaps where id = ?').pluck().get(id)).toBe('open-gap');
  });

  it('attribution-incorrect on a report made for one Patient: 422, no roster to dispute', async () => {
    const res = await w.get(careGapsQuery({ status: ALL_STATUSES, subject: 'Patient/cb-bea', measureId: 'breast-cancer-screening' }), w.tokens.chen);
    const bea = gapOf(bundlesOf(await res.json()).get('Bea')!.entries, 'breast-cancer-screening')!;
    const out = await patch(bea.issue.id, w.oakWriter, remark('attribution-incorrect'));
    expect(out.status).toBe(422);
    expect(((await out.json()) as any).issue[0].diagnostics).toContain('no roster');
    expect(await remarks()).toEqual([]);
  });

  it('attribution-incorrect opens a Task the payer owns; accepted, the next roster version and $care-gaps no longer have her', async () => {
    // Ana and Bea designate Oakwood: the January draft roster attributes them.
    await w.seed(PAYER_SOURCE, [
      putEntry({
        ...patient(
          'pay-ana',
          {
            name: [{ family: 'Gaps1101', given: ['Ana'] }],
            gender: 'female',
            birthDate: '1964-05-01',
            identifier: [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: '900-00-1101' }],
          },
          PAYER_SOURCE,
        ),
        generalPractitioner: [{ reference: OAK }],
      }),
      putEntry({
        ...patient(
          'pay-bea',
          {
            name: [{ family: 'Gaps1102', given: ['Bea'] }],
            gender: 'female',
            birthDate: '1962-03-01',
            identifier: [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: '900-00-1102' }],
          },
          PAYER_SOURCE,
        ),
        generalPractitioner: [{ reference: OAK }],
      }),
    ]);
    await runRosters(w.db, { period: '2026-01', status: 'draft', now: new Date().toISOString() });
    const groupId = await rosterGroupId(OAK, LAKESHORE, '2026-01');
    const { bea } = await oakRun(groupId);
    expect(bea?.status).toBe('open-gap');
    const res = await patch(bea!.issue.id, w.oakWriter, remark('attribution-incorrect', 'moved to Ohio'));
    expect(res.status).toBe(200);
    const issue = (await res.json()) as any;
    const task = issue.mitigation[0].extension.find((e: any) => e.url === 'urn:consent-gateway:gap-remark-dispute').valueReference.reference as string;
    expect(task).toMatch(/^Task\//);
    expect(statusOf(issue)).toBe('open-gap');
    const [stored] = await remarks();
    expect(`Task/${stored!.dispute}`).toBe(task);
    const read = await w.get(`/fhir/${task}`, w.payerWriter);
    expect(read.status).toBe(200);
    const t = (await read.json()) as any;
    expect(t).toMatchObject({
      status: 'requested',
      owner: { reference: LAKESHORE },
      requester: { reference: OAK },
      focus: { reference: `Group/${groupId}/_history/1` },
    });
    const accepted = await w.app.request(`/fhir/${task}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${w.payerWriter}`, 'content-type': 'application/fhir+json', 'if-match': `W/"${t.meta.versionId}"` },
      body: JSON.stringify({ ...t, status: 'accepted' }),
    });
    expect(accepted.status).toBe(200);
    await runRosters(w.db, { period: '2026-01', status: 'draft', now: new Date().toISOString() });
    const next = await oakRun(groupId);
    expect(next.bea).toBeUndefined();
    expect(next.byName.has('Ana')).toBe(true);
  });
});

describe('$reports by date', () => {
  it("lists the organization's reports of the day with counts and document links, only for the organization itself", async () => {
    const { reportId } = await oakRun();
    const today = new Date().toISOString().slice(0, 10);
    const res = await w.get(`/fhir/Organization/clinic-oak-org/$reports?date=${today}`, w.tokens.chen);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    const p: Record<string, any[]> = {};
    for (const x of body.entry[0].resource.parameter as any[]) (p[x.name] ??= []).push(x);
    expect(p.report![0].valueString).toBe(reportId);
    expect(p.roster!.map((r) => r.valueReference.reference)).toEqual([`Group/${w.roster.groupId}/_history/1`]);
    expect(p['open-gap']![0].valueInteger).toBeGreaterThan(0);
    const docs = p.document!.map((d) => d.valueReference.reference as string);
    expect(docs.length).toBe(w.db.sqlite.prepare('select count(*) from report_documents').pluck().get());
    for (const d of docs) {
      const doc = await w.get(`/fhir/${d}`, w.tokens.chen);
      expect(doc.status).toBe(200);
      expect(((await doc.json()) as any).type).toBe('document');
    }
    // The latest on or before a later day is the same report; none on a day before.
    const le = (await (await w.get(`/fhir/Organization/clinic-oak-org/$reports?date=le2999-12-31`, w.tokens.chen)).json()) as any;
    expect(le.entry[0].resource.id).toBe(reportId);
    expect(((await (await w.get(`/fhir/Organization/clinic-oak-org/$reports?date=2000-01-01`, w.tokens.chen)).json()) as any).total).toBe(0);
    for (const token of [w.tokens.riverside, w.tokens.payer, w.tokens.maria]) {
      const hidden = await w.get(`/fhir/Organization/clinic-oak-org/$reports?date=${today}`, token);
      const missing = await w.get(`/fhir/Organization/no-org/$reports?date=${today}`, token);
      expect(hidden.status).toBe(404);
      expect((await hidden.text()).replace('clinic-oak-org', 'X')).toBe((await missing.text()).replace('no-org', 'X'));
    }
    expect((await w.get(`/fhir/Organization/clinic-oak-org/$reports?date=yesterday`, w.tokens.chen)).status).toBe(400);
  });

  it("a payer's run on the organization's roster is the payer's: the organization's $reports never lists it (its counts are of the payer's view)", async () => {
    const payerRun = await w.get(careGapsQuery({ status: ALL_STATUSES, subject: `Group/${w.roster.groupId}` }), w.tokens.payer);
    expect(payerRun.status).toBe(200);
    const today = new Date().toISOString().slice(0, 10);
    const body = (await (await w.get(`/fhir/Organization/clinic-oak-org/$reports?date=${today}`, w.tokens.chen)).json()) as any;
    expect(body.total).toBe(0);
    expect(JSON.stringify(body)).not.toContain(payerRun.headers.get('x-report-id')!);
  });

  it('counts only the documents it still lists: a member who withdraws after the run is not told apart by a total one higher', async () => {
    await oakRun();
    const denied = await w.send('POST', '/fhir/Consent', w.tokens.operator, {
      ...consentFor('hana-no-oak-all', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: OAK } }] }),
      id: undefined,
      patient: { reference: 'Patient/ha-hana' },
    });
    expect(denied.status).toBe(201);
    const today = new Date().toISOString().slice(0, 10);
    const body = (await (await w.get(`/fhir/Organization/clinic-oak-org/$reports?date=${today}`, w.tokens.chen)).json()) as any;
    const params = body.entry[0].resource.parameter as any[];
    const listed = params.filter((p) => p.name === 'document').length;
    expect(params.find((p) => p.name === 'documents').valueInteger).toBe(listed);
    const gaps = ['open-gap', 'closed-gap', 'prospective-gap', 'not-applicable'].reduce((n, k) => n + params.find((p) => p.name === k).valueInteger, 0);
    expect(gaps).toBe(w.db.sqlite.prepare('select count(*) from care_gaps where person <> ?').pluck().get(w.personOf('ha-hana')));
  });

  it("kind=performance lists the organization's performance reports (id, date, contract)", async () => {
    w.db.sqlite
      .prepare(
        "insert into reports (id, kind, organization, payer, contract, period_start, period_end, requested_by, created_at, content) values ('perf-1', 'performance', ?, ?, 'vbp-1', '2025-10-01', '2025-12-31', 'schedule', '2026-01-05T02:00:00.000Z', '{\"resourceType\":\"MeasureReport\"}')",
      )
      .run(OAK, LAKESHORE);
    const body = (await (await w.get('/fhir/Organization/clinic-oak-org/$reports?date=2026-01-05&kind=performance', w.tokens.chen)).json()) as any;
    expect(body.total).toBe(1);
    expect(body.entry[0].resource.parameter).toEqual(
      expect.arrayContaining([
        { name: 'report', valueString: 'perf-1' },
        { name: 'contract', valueString: 'vbp-1' },
      ]),
    );
    expect(((await (await w.get('/fhir/Organization/clinic-oak-org/$reports?date=2026-01-05', w.tokens.chen)).json()) as any).total).toBe(0);
  });
});
