/** Guarantee 4: $access explains only to the patient, a caregiver delegated the Consent class, and operators. */
import { beforeEach, describe, expect, it } from 'vitest';
import { consentFor, scenario } from '../helpers/scenario.js';

type Scenario = Awaited<ReturnType<typeof scenario>>;
let s: Scenario;
beforeEach(async () => {
  s = await scenario();
  await s.consent(
    'no-payer',
    s.tokens.maria,
    consentFor('no-payer', {
      type: 'deny',
      actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/payer-lakeshore-org' } }],
      class: [{ code: 'Condition' }],
    }),
  );
});
const noReasons = (text: string) => {
  expect(text).not.toContain('Consent/');
  expect(text).not.toContain('"reason"');
  expect(text).not.toContain('"withheld"');
};

describe('$access', () => {
  it('a caregiver granted Observation (not Consent) cannot have another actor explained, for either of her ids', async () => {
    await s.consent(
      'obs-daniel',
      s.tokens.maria,
      consentFor('obs-daniel', {
        type: 'permit',
        actor: [{ role: { text: 'recipient' }, reference: { reference: 'RelatedPerson/rp1' } }],
        class: [{ code: 'Observation' }],
      }),
    );
    for (const id of ['pa-1', 'pa-2']) {
      const res = await s.get(`/fhir/Patient/${id}/$access?actor=Organization/payer-lakeshore-org`, s.tokens.daniel);
      expect(res.status).toBe(403);
      noReasons(await res.text());
      const own = await s.get(`/fhir/Patient/${id}/$access`, s.tokens.daniel);
      noReasons(await own.text());
    }
  });
  it('a payer asking about itself learns permit/deny per class only', async () => {
    const res = await s.get('/fhir/Patient/pay-1/$access?class=Condition,Observation,Patient', s.tokens.payer);
    expect(res.status).toBe(200);
    noReasons(await res.text());
    const purposed = await s.get('/fhir/Patient/pa-2/$access?purpose=HOPERAT', s.tokens.payer);
    noReasons(await purposed.text());
  });
  it('a clinician with ETREAT asking about himself learns no reasons, and cannot name an actor', async () => {
    noReasons(await (await s.get('/fhir/Patient/pa-1/$access?purpose=ETREAT', s.tokens.chenGlass)).text());
    const other = await s.get('/fhir/Patient/pa-1/$access?actor=Practitioner/clinic-oak-prac-chen', s.tokens.chenGlass);
    expect(other.status).toBe(403);
    noReasons(await other.text());
  });
  it("another patient cannot have Maria's access explained, and her own question answers as for a missing patient", async () => {
    const olga = s.tokens.olga;
    const a = await s.get('/fhir/Patient/pa-1/$access?actor=Organization/payer-lakeshore-org', olga);
    const b = await s.get('/fhir/Patient/zz-none/$access?actor=Organization/payer-lakeshore-org', olga);
    expect(a.status).toBe(b.status);
    expect(await a.text()).toBe(await b.text());
    const c = await s.get('/fhir/Patient/pa-1/$access', olga);
    expect(c.status).toBe(404);
  });
  it('a caregiver delegated Consent by Maria gets nothing explained about another patient', async () => {
    await s.consent(
      'delegate',
      s.tokens.maria,
      consentFor('delegate', {
        type: 'permit',
        actor: [{ role: { text: 'recipient' }, reference: { reference: 'RelatedPerson/rp1' } }],
        class: [{ code: 'Consent' }],
      }),
    );
    const res = await s.get('/fhir/Patient/pb-1/$access?actor=Practitioner/clinic-oak-prac-chen', s.tokens.daniel);
    expect(res.status).toBe(403);
    noReasons(await res.text());
    const wrongCtx = await s.issuer.mint({
      sub: 'daniel',
      client_id: 'portal',
      role: 'caregiver',
      fhirUser: 'RelatedPerson/rp1',
      patient: 'pb-1',
      organization: 'Organization/org-hie',
      scope: 'patient/*.rs',
      purpose_of_use: ['FAMRQT'],
    });
    const res2 = await s.get('/fhir/Patient/pb-1/$access?actor=Practitioner/clinic-oak-prac-chen', wrongCtx);
    expect(res2.status).toBe(403);
    noReasons(await res2.text());
  });
});
