/** DEQM Measure/$care-gaps through the gate: issue 16 item 1's Done-when, attacks first. */
import { beforeEach, describe, expect, it } from 'vitest';
import { readGapsDocument } from '../../src/caregaps/store.js';
import { careGaps, reportDocuments, reports } from '../../src/db/schema.js';
import { rosterReference } from '../../src/rosters/types.js';
import { SOURCE_A, SOURCE_B } from '../helpers/fhir.js';
import { seedRoster } from '../helpers/rosters.js';
import { consentFor } from '../helpers/scenario.js';
import { expectValidFhir } from '../helpers/validate.js';
import { ALL_STATUSES, bundlesOf, careGapsQuery, coverage, gapOf, gapsWorld, hba1c, LAKESHORE, OAK, PAYER_SOURCE, type GapsWorld } from './world.js';

let w: GapsWorld;
beforeEach(async () => {
  w = await gapsWorld();
});

const ask = async (token: string, params: Record<string, string | string[]>) => {
  const res = await w.get(careGapsQuery({ status: ALL_STATUSES, ...params }), token);
  return { status: res.status, text: await res.clone().text(), body: (await res.json()) as any };
};
const group = () => `Group/${w.roster.groupId}`;

describe('what the requester may not see', () => {
  /** Maria is enrolled and diabetic; her only HbA1c with a value (7.1%, controlled) is at clinic B, and she denies Oakwood her Observations. */
  async function hiddenHba1c() {
    await w.seed(PAYER_SOURCE, [coverage('cov-maria', 'pay-1')]);
    await w.seed(SOURCE_B, [hba1c('o-a1c-ok', 'pa-2', '2025-09-01T09:00:00Z', 7.1, SOURCE_B)]);
    const res = await w.consent(
      'no-oak-obs',
      w.tokens.maria,
      consentFor('no-oak-obs', {
        type: 'deny',
        actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }],
        class: [{ code: 'Observation' }],
      }),
    );
    expect(res.status).toBe(201);
  }

  it('an HbA1c hidden from the organization does not close its gap for it, and nothing answered points at it', async () => {
    await hiddenHba1c();
    expect((await w.get('/fhir/Observation/o-a1c-ok', w.tokens.chen)).status).toBe(404);
    const oak = await ask(w.tokens.chen, { subject: group() });
    expect(oak.status).toBe(200);
    const maria = bundlesOf(oak.body).get('Maria')!;
    // Inverse measure: no visible result puts her in the numerator, which is the gap.
    const gap = gapOf(maria.entries, 'hba1c-poor-control')!;
    expect(gap.status).toBe('open-gap');
    expect(gap.report.group[0].population.find((p: any) => p.code.coding[0].code === 'numerator').count).toBe(1);
    expect(oak.text).not.toContain('o-a1c-ok');
    expect(oak.text).not.toContain('"value":7.1');
    // Her records at clinic B are visible, but none was evaluated: nothing in her document names that source.
    expect(JSON.stringify(maria.bundle)).not.toContain(SOURCE_B);
    // Nor does what was kept of the run.
    expect(JSON.stringify(await w.db.orm.select().from(reportDocuments))).not.toContain('o-a1c-ok');
    // The same question about her by a requester who may see the result: closed.
    const river = await ask(w.tokens.riverside, { subject: 'Patient/pa-1', measureId: 'hba1c-poor-control' });
    expect(river.status).toBe(200);
    const seen = bundlesOf(river.body).get('Maria')!;
    const closed = gapOf(seen.entries, 'hba1c-poor-control')!;
    expect(closed.status).toBe('closed-gap');
    expect(closed.report.evaluatedResource.map((r: any) => r.reference)).toContain('Observation/o-a1c-ok');
    expect(seen.entries.find((e) => e.resource.id === 'o-a1c-ok')?.resource.valueQuantity.value).toBe(7.1);
  });

  it('a roster Group the requester may not use is answered exactly as one that does not exist', async () => {
    const none = `Group/roster-2025-12-000000000000`;
    for (const token of [w.tokens.otherPayer, w.tokens.riverside, w.tokens.maria]) {
      const hidden = await ask(token, { subject: group() });
      const missing = await ask(token, { subject: none });
      expect(hidden.status).toBe(404);
      expect(missing.status).toBe(404);
      expect(hidden.text.replace(w.roster.groupId, 'X')).toBe(missing.text.replace('roster-2025-12-000000000000', 'X'));
    }
    // Another organization's roster through the organization parameter: the same.
    const other = await ask(w.tokens.riverside, { organization: 'Organization/clinic-oak-org' });
    expect(other.status).toBe(404);
    expect(await w.db.orm.select().from(reports)).toEqual([]);
  });

  it('a Patient the requester may not ask about is answered as a Patient that does not exist', async () => {
    await w.consent(
      'no-oak',
      w.tokens.maria,
      consentFor('no-oak', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }] }),
    );
    const hidden = await ask(w.tokens.chen, { subject: 'Patient/pa-1' });
    const missing = await ask(w.tokens.chen, { subject: 'Patient/pa-none' });
    expect(hidden.status).toBe(404);
    expect(hidden.text.replace('pa-1', 'X')).toBe(missing.text.replace('pa-none', 'X'));
  });
});

