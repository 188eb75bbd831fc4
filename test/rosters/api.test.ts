import { beforeEach, describe, expect, it } from 'vitest';
import { runRosters } from '../../src/rosters/run.js';
import { rosterGroupId } from '../../src/rosters/store.js';
import { consentFor, scenario } from '../helpers/scenario.js';
import { patient, putEntry } from '../helpers/fhir.js';
import { auditTexts } from '../helpers/audit.js';

const PAYER_SOURCE = 'https://payer-lakeshore.example.org/fhir';
const OAK = 'Organization/clinic-oak-org';
const LAKESHORE = 'Organization/payer-lakeshore-org';
const CHANGE = 'http://hl7.org/fhir/us/davinci-atr/StructureDefinition/ext-changeType';
const PERIOD = '2026-03';

type S = Awaited<ReturnType<typeof scenario>>;
type Group = { id: string; meta: { versionId: string }; quantity: number; extension: { url: string; valueCode?: string }[]; member?: Member[] };
type Member = { entity: { reference: string }; inactive?: boolean; extension: { url: string; valueCode?: string; valueString?: string }[] };
const changeOf = (m: Member) => m.extension.find((e) => e.url === CHANGE)?.valueCode;
const membersOf = (g: Group) => Object.fromEntries((g.member ?? []).map((m) => [m.entity.reference, changeOf(m)]));

/**
 * Maria (pa-1 / pay-1) and Paula (pay-3) are Lakeshore members who designated Oakwood; Olga
 * (pb-1) is nobody's member. Oakwood's tokens here may also write Tasks (file disputes).
 */
async function world() {
  const s = await scenario();
  await s.seed(PAYER_SOURCE, [
    putEntry({
      ...patient('pay-1', { identifier: [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: '900-00-0001' }] }, PAYER_SOURCE),
      generalPractitioner: [{ reference: OAK }],
    }),
    putEntry({
      ...patient('pay-3', { name: [{ family: 'Payer', given: ['Paula'] }], birthDate: '1960-02-02' }, PAYER_SOURCE),
      generalPractitioner: [{ reference: OAK }],
    }),
    putEntry({
      resourceType: 'Coverage',
      id: 'cov-3',
      meta: { source: PAYER_SOURCE },
      status: 'active',
      beneficiary: { reference: 'Patient/pay-3' },
      payor: [{ reference: LAKESHORE }],
      period: { start: '2024-01-01' },
    }),
  ]);
  const oakWriter = await s.issuer.mint({
    sub: 'dr.chen',
    client_id: 'portal',
    role: 'clinician',
    fhirUser: 'Practitioner/clinic-oak-prac-chen',
    organization: OAK,
    scope: 'user/*.rs user/Task.cru',
    purpose_of_use: ['TREAT'],
  });
  const riversideWriter = await s.issuer.mint({
    sub: 'dr.okafor',
    client_id: 'portal',
    role: 'clinician',
    fhirUser: 'Practitioner/hosp-riverside-prac-okafor',
    organization: 'Organization/hosp-riverside-org',
    scope: 'user/*.rs user/Task.cru',
    purpose_of_use: ['TREAT'],
  });
  const payerWriter = await s.issuer.mint({
    sub: 'payer-lakeshore',
    client_id: 'payer-lakeshore',
    client_kind: 'payer',
    organization: LAKESHORE,
    scope: 'system/*.rs system/Task.cru',
    purpose_of_use: ['HPAYMT', 'HOPERAT'],
  });
  const otherPayerWriter = await s.issuer.mint({
    sub: 'payer-greatlakes-ma',
    client_id: 'payer-greatlakes-ma',
    client_kind: 'payer',
    organization: 'Organization/payer-greatlakes-ma-org',
    scope: 'system/*.rs system/Task.cru',
    purpose_of_use: ['HPAYMT', 'HOPERAT'],
  });
  const groupId = await rosterGroupId(OAK, LAKESHORE, PERIOD);
  const run = (status: 'draft' | 'final') => runRosters(s.db, { period: PERIOD, status, now: new Date().toISOString() });
  const dispute = (patientId: string, version = 1, token = oakWriter, reason = 'not-our-patient') =>
    s.send('POST', '/fhir/Task', token, {
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      code: { coding: [{ system: 'urn:consent-gateway:task', code: 'attribution-dispute' }] },
      focus: { reference: `Group/${groupId}/_history/${version}` },
      for: { reference: `Patient/${patientId}` },
      input: [
        {
          type: { coding: [{ system: 'urn:consent-gateway:dispute-input', code: 'reason' }] },
          valueCodeableConcept: { coding: [{ system: 'urn:consent-gateway:dispute-reason', code: reason }] },
        },
        { type: { coding: [{ system: 'urn:consent-gateway:dispute-input', code: 'text' }] }, valueString: 'seen once, lives elsewhere' },
      ],
    });
  const disputes = () => s.db.sqlite.prepare('select count(*) from attribution_disputes').pluck().get() as number;
  return { ...s, oakWriter, riversideWriter, payerWriter, otherPayerWriter, groupId, run, dispute, disputes };
}

