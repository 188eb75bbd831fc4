/**
 * End to end, through the HTTP API: for random Coverage writes (by the right and the wrong
 * payer, any status, any period), random consents of Maria's and random requesters, nothing the
 * gateway returns is something an independent reference evaluator would deny. The reference is
 * written from the rules in the README ("Who sees what"), not from the code.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bundle, putEntry } from '../helpers/fhir.js';
import { consentFor, scenario } from '../helpers/scenario.js';
import { sourceClaims } from '../helpers/tokens.js';

const LAKESHORE = 'https://payer-lakeshore.example.org/fhir';
const GREATLAKES = 'https://payer-greatlakes-ma.example.org/fhir';
const HIV = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HIV' };

const period = fc.constantFrom('current', 'ended', 'future', 'open');
const coverageWrite = fc.record({
  writer: fc.constantFrom('lakeshore', 'greatlakes'),
  beneficiary: fc.constantFrom('Patient/pay-1', 'Patient/pa-1'),
  payor: fc.constantFrom('Organization/payer-lakeshore-org', 'Organization/payer-greatlakes-ma-org'),
  status: fc.constantFrom('active', 'cancelled'),
  period,
});
const world = fc.record({
  coverages: fc.array(coverageWrite, { maxLength: 3 }),
  denyLakeshore: fc.boolean(),
  denyOakwood: fc.boolean(),
  hideHiv: fc.boolean(),
});

const periodOf = (p: string) =>
  p === 'current' ? { start: '2020-01-01' } : p === 'ended' ? { start: '2010-01-01', end: '2012-12-31' } : p === 'future' ? { start: '2099-01-01' } : undefined;

/** The reference evaluator: what the rules say each requester may read. */
type World = typeof world extends fc.Arbitrary<infer T> ? T : never;

function expected(w: World, who: 'payer' | 'otherPayer' | 'chen' | 'maria', resource: 'c-diabetes' | 'o-hiv' | 'eob-1' | 'c-oud'): boolean {
  if (who === 'maria') return true;
  if (who === 'chen') {
    if (w.denyOakwood || resource === 'c-oud' || resource === 'eob-1') return resource === 'eob-1' && !w.denyOakwood; // EOBs: treatment DUA covers every class
    return !(resource === 'o-hiv' && w.hideHiv);
  }
  // Payers: a member only through a Coverage its own source wrote for its own Patient record,
  // naming it alone as payor, active and in period now. The scenario's cov-1 makes Maria a
  // Lakeshore member until a later accepted write replaces it.
  let lakeshoreMember = true;
  for (const c of w.coverages) {
    const accepted = c.writer === 'lakeshore' && c.beneficiary === 'Patient/pay-1' && c.payor === 'Organization/payer-lakeshore-org';
    if (accepted) lakeshoreMember = c.status === 'active' && (c.period === 'current' || c.period === 'open');
  }
  if (who === 'otherPayer') return false;
  if (!lakeshoreMember || w.denyLakeshore) return false;
  // Its DUA: ordinary Conditions and claims; never HIV-labelled observations or Part 2 data.
  return resource === 'c-diabetes' || resource === 'eob-1';
}

describe('end to end: the gateway never returns what the reference evaluator denies', () => {
  it('for random Coverages, consents and requesters', async () => {
    await fc.assert(
      fc.asyncProperty(world, async (w) => {
        const s = await scenario();
        const token = (source: string, org: string, id: string) =>
          s.issuer.mint({
            ...sourceClaims(source, 'system/*.cu'),
            sub: id,
            client_id: id,
            client_kind: 'payer',
            organization: org,
            purpose_of_use: ['HPAYMT'],
          });
        const writers = {
          lakeshore: await token(LAKESHORE, 'Organization/payer-lakeshore-org', 'payer-lakeshore'),
          greatlakes: await token(GREATLAKES, 'Organization/payer-greatlakes-ma-org', 'payer-greatlakes-ma'),
        };
        for (const c of w.coverages) {
          const source = c.writer === 'lakeshore' ? LAKESHORE : GREATLAKES;
          const p = periodOf(c.period);
          const cov = putEntry({
            resourceType: 'Coverage',
            id: 'cov-1',
            meta: { source },
            status: c.status,
            beneficiary: { reference: c.beneficiary },
            payor: [{ reference: c.payor }],
            ...(p ? { period: p } : {}),
          });
          const res = await s.send('POST', '/fhir', writers[c.writer], bundle('transaction', [cov], source));
          expect(res.status, await res.clone().text()).toBeLessThan(500);
        }
        const deny = (org: string) => consentFor('x', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: org } }] });
        if (w.denyLakeshore) expect((await s.send('POST', '/fhir/Consent', s.tokens.maria, deny('Organization/payer-lakeshore-org'))).status).toBe(201);
        if (w.denyOakwood) expect((await s.send('POST', '/fhir/Consent', s.tokens.maria, deny('Organization/clinic-oak-org'))).status).toBe(201);
        if (w.hideHiv)
          expect((await s.send('POST', '/fhir/Consent', s.tokens.maria, consentFor('x', { type: 'deny', securityLabel: [HIV] }))).status).toBe(201);
        const paths = {
          'c-diabetes': '/fhir/Condition/c-diabetes',
          'o-hiv': '/fhir/Observation/o-hiv',
          'eob-1': '/fhir/ExplanationOfBenefit/eob-1',
          'c-oud': '/fhir/Condition/c-oud',
        } as const;
        for (const who of ['payer', 'otherPayer', 'chen', 'maria'] as const) {
          for (const [resource, path] of Object.entries(paths) as [keyof typeof paths, string][]) {
            const got = (await s.get(path, s.tokens[who])).status === 200;
            // Never more than the rules allow; for these fixed cases, exactly what they allow.
            expect(got, `${who} ${resource} ${JSON.stringify(w)}`).toBe(expected(w, who, resource));
          }
        }
      }),
      { numRuns: 30 },
    );
  }, 180_000);
});