describe('gaps on a roster', () => {
  it('a woman of 50–74 without a mammogram has an open gap, one with a mammogram a closed one, a man is not applicable and has no score', async () => {
    const res = await ask(w.tokens.chen, { subject: group(), measureId: 'breast-cancer-screening' });
    expect(res.status).toBe(200);
    const byName = bundlesOf(res.body);
    const bea = gapOf(byName.get('Bea')!.entries, 'breast-cancer-screening')!;
    expect(bea.status).toBe('open-gap');
    expect(bea.report.group[0].measureScore).toEqual({ value: 0 });
    const ana = gapOf(byName.get('Ana')!.entries, 'breast-cancer-screening')!;
    expect(ana.status).toBe('closed-gap');
    expect(ana.report.group[0].measureScore).toEqual({ value: 1 });
    expect(ana.report.evaluatedResource.map((r: any) => r.reference)).toContain('Procedure/proc-ana');
    const carl = gapOf(byName.get('Carl')!.entries, 'breast-cancer-screening')!;
    expect(carl.status).toBe('not-applicable');
    expect(carl.report.group[0].measureScore).toBeUndefined();
    expect(carl.report.group[0].population.map((p: any) => p.count)).toEqual([0, 0, 0, 0]);
  });

  it("a mammogram found only in a hospital's EHR feed closes the gap in the payer's view", async () => {
    const res = await ask(w.tokens.payer, { subject: group(), measureId: 'breast-cancer-screening' });
    expect(res.status).toBe(200);
    const hana = bundlesOf(res.body).get('Hana')!;
    const gap = gapOf(hana.entries, 'breast-cancer-screening')!;
    expect(gap.status).toBe('closed-gap');
    const procedure = hana.entries.find((e) => e.resource.id === 'proc-hana')!;
    expect(procedure.resource.meta.source).toBe(SOURCE_A);
    // The evaluated record is exactly what the payer itself may read, not a re-read of the store.
    const read = await w.get('/fhir/Procedure/proc-hana', w.tokens.payer);
    expect(read.status).toBe(200);
    const { meta: _m, ...readRest } = (await read.json()) as any;
    const { meta: _n, ...entryRest } = procedure.resource;
    expect(entryRest).toEqual(readRest);
  });

  it('a period that ends in the future makes a gap prospective', async () => {
    const year = new Date().getUTCFullYear() + 1;
    const res = await ask(w.tokens.chen, { subject: group(), periodStart: `${year}-01-01`, periodEnd: `${year}-12-31`, measureId: 'breast-cancer-screening' });
    expect(res.status).toBe(200);
    expect(gapOf(bundlesOf(res.body).get('Bea')!.entries, 'breast-cancer-screening')!.status).toBe('prospective-gap');
  });

  it('status filters the DetectedIssues, and a patient with none of the asked statuses has no Bundle', async () => {
    const res = await ask(w.tokens.chen, { subject: group(), status: 'open-gap' });
    expect(res.status).toBe(200);
    const byName = bundlesOf(res.body);
    expect([...byName.keys()]).toEqual(['Bea']);
    const issues = byName.get('Bea')!.entries.filter((e) => e.resource.resourceType === 'DetectedIssue');
    expect(issues.map((i) => i.resource.modifierExtension[0].valueCodeableConcept.coding[0].code)).toEqual(['open-gap']);
  });

  it('stores the run with the roster version it read, one document per patient and one row per DetectedIssue', async () => {
    const res = await w.get(careGapsQuery({ subject: group(), status: ALL_STATUSES }), w.tokens.chen);
    const body = (await res.json()) as any;
    const [report] = await w.db.orm.select().from(reports);
    expect(report).toMatchObject({
      id: res.headers.get('x-report-id'),
      kind: 'care-gaps',
      organization: 'Organization/clinic-oak-org',
      roster: rosterReference(w.roster),
    });
    expect(await w.db.orm.select().from(reportDocuments)).toHaveLength(body.parameter.length);
    const issues = body.parameter.flatMap((p: any) =>
      p.resource.entry.filter((e: any) => e.resource.resourceType === 'DetectedIssue').map((e: any) => e.resource.id),
    );
    expect((await w.db.orm.select().from(careGaps)).map((g) => g.id).sort()).toEqual([...issues].sort());
    const maria = body.parameter.find((p: any) => p.resource.entry[0].resource.subject.reference === 'Patient/pa-1').resource;
    expect(await readGapsDocument(w.db, report!.id, w.personOf('pa-1'))).toEqual(maria);
    const composition = body.parameter[0].resource.entry[0].resource;
    expect(composition.extension[0].valueReference.reference).toBe(rosterReference(w.roster));
  });

  it('answers a Bundle the R4 validator accepts, in a Parameters it accepts', async () => {
    const res = await ask(w.tokens.chen, { subject: group() });
    expectValidFhir(res.body, 'the $care-gaps Parameters');
    for (const p of res.body.parameter) expectValidFhir(p.resource, 'a gaps Bundle');
  });
});