let w: Awaited<ReturnType<typeof world>>;
beforeEach(async () => {
  w = await world();
});

const read = async (s: S, path: string, token: string) => {
  const res = await s.get(path, token);
  return { status: res.status, body: (await res.json()) as Group & { issue?: { diagnostics: string }[] } };
};

describe('monthly roster Groups', () => {
  it('are ATR Groups readable by the organization and its payer, with each member attributed by designation', async () => {
    const made = await w.run('draft');
    expect(made.made.map((m) => [m.organization, m.payer, m.members])).toEqual([[OAK, LAKESHORE, 2]]);
    // Each reader knows her by its own source's record where it has one: the payer by its member id.
    for (const [token, maria] of [
      [w.tokens.chen, 'Patient/pa-1'],
      [w.tokens.payer, 'Patient/pay-1'],
    ] as const) {
      const { status, body } = await read(w, `/fhir/Group/${w.groupId}`, token);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        resourceType: 'Group',
        meta: { versionId: '1', profile: ['http://hl7.org/fhir/us/davinci-atr/StructureDefinition/atr-group'] },
        type: 'person',
        actual: true,
        managingEntity: { reference: OAK },
        quantity: 2,
      });
      expect(body.extension).toContainEqual({ url: 'http://hl7.org/fhir/us/davinci-atr/StructureDefinition/ext-attributionListStatus', valueCode: 'draft' });
      expect(body.member!.every((m) => changeOf(m) === 'new' && m.extension.some((e) => e.valueCode === 'designation'))).toBe(true);
      expect(Object.keys(membersOf(body)).sort()).toEqual([maria, 'Patient/pay-3']);
    }
  });

  it("payer Y and another organization cannot read payer X's roster: 404 exactly as a roster that does not exist", async () => {
    await w.run('draft');
    const missing = await read(w, `/fhir/Group/roster-2026-03-000000000000`, w.tokens.otherPayer);
    for (const token of [w.tokens.otherPayer, w.tokens.riverside, w.tokens.maria]) {
      for (const path of [`/fhir/Group/${w.groupId}`, `/fhir/Group/${w.groupId}/_history/1`, `/fhir/Group/${w.groupId}/_history`]) {
        const got = await read(w, path, token);
        expect(got.status).toBe(404);
        expect(got.body.issue![0]!.diagnostics.replace(/Group\/\S+/, 'X')).toBe(missing.body.issue![0]!.diagnostics.replace(/Group\/\S+/, 'X'));
      }
    }
    const search = await read(w, `/fhir/Group?period=${PERIOD}&managing-entity=${OAK}`, w.tokens.otherPayer);
    expect(search.body).toMatchObject({ type: 'searchset', total: 0 });
  });

  it("a patient whose consent denies the organization is left out of its Group, and the disclosure of the others is in each one's accounting", async () => {
    await w.run('draft');
    const res = await w.consent(
      'no-oak',
      w.tokens.maria,
      consentFor('no-oak', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: OAK } }] }),
    );
    expect(res.status).toBe(201);
    const { body } = await read(w, `/fhir/Group/${w.groupId}`, w.tokens.chen);
    expect(Object.keys(membersOf(body))).toEqual(['Patient/pay-3']);
    const audited = (person: string) => auditTexts(w.db.sqlite, { person }).filter((c) => c.includes('Group/roster-')).length;
    expect(audited(w.personOf('pay-3'))).toBe(1);
    expect(audited(w.personOf('pa-1'))).toBe(0);
  });

  it('search by month and organization lists the rosters the reader may see; history lists every version', async () => {
    await w.run('draft');
    await w.run('draft');
    const search = await read(w, `/fhir/Group?period=${PERIOD}&managing-entity=${OAK}`, w.tokens.payer);
    expect(search.body).toMatchObject({ type: 'searchset', total: 1, entry: [{ resource: { id: w.groupId, meta: { versionId: '2' } } }] });
    const history = (await read(w, `/fhir/Group/${w.groupId}/_history`, w.tokens.chen)).body as unknown as { entry: { resource: Group }[] };
    expect(history.entry.map((e) => e.resource.meta.versionId)).toEqual(['2', '1']);
    expect(Object.values(membersOf(history.entry[0]!.resource))).toEqual(['nochange', 'nochange']);
    expect((await read(w, `/fhir/Group?period=2026-13`, w.tokens.chen)).status).toBe(400);
  });

  it('a final roster gets no further version that month; drafts may be remade', async () => {
    expect((await w.run('draft')).made[0]!.version).toBe(1);
    expect((await w.run('final')).made[0]!.version).toBe(2);
    const again = await w.run('draft');
    expect(again.made).toEqual([]);
    expect(again.skipped).toEqual([{ groupId: w.groupId, organization: OAK, payer: LAKESHORE, version: 2 }]);
    expect(await w.run('final')).toMatchObject({ made: [], skipped: [{ version: 2 }] });
  });
});

