import { beforeEach, describe, expect, it } from 'vitest';
import { toldLines, type ToldEvent } from '../../src/web/portal/told.js';
import { putEntry, SOURCE_A } from '../helpers/fhir.js';
import { consentFor, scenario } from '../helpers/scenario.js';
import { auditTexts } from '../helpers/audit.js';

type Scenario = Awaited<ReturnType<typeof scenario>>;
let s: Scenario;
let oakClient: string;

const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';
const ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const today = new Date().toISOString().slice(0, 10);
const digestUrl = (org = 'clinic-oak-org', date = today) => `/fhir/Organization/${org}/$adt-digest?date=${date}`;

/** An ED visit (or a stay) at hospital A that began today, as the hospital's feed sends it. */
const visit = (id: string, patientId: string, fields: Record<string, unknown> = {}) =>
  putEntry({
    resourceType: 'Encounter',
    id,
    meta: { source: SOURCE_A },
    status: 'in-progress',
    class: { system: ACT, code: 'EMER' },
    subject: { reference: `Patient/${patientId}` },
    period: { start: `${today}T00:30:00Z` },
    serviceProvider: { reference: 'Organization/hosp-a-org' },
    ...fields,
  });

interface DigestList {
  resourceType: string;
  mode: string;
  subject?: unknown;
  code: { coding: { code: string }[] };
  entry?: { item: { reference: string }; flag: { coding: { code: string }[] }; extension: { url: string; valueReference?: { reference: string } }[] }[];
}
const digest = async (token: string, org?: string) => {
  const res = await s.get(digestUrl(org), token);
  expect(res.status).toBe(200);
  return (await res.json()) as DigestList;
};
const items = (list: DigestList) => (list.entry ?? []).map((e) => `${e.flag.coding[0]!.code} ${e.item.reference}`).sort();

/**
 * Olga tells Oakwood explicitly that it may know of her care. A patient who said nothing is
 * decided by the treatment default for the organization's own backend client (the consent
 * helper's change to decide); the explicit permit holds with or without it.
 */
const olgaPermitsOakwood = async () => {
  const olga = s.tokens.olga;
  const res = await s.consent(
    'olga-oak',
    olga,
    consentFor(
      'olga-oak',
      { type: 'permit', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }] },
      { patient: { reference: 'Patient/pb-1' } },
    ),
  );
  expect(res.status).toBeLessThan(300);
};

beforeEach(async () => {
  s = await scenario();
  await s.oakwoodRoster();
  await olgaPermitsOakwood();
  oakClient = await s.issuer.mint({
    sub: 'clinic-oak',
    client_id: 'clinic-oak',
    client_kind: 'source',
    organization: 'Organization/clinic-oak-org',
    dua: 'dua-clinic-oak',
    scope: 'system/List.rs',
    purpose_of_use: ['TREAT'],
  });
});