describe('who is asked about, and what is recorded', () => {
  it('each patient whose document is returned has the disclosure in her accounting; one left out by the status filter does not', async () => {
    const acct = async () => JSON.stringify((await (await w.get('/fhir/AuditEvent?patient=Patient/pa-1&_count=100', w.tokens.maria)).json()) as object);
    expect(await acct()).not.toContain('care-gaps');
    // Maria has no open gap here (not enrolled under a typed plan): she gets no Bundle, and no disclosure is recorded.
    expect((await ask(w.tokens.payer, { subject: group(), status: 'open-gap' })).status).toBe(200);
    expect(await acct()).not.toContain('care-gaps');
    expect((await ask(w.tokens.payer, { subject: group() })).status).toBe(200);
    expect(await acct()).toContain('care-gaps');
  });

  it("organization runs on the organization's own final rosters of the period's last month, and records each one", async () => {
    const draft = await seedRosterDraft();
    const res = await ask(w.tokens.chen, {
      organization: 'Organization/clinic-oak-org',
      practitioner: 'Practitioner/clinic-oak-prac-chen',
      measureId: 'breast-cancer-screening',
    });
    expect(res.status).toBe(200);
    expect([...bundlesOf(res.body).keys()].sort()).toEqual(['Ana', 'Bea', 'Carl', 'Hana', 'Maria']);
    const [report] = await w.db.orm.select().from(reports);
    expect(report!.roster).toBe(rosterReference(w.roster));
    expect(report!.roster).not.toContain(draft.groupId);
  });

  it('a Group subject may name a version: the report reads and records that one', async () => {
    const v2 = await seedRoster(w.db, { organization: OAK, payer: LAKESHORE, period: '2025-12', version: 2, persons: [w.personOf('pay-bea')] });
    const latest = await ask(w.tokens.chen, { subject: group(), measureId: 'breast-cancer-screening' });
    expect([...bundlesOf(latest.body).keys()]).toEqual(['Bea']);
    const first = await ask(w.tokens.chen, { subject: `${group()}/_history/1`, measureId: 'breast-cancer-screening' });
    expect([...bundlesOf(first.body).keys()].sort()).toEqual(['Ana', 'Bea', 'Carl', 'Hana', 'Maria']);
    const rows = await w.db.orm.select().from(reports).orderBy(reports.createdAt);
    expect(rows.map((r) => r.roster).sort()).toEqual([rosterReference(w.roster), rosterReference(v2)].sort());
    expect((await ask(w.tokens.chen, { subject: `${group()}/_history/9` })).status).toBe(404);
  });

  it('POST Parameters answers as GET does', async () => {
    const res = await w.send('POST', '/fhir/Measure/$care-gaps', w.tokens.chen, {
      resourceType: 'Parameters',
      parameter: [
        { name: 'periodStart', valueDate: '2025-01-01' },
        { name: 'periodEnd', valueDate: '2025-12-31' },
        { name: 'subject', valueString: group() },
        { name: 'status', valueCode: 'open-gap' },
        { name: 'measureId', valueId: 'breast-cancer-screening' },
      ],
    });
    expect(res.status).toBe(200);
    expect([...bundlesOf(await res.json()).keys()]).toEqual(['Bea']);
  });
});