describe('attribution disputes (Task)', () => {
  it('the organization files one on a draft member; the payer accepts; the next version drops her once', async () => {
    await w.run('draft');
    const filed = await w.dispute('pay-3');
    expect(filed.status).toBe(201);
    const task = (await filed.json()) as {
      id: string;
      status: string;
      owner: { reference: string };
      restriction: { period: { end: string } };
      requester: { reference: string };
    };
    expect(task).toMatchObject({ status: 'requested', owner: { reference: LAKESHORE }, requester: { reference: OAK } });
    expect(Date.parse(task.restriction.period.end) - Date.now()).toBeGreaterThan(29 * 86_400_000);

    // Only the owner decides; the filer may read but not accept; If-Match is required and honoured.
    expect((await w.send('PUT', `/fhir/Task/${task.id}`, w.oakWriter, { ...task, status: 'accepted' })).status).toBe(403);
    expect((await w.send('PUT', `/fhir/Task/${task.id}`, w.payerWriter, { ...task, status: 'accepted' })).status).toBe(428);
    const stale = await w.app.request(`/fhir/Task/${task.id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${w.payerWriter}`, 'content-type': 'application/fhir+json', 'if-match': 'W/"7"' },
      body: JSON.stringify({ ...task, status: 'accepted' }),
    });
    expect(stale.status).toBe(412);
    const accepted = await w.app.request(`/fhir/Task/${task.id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${w.payerWriter}`, 'content-type': 'application/fhir+json', 'if-match': 'W/"1"' },
      body: JSON.stringify({ ...task, status: 'accepted', statusReason: { text: 'confirmed: moved' } }),
    });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toMatchObject({ status: 'accepted', meta: { versionId: '2' }, statusReason: { text: 'confirmed: moved' } });
    expect((await w.send('PUT', `/fhir/Task/${task.id}`, w.payerWriter, { ...task, status: 'rejected' })).status).toBe(422);

    await w.run('draft');
    const v2 = (await read(w, `/fhir/Group/${w.groupId}`, w.tokens.chen)).body;
    expect(membersOf(v2)).toEqual({ 'Patient/pa-1': 'nochange', 'Patient/pay-3': 'dropped' });
    expect(v2.quantity).toBe(1);
    expect(v2.member!.find((m) => m.entity.reference === 'Patient/pay-3')!.inactive).toBe(true);
    await w.run('draft');
    expect(membersOf((await read(w, `/fhir/Group/${w.groupId}`, w.tokens.chen)).body)).toEqual({ 'Patient/pa-1': 'nochange' });
  });

  it('after her coverage ends, the payer still sees her on its roster of a month it covered her, and the dispute it owns', async () => {
    await w.run('draft');
    const filed = (await (await w.dispute('pay-3')).json()) as { id: string };
    // Paula's plan ended in June 2026: March's roster and its dispute are still the payer's.
    await w.seed(PAYER_SOURCE, [
      putEntry({
        resourceType: 'Coverage',
        id: 'cov-3',
        meta: { source: PAYER_SOURCE },
        status: 'active',
        beneficiary: { reference: 'Patient/pay-3' },
        payor: [{ reference: LAKESHORE }],
        period: { start: '2024-01-01', end: '2026-06-30' },
      }),
    ]);
    const group = (await read(w, `/fhir/Group/${w.groupId}`, w.payerWriter)).body;
    expect(group.member!.map((m) => m.entity.reference)).toContain('Patient/pay-3');
    expect((await w.get(`/fhir/Task/${filed.id}`, w.payerWriter)).status).toBe(200);
  });

  it('on a final version: 422 naming Task.focus, and nothing stored', async () => {
    await w.run('final');
    const res = await w.dispute('pay-3');
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ issue: [{ expression: ['Task.focus'] }] });
    expect(w.disputes()).toBe(0);
  });

  it('on a draft superseded by the month’s final (or a later draft): 422 naming Task.focus, and nothing stored', async () => {
    await w.run('draft');
    await w.run('final');
    const res = await w.dispute('pay-3', 1);
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ issue: [{ expression: ['Task.focus'] }] });
    expect(w.disputes()).toBe(0);
  });

  it('on a member who is not on that version (or one hidden from the organization): 422 alike, nothing stored', async () => {
    await w.run('draft');
    const notOn = await w.dispute('pb-1');
    expect(notOn.status).toBe(422);
    await w.consent('no-oak', w.tokens.maria, consentFor('no-oak', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: OAK } }] }));
    const hidden = await w.dispute('pa-1');
    expect(hidden.status).toBe(422);
    const text = (r: { issue: { diagnostics: string }[] }) => r.issue[0]!.diagnostics.replace(/Patient\/\S+/, 'X');
    expect(text(await hidden.json())).toBe(text(await notOn.json()));
    expect(w.disputes()).toBe(0);
  });

  it('a duplicate open dispute of the same member is refused (409)', async () => {
    await w.run('draft');
    expect((await w.dispute('pay-3')).status).toBe(201);
    expect((await w.dispute('pay-3')).status).toBe(409);
    expect(w.disputes()).toBe(1);
  });

  it('another organization cannot file on, or read, a roster or its dispute: 404; another payer cannot read or decide it', async () => {
    await w.run('draft');
    expect((await w.dispute('pay-3', 1, w.riversideWriter)).status).toBe(404);
    expect((await w.dispute('pay-3', 9, w.oakWriter)).status).toBe(404);
    expect(w.disputes()).toBe(0);
    const task = (await (await w.dispute('pay-3')).json()) as { id: string };
    for (const token of [w.riversideWriter, w.otherPayerWriter]) {
      expect((await w.get(`/fhir/Task/${task.id}`, token)).status).toBe(404);
      expect((await w.get(`/fhir/Task/does-not-exist`, token)).status).toBe(404);
      expect((await w.send('PUT', `/fhir/Task/${task.id}`, token, { resourceType: 'Task', id: task.id, status: 'accepted' })).status).toBe(404);
      const search = (await (await w.get(`/fhir/Task?status=requested`, token)).json()) as { total: number };
      expect(search.total).toBe(0);
    }
    for (const token of [w.oakWriter, w.payerWriter]) {
      expect((await w.get(`/fhir/Task/${task.id}`, token)).status).toBe(200);
      expect(await (await w.get(`/fhir/Task?owner=${LAKESHORE}&status=requested`, token)).json()).toMatchObject({ total: 1 });
    }
    // The payer may read the roster but does not file disputes on it.
    expect((await w.dispute('pa-1', 1, w.payerWriter)).status).toBe(403);
  });

  it('a dispute goes in her accounting; once her consent denies the payer, its Task is absent for the payer', async () => {
    await w.run('draft');
    const task = (await (await w.dispute('pa-1')).json()) as { id: string };
    const audited = (person: string, marker: string) => auditTexts(w.db.sqlite, { person }).filter((c) => c.includes(marker)).length;
    expect(audited(w.personOf('pa-1'), `Task/${task.id}`)).toBe(1);
    await w.consent(
      'no-payer',
      w.tokens.maria,
      consentFor('no-payer', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: LAKESHORE } }] }),
    );
    expect((await w.get(`/fhir/Task/${task.id}`, w.payerWriter)).status).toBe(404);
    expect((await w.send('PUT', `/fhir/Task/${task.id}`, w.payerWriter, { resourceType: 'Task', id: task.id, status: 'accepted' })).status).toBe(404);
    expect(await (await w.get(`/fhir/Task`, w.payerWriter)).json()).toMatchObject({ total: 0 });
    expect((await w.get(`/fhir/Task/${task.id}`, w.oakWriter)).status).toBe(200);
  });

  it('a malformed dispute is a 400 naming the element', async () => {
    await w.run('draft');
    const res = await w.dispute('pay-3', 1, w.oakWriter, 'i-just-dont-like-her');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ issue: [{ expression: ['Task.input[0]'] }] });
    expect(w.disputes()).toBe(0);
  });
});