describe('the daily admission and discharge digest (Organization/{id}/$adt-digest)', () => {
  it("lists the day's ED visits, admissions and discharges of the organization's attributed patients, for its clinician and its backend client", async () => {
    // Olga's ED visit becomes an inpatient stay, and she is discharged; an ambulatory visit raises nothing.
    await s.seed(SOURCE_A, [visit('enc-olga', 'pb-1'), visit('enc-office', 'pb-1', { class: { system: ACT, code: 'AMB' } })]);
    await s.seed(SOURCE_A, [visit('enc-olga', 'pb-1', { class: { system: ACT, code: 'IMP' } })]);
    await s.seed(SOURCE_A, [
      visit('enc-olga', 'pb-1', {
        class: { system: ACT, code: 'IMP' },
        status: 'finished',
        period: { start: `${today}T00:30:00Z`, end: `${today}T00:50:00Z` },
        hospitalization: { dischargeDisposition: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/discharge-disposition', code: 'home' }] } },
      }),
    ]);
    const list = await digest(s.tokens.chen);
    expect(list.resourceType).toBe('List');
    expect(list.mode).toBe('snapshot');
    expect(list.subject).toBeUndefined();
    expect(list.code.coding[0]!.code).toBe('adt-digest');
    expect(items(list)).toEqual(['encounter-end Encounter/enc-olga', 'encounter-start Encounter/enc-olga', 'encounter-transfer Encounter/enc-olga']);
    // Each entry names her by the Patient record her roster entry shows, and each is in her accounting of disclosures.
    const patients = new Set(list.entry!.map((e) => e.extension.find((x) => x.valueReference)!.valueReference!.reference));
    expect([...patients]).toEqual(['Patient/pb-1']);
    const audited = () => auditTexts(s.db.sqlite, { person: s.personOf('pb-1') }).filter((c) => c.includes('adt-digest') && c.includes('permit')).length;
    expect(audited()).toBe(3);
    // Red team: each entry is audited as what it told, so her portal says Oakwood was told of it.
    const contents = auditTexts(s.db.sqlite, { person: s.personOf('pb-1') })
      .filter((c) => c.includes('adt-digest'))
      .map((c) => JSON.parse(c) as ToldEvent);
    expect(toldLines(contents, new Map([['Organization/clinic-oak-org', 'Oakwood Family Medicine']])).map((l) => l.text.split(' on ')[0])).toEqual([
      'Oakwood Family Medicine was told of your emergency visit',
      'Oakwood Family Medicine was told of your transfer (hospital stay)',
      'Oakwood Family Medicine was told your hospital stay ended',
    ]);
    expect(items(await digest(oakClient))).toEqual(items(list));
    expect(audited()).toBe(6);
    // Only stays: another topic of the outbox (the patient's own break-the-glass notice) is not in it.
    s.db.sqlite
      .prepare(
        "insert into notification_events (id, topic, focus, patient_id, occurred, recorded) values ('btg-1', 'break-the-glass', 'Consent/g1', 'pb-1', ?, ?)",
      )
      .run(`${today}T00:40:00Z`, new Date().toISOString());
    expect(items(await digest(s.tokens.chen))).toEqual(items(list));
    // Another day's digest holds none of it.
    const other = await s.get(digestUrl('clinic-oak-org', '2026-01-01'), s.tokens.chen);
    expect(((await other.json()) as DigestList).entry ?? []).toEqual([]);
  });

  it('a patient who blocked the organization is absent from its digest', async () => {
    const put = await s.consent(
      'no-oak',
      s.tokens.maria,
      consentFor('no-oak', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }] }),
    );
    expect(put.status).toBeLessThan(300);
    await s.seed(SOURCE_A, [visit('enc-maria', 'pa-1'), visit('enc-olga', 'pb-1')]);
    // Her ED visit is in nobody's digest at Oakwood: neither its clinician's nor its backend client's.
    expect(items(await digest(s.tokens.chen))).toEqual(['encounter-start Encounter/enc-olga']);
    expect(items(await digest(oakClient))).toEqual(['encounter-start Encounter/enc-olga']);
  });

  it('a behavioural-health stay is absent by default', async () => {
    await s.seed(SOURCE_A, [
      visit('enc-psych', 'pa-1', { class: { system: ACT, code: 'IMP' }, reasonCode: [{ coding: [{ system: ICD, code: 'F32.9' }] }] }),
      visit('enc-olga', 'pb-1'),
    ]);
    expect(items(await digest(s.tokens.chen))).toEqual(['encounter-start Encounter/enc-olga']);
  });

  it("another organization, a payer or a patient asking for Oakwood's digest finds nothing, as if there were nothing", async () => {
    await s.seed(SOURCE_A, [visit('enc-maria', 'pa-1'), visit('enc-olga', 'pb-1')]);
    const riversideClient = await s.issuer.mint({
      sub: 'hosp-riverside',
      client_id: 'hosp-riverside',
      client_kind: 'source',
      organization: 'Organization/hosp-riverside-org',
      scope: 'system/List.rs',
      purpose_of_use: ['TREAT'],
    });
    const empty = await digest(s.tokens.chen, 'clinic-nowhere-org');
    expect(empty.entry ?? []).toEqual([]);
    for (const token of [s.tokens.riverside, riversideClient, s.tokens.payer, s.tokens.maria, s.tokens.chenGlass]) {
      const list = await digest(token);
      // The same answer as a day with nothing: no entries, no marker.
      expect(list.entry ?? []).toEqual([]);
      expect(Object.keys(list).sort()).toEqual(Object.keys(empty).sort());
    }
    // Her own organization's digest on Riverside's side is empty too: she is not on Riverside's roster.
    expect((await digest(s.tokens.riverside, 'hosp-riverside-org')).entry ?? []).toEqual([]);
  });

  it('bad input is a 400 naming the parameter; a token without List read is 403; nothing about an event is said', async () => {
    for (const [query, param] of [
      ['date=2026-13-01', 'date'],
      ['date=yesterday', 'date'],
      ['date=2026-01-01&date=2026-01-02', 'date'],
      ['date=2026-01-01&organization=x', 'organization'],
    ] as const) {
      const res = await s.get(`/fhir/Organization/clinic-oak-org/$adt-digest?${query}`, s.tokens.chen);
      expect(res.status).toBe(400);
      const outcome = (await res.json()) as { resourceType: string; issue: { expression?: string[] | string }[] };
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(JSON.stringify(outcome.issue[0]!.expression)).toContain(param);
    }
    expect((await s.get(digestUrl(), s.tokens.operator)).status).toBe(403);
    expect((await s.get(digestUrl(), null)).status).toBe(401);
  });
});
