/** Guarantee 5: no 500 for a client's mistake; a transaction with one bad entry writes nothing; deep JSON is a 400. */
import { beforeEach, describe, expect, it } from 'vitest';
import { consentFor, scenario } from '../helpers/scenario.js';
import { LAKESHORE, obsEntry, post, putEntry, SOURCE_A, tokensOf, type Scenario } from './helpers.js';

let s: Scenario;
let t: Awaited<ReturnType<typeof tokensOf>>;
beforeEach(async () => {
  s = await scenario();
  t = await tokensOf(s);
});
const count = () => s.db.sqlite.prepare('select count(*) from resources').pluck().get() as number;
const is4xx = (r: Response) => expect([r.status, r.status >= 400 && r.status < 500]).toEqual([r.status, true]);

describe('G5 malformed elements are 4xx, never 500', () => {
  const patients: [string, object][] = [
    ['identifier [null]', { identifier: [null] }],
    ['identifier system a number', { identifier: [{ system: 5, value: 'x' }] }],
    ['identifier value an object', { identifier: [{ system: 'urn:x', value: {} }] }],
    ['identifier an object', { identifier: { system: 'urn:x', value: 'y' } }],
    ['name a string', { name: 'Maria' }],
    ['name [null]', { name: [null] }],
    ['given a string', { name: [{ family: 'A', given: 'B' }] }],
    ['family a number', { name: [{ family: 7, given: ['B'] }] }],
    ['address a string', { address: '48911' }],
    ['postalCode a number', { address: [{ postalCode: 48911 }] }],
    ['gender a number', { gender: 1 }],
  ];
  for (const [name, fields] of patients)
    it(`Patient with ${name}`, async () => {
      const r = await post(s, t.hospitalA, SOURCE_A, [
        putEntry({
          resourceType: 'Patient',
          id: 'p-bad',
          meta: { source: SOURCE_A },
          name: [{ family: 'Z', given: ['Z'] }],
          birthDate: '1970-01-01',
          ...fields,
        }),
      ]);
      expect(r.status, await r.text()).toBeLessThan(500);
    });

  const coverages: [string, object][] = [
    ['payor a string', { payor: 'Organization/payer-lakeshore-org' }],
    ['payor an object', { payor: { reference: 'Organization/payer-lakeshore-org' } }],
    ['payor [5]', { payor: [5] }],
    ['status a number', { status: 1, payor: [{ reference: 'Organization/payer-lakeshore-org' }] }],
  ];
  for (const [name, fields] of coverages)
    it(`Coverage with ${name}`, async () => {
      const r = await post(s, t.lakeshore, LAKESHORE, [
        putEntry({
          resourceType: 'Coverage',
          id: 'cov-bad',
          meta: { source: LAKESHORE },
          status: 'active',
          beneficiary: { reference: 'Patient/pay-1' },
          ...fields,
        }),
      ]);
      expect(r.status, await r.text()).toBeLessThan(500);
      // And the payer's next decision still works.
      expect((await s.get('/fhir/Condition/c-diabetes', s.tokens.payer)).status).toBeLessThan(500);
    });

  const consents: [string, object][] = [
    ['scope.coding [null]', { scope: { coding: [null] } }],
    ['patient a string', { patient: 'Patient/pa-1' }],
    ['provision a string', { provision: 'deny' }],
    ['provision.actor [null]', { provision: { type: 'deny', actor: [null] } }],
    ['provision.actor.reference a string', { provision: { type: 'deny', actor: [{ reference: 'Organization/clinic-oak-org' }] } }],
    ['provision.period a string', { provision: { type: 'deny', period: '2025' } }],
    ['provision.class [null]', { provision: { type: 'deny', class: [null] } }],
    ['provision.securityLabel [{}]', { provision: { type: 'deny', securityLabel: [{}] } }],
    ['provision.provision an object', { provision: { type: 'deny', provision: { type: 'permit' } } }],
    ['dateTime a number', { dateTime: 5 }],
    ['meta.tag a string', { meta: { tag: 'x' } }],
    ['meta.tag [null]', { meta: { tag: [null] } }],
  ];
  for (const [name, fields] of consents)
    it(`Consent with ${name}`, async () => {
      const r = await s.send('POST', '/fhir/Consent', s.tokens.maria, { ...consentFor('x', { type: 'deny' }), ...fields });
      expect(r.status, await r.text()).toBeLessThan(500);
    });
});

describe('G5 deep JSON and atomicity', () => {
  const raw = (method: string, path: string, token: string, body: string) =>
    s.app.request(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' }, body });
  /** A resource whose `note` is nested n levels deep, as text (JSON.stringify would overflow first). */
  const deepText = (prefix: string, n: number) => `${prefix.slice(0, -1)},"note":[${'{"extension":['.repeat(n)}{"text":"x"}${']}'.repeat(n)}]}`;
  it('deep JSON is a 400 at every write path', async () => {
    const obs = JSON.stringify(obsEntry('o-deep', 'pa-1', SOURCE_A).resource);
    const n = 50_000;
    is4xx(
      await raw(
        'POST',
        '/fhir',
        t.hospitalA,
        `{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"PUT","url":"Observation/o-deep"},"resource":${deepText(obs, n)}}]}`,
      ),
    );
    is4xx(await raw('PUT', '/fhir/Observation/o-deep', t.hospitalA, deepText(obs, n)));
    is4xx(await raw('POST', '/fhir/Observation', t.hospitalA, deepText(obs, n)));
    is4xx(await raw('POST', '/fhir/Consent', s.tokens.maria, deepText(JSON.stringify(consentFor('x', { type: 'deny' })), n)));
    is4xx(await raw('POST', '/admin/participants/organizations', s.tokens.operator, `{"a":${'['.repeat(n)}${']'.repeat(n)}}`));
    // Depth just under a likely limit but wide: still no 500.
    const wide = await raw('PUT', '/fhir/Observation/o-deep', t.hospitalA, deepText(obs, 200));
    expect(wide.status).toBeLessThan(500);
  });

  it('a transaction whose last entry breaks only at the store (another source’s id) writes nothing', async () => {
    const before = count();
    const r = await post(s, t.hospitalA, SOURCE_A, [obsEntry('o-new-1', 'pa-1', SOURCE_A), obsEntry('o-a1c-b', 'pa-1', SOURCE_A)]);
    is4xx(r);
    expect(count()).toBe(before);
  });

  it('a transaction with a Patient then a Coverage by the wrong payer writes nothing', async () => {
    const before = count();
    const r = await post(s, t.lakeshore, LAKESHORE, [
      putEntry({ resourceType: 'Patient', id: 'pay-new', meta: { source: LAKESHORE }, name: [{ family: 'N', given: ['N'] }], birthDate: '1970-01-01' }),
      putEntry({
        resourceType: 'Coverage',
        id: 'cov-new',
        meta: { source: LAKESHORE },
        status: 'active',
        beneficiary: { reference: 'Patient/pay-new' },
        payor: [{ reference: 'Organization/payer-greatlakes-ma-org' }],
      }),
    ]);
    is4xx(r);
    expect(count()).toBe(before);
  });
});