/** A draft roster of Oakwood under another payer: a report by organization reads finals only. */
const seedRosterDraft = () =>
  seedRoster(w.db, {
    organization: 'Organization/clinic-oak-org',
    payer: 'Organization/payer-greatlakes-ma-org',
    period: '2025-12',
    status: 'draft',
    persons: [w.personOf('pb-1')],
  });

describe('bad input changes nothing and says what is wrong', () => {
  it('an end before the start is 400 naming periodEnd', async () => {
    const res = await ask(w.tokens.chen, { subject: group(), periodStart: '2025-12-31', periodEnd: '2025-01-01' });
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['periodEnd']);
    expect(await w.db.orm.select().from(reports)).toEqual([]);
  });
  it('an unknown measure is a 4xx naming it', async () => {
    const res = await ask(w.tokens.chen, { subject: group(), measureId: 'nope' });
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toBe('Measure nope is not known');
    expect(
      (await w.get('/fhir/Measure/nope/$care-gaps?periodStart=2025-01-01&periodEnd=2025-12-31&status=open-gap&subject=' + group(), w.tokens.chen)).status,
    ).toBe(404);
  });
  it('an unknown parameter is refused under handling=strict and ignored otherwise', async () => {
    const path = careGapsQuery({ subject: group(), status: 'open-gap', colour: 'blue' });
    const strict = await w.get(path, w.tokens.chen, { prefer: 'handling=strict' });
    expect(strict.status).toBe(400);
    expect(((await strict.json()) as any).issue[0].expression).toEqual(['colour']);
    expect((await w.get(path, w.tokens.chen)).status).toBe(200);
  });
  it('no subject and no organization is 400; so is no status', async () => {
    expect((await ask(w.tokens.chen, { practitioner: 'Practitioner/clinic-oak-prac-chen' })).status).toBe(400);
    const res = await w.get('/fhir/Measure/$care-gaps?periodStart=2025-01-01&periodEnd=2025-12-31&subject=' + group(), w.tokens.chen);
    expect(res.status).toBe(400);
  });
});
