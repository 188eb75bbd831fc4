/** Guarantees 1, 3 and 7: rosters and payers. */
import { beforeEach, describe, expect, it } from 'vitest';
import { putEntry } from '../helpers/fhir.js';
import { consentFor, scenario } from '../helpers/scenario.js';

type Scenario = Awaited<ReturnType<typeof scenario>>;
let s: Scenario;
const PAYER = 'https://payer-lakeshore.example.org/fhir';
const memberIds = async (res: Response) =>
  res.status === 200 ? ((await res.json()) as { member: { entity: { reference: string } }[] }).member.map((m) => m.entity.reference) : [];

beforeEach(async () => {
  s = await scenario();
  await s.oakwoodRoster();
});

describe('rosters', () => {
  it('the payer reads only its own members on Oakwood’s roster', async () => {
    expect(await memberIds(await s.get('/fhir/Group/attribution-clinic-oak-org-2025', s.tokens.payer))).toEqual(['Patient/pa-1']);
    expect((await s.get('/fhir/Group/attribution-clinic-oak-org-2025', s.tokens.otherPayer)).status).toBe(404);
    expect((await s.get('/fhir/Group/attribution-clinic-oak-org-2025', s.tokens.analytics)).status).toBe(404);
    expect((await s.get('/fhir/Group/attribution-clinic-oak-org-2025', s.tokens.daniel)).status).toBe(404);
  });

  it("a payer's roster read is in each disclosed patient's accounting of disclosures", async () => {
    expect((await s.get('/fhir/Group/attribution-clinic-oak-org-2025', s.tokens.payer)).status).toBe(200);
    const acct = (await (await s.get('/fhir/AuditEvent?patient=Patient/pa-1&_count=100', s.tokens.maria)).json()) as { entry?: { resource: unknown }[] };
    expect(JSON.stringify(acct.entry ?? [])).toContain('attribution-clinic-oak-org-2025');
  });

  it('a clinician of Oakwood reads the roster, minus a patient who denied Oakwood', async () => {
    await s.consent(
      'no-oak',
      s.tokens.maria,
      consentFor('no-oak', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }] }),
    );
    expect(await memberIds(await s.get('/fhir/Group/attribution-clinic-oak-org-2025', s.tokens.chen))).toEqual(['Patient/pb-1']);
  });
});

describe('42 CFR Part 2 and payer classes', () => {
  it('break-the-glass never opens Part 2 data, by read, search or $everything', async () => {
    await s.consent(
      'no-oak',
      s.tokens.maria,
      consentFor('no-oak', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }] }),
    );
    expect((await s.send('POST', '/fhir/Patient/pa-2/$break-the-glass', s.tokens.chenGlass, { reason: 'unconscious in ED' })).status).toBe(201);
    expect((await s.get('/fhir/Condition/c-diabetes', s.tokens.chenGlass)).status).toBe(200);
    expect((await s.get('/fhir/Condition/c-oud', s.tokens.chenGlass)).status).toBe(404);
    const ev = await (await s.get('/fhir/Patient/pa-1/$everything?_count=1000', s.tokens.chenGlass)).text();
    expect(ev).not.toContain('c-oud');
    const srch = await (await s.get('/fhir/Condition?patient=pa-2&_count=1000', s.tokens.chenGlass)).text();
    expect(srch).not.toContain('c-oud');
  });
  it('a permit for everyone (no actor) does not open Part 2 data', async () => {
    await s.consent(
      'share-all',
      s.tokens.maria,
      consentFor('share-all', { type: 'permit', securityLabel: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: '42CFRPart2' }] }),
    );
    expect((await s.get('/fhir/Condition/c-oud', s.tokens.chen)).status).toBe(404);
    expect((await s.get('/fhir/Condition/c-oud', s.tokens.payer)).status).toBe(404);
    expect((await s.get('/fhir/Condition/c-oud', s.tokens.daniel)).status).toBe(404);
  });
  it('a payer named for Part 2 data still gets only what its DUA lists (Condition: normal only)', async () => {
    expect(
      (
        await s.consent(
          'payer-sud',
          s.tokens.maria,
          consentFor('payer-sud', {
            type: 'permit',
            actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/payer-lakeshore-org' } }],
            securityLabel: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: '42CFRPart2' }],
          }),
        )
      ).status,
    ).toBe(201);
    expect((await s.get('/fhir/Condition/c-oud', s.tokens.payer)).status).toBe(404);
    const ev = await (await s.get('/fhir/Patient/pay-1/$everything?_count=1000', s.tokens.payer)).text();
    expect(ev).not.toContain('c-oud');
  });
  it('a payer gets no class its DUA does not list, and nothing about a non-member', async () => {
    await s.seed('https://hospital-a.example.org/fhir', [
      putEntry({
        resourceType: 'MedicationRequest',
        id: 'mr-1',
        meta: { source: 'https://hospital-a.example.org/fhir' },
        status: 'active',
        intent: 'order',
        subject: { reference: 'Patient/pa-1' },
        medicationCodeableConcept: { text: 'metformin' },
      }),
    ]);
    expect((await s.get('/fhir/MedicationRequest/mr-1', s.tokens.payer)).status).toBe(404);
    expect(await (await s.get('/fhir/Patient/pa-1/$everything?_count=1000', s.tokens.payer)).text()).not.toContain('mr-1');
    expect((await s.get('/fhir/Condition/c-other', s.tokens.payer)).status).toBe(404);
    expect((await s.get('/fhir/Patient/pb-1/$everything', s.tokens.payer)).status).toBe(404);
  });
  it("a source that files an Encounter at the payer does not put a non-member on the payer's export", async () => {
    await s.seed('https://hospital-a.example.org/fhir', [
      putEntry({
        resourceType: 'Encounter',
        id: 'enc-olga',
        meta: { source: 'https://hospital-a.example.org/fhir' },
        status: 'finished',
        class: { code: 'AMB' },
        subject: { reference: 'Patient/pb-1' },
        serviceProvider: { reference: 'Organization/payer-lakeshore-org' },
        period: { start: '2025-01-01' },
      }),
    ]);
    const kick = await s.get('/fhir/Group/payer-lakeshore-org/$export?_type=Condition,Encounter,Patient', s.tokens.payer, { prefer: 'respond-async' });
    expect(kick.status).toBe(202);
    const statusUrl = kick.headers.get('content-location')!.replace('http://gateway.test', '');
    let status = await s.get(statusUrl, s.tokens.payer);
    for (let i = 0; i < 50 && status.status === 202; i++) {
      await new Promise((r) => setTimeout(r, 20));
      status = await s.get(statusUrl, s.tokens.payer);
    }
    const { output } = (await status.json()) as { output: { url: string }[] };
    let all = '';
    for (const o of output) all += await (await s.get(o.url.replace('http://gateway.test', ''), s.tokens.payer)).text();
    expect(all).not.toContain('pb-1');
    expect(all).not.toContain('c-oud');
    expect(all).toContain('pay-1');
  }, 15_000);
});
