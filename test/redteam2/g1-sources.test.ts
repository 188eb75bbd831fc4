/** Guarantee 1: sources write only their own records; Coverage membership rules. */
import { beforeEach, describe, expect, it } from 'vitest';
import { ConsentEngine } from '../../src/consent/engine.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { scenario } from '../helpers/scenario.js';
import { coverage, GREATLAKES, LAKESHORE, obsEntry, post, putEntry, SOURCE_A, SOURCE_B, tokensOf, type Scenario } from './helpers.js';

let s: Scenario;
let t: Awaited<ReturnType<typeof tokensOf>>;
beforeEach(async () => {
  s = await scenario();
  t = await tokensOf(s);
});

const ownPatient = (id: string, source: string, fields: object = {}) =>
  putEntry({ resourceType: 'Patient', id, meta: { source }, name: [{ family: 'Stone', given: ['Xavier'] }], birthDate: '1990-09-09', ...fields });

describe('G1 a source re-sending another source’s Patient id', () => {
  it('batch: Patient/pa-1 (refused, 409) does not let the same batch file an Observation into pa-1', async () => {
    const res = await post(s, t.clinicB, SOURCE_B, [ownPatient('pa-1', SOURCE_B), obsEntry('o-smuggled', 'pa-1', SOURCE_B)], 'batch');
    expect(res.status).toBeLessThan(500);
    // The Observation must not be stored in pa-1's compartment.
    expect((await s.get('/fhir/Observation/o-smuggled', s.tokens.maria)).status).toBe(404);
  });

  it('batch: a payer re-sending Patient/pa-1 cannot cover Maria and become her payer', async () => {
    const res = await post(
      s,
      t.greatlakes,
      GREATLAKES,
      [ownPatient('pa-1', GREATLAKES), coverage('glk-cov', 'Patient/pa-1', 'Organization/payer-greatlakes-ma-org', GREATLAKES)],
      'batch',
    );
    expect(res.status).toBeLessThan(500);
    expect((await s.get('/fhir/Condition/c-diabetes', s.tokens.otherPayer)).status).toBe(404);
    expect((await s.get('/fhir/Coverage/glk-cov', s.tokens.maria)).status).toBe(404);
  });

  it('transaction: the same attempt writes nothing and is a 4xx', async () => {
    const res = await post(s, t.clinicB, SOURCE_B, [ownPatient('pa-1', SOURCE_B), obsEntry('o-smuggled2', 'pa-1', SOURCE_B)]);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((await s.get('/fhir/Observation/o-smuggled2', s.tokens.maria)).status).toBe(404);
  });

  it('a reference by absolute URL to another source’s Patient is refused', async () => {
    const res = await post(s, t.clinicB, SOURCE_B, [
      obsEntry('o-abs', 'x', SOURCE_B, { subject: { reference: 'https://hospital-a.example.org/fhir/Patient/pa-1' } }),
    ]);
    expect(res.status).toBe(403);
  });

  it('a urn:uuid reference to a Patient entry that is another source’s id is refused', async () => {
    const entries = [
      { ...ownPatient('pa-1', SOURCE_B), fullUrl: 'urn:uuid:11111111-1111-1111-1111-111111111111' },
      {
        fullUrl: 'urn:uuid:22222222-2222-2222-2222-222222222222',
        resource: {
          resourceType: 'Observation',
          meta: { source: SOURCE_B },
          status: 'final',
          code: { text: 'x' },
          subject: { reference: 'urn:uuid:11111111-1111-1111-1111-111111111111' },
        },
        request: { method: 'POST', url: 'Observation' },
      },
    ];
    const res = await post(s, t.clinicB, SOURCE_B, entries, 'batch');
    expect(res.status).toBeLessThan(500);
    const out = (await res.json()) as { entry: { response: { status: string; location?: string } }[] };
    expect(out.entry[1]?.response.status).not.toMatch(/^2/);
    const everything = (await (await s.get('/fhir/Observation?patient=pa-1&_count=100', s.tokens.maria)).json()) as {
      entry?: { resource: { meta: { source: string } } }[];
    };
    expect((everything.entry ?? []).filter((e) => e.resource.meta.source === SOURCE_B && e.resource)).toHaveLength(1); // only o-a1c-b (pa-2)
  });
});

describe('G1 Coverage', () => {
  it('two payors (own and another) is refused', async () => {
    const res = await post(s, t.lakeshore, LAKESHORE, [
      coverage('cov-two', 'Patient/pay-1', ['Organization/payer-lakeshore-org', 'Organization/payer-greatlakes-ma-org'], LAKESHORE),
    ]);
    expect(res.status).toBe(403);
  });

  for (const [name, payor] of [
    ['absolute URL of its own organization', 'https://payer-lakeshore.example.org/fhir/Organization/payer-lakeshore-org'],
    ['absolute URL of its organization on a foreign server', 'https://evil.example.org/fhir/Organization/payer-lakeshore-org'],
    ['versioned reference to its own organization', 'Organization/payer-lakeshore-org/_history/1'],
  ] as const) {
    it(`payor as ${name}: refused at ingest, or counted; never accepted-and-ignored`, async () => {
      // Replace Maria's membership with a Coverage using this payor form.
      const res = await post(s, t.lakeshore, LAKESHORE, [
        coverage('cov-1', 'Patient/pay-1', 'Organization/payer-lakeshore-org', LAKESHORE, { status: 'cancelled' }),
        coverage('cov-form', 'Patient/pay-1', payor, LAKESHORE),
      ]);
      const counted = (await s.get('/fhir/Condition/c-diabetes', s.tokens.payer)).status === 200;
      if (res.status < 300) expect(counted, `accepted (${res.status}) but membership not counted`).toBe(true);
      else expect(res.status).toBeGreaterThanOrEqual(400);
    });
  }

  it('a payor without a reference (identifier only) is refused, not a 500', async () => {
    const res = await post(s, t.lakeshore, LAKESHORE, [
      putEntry({
        resourceType: 'Coverage',
        id: 'cov-ident',
        meta: { source: LAKESHORE },
        status: 'active',
        beneficiary: { reference: 'Patient/pay-1' },
        payor: [{ identifier: { value: 'x' } }, null],
      }),
    ]);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('status of Lakeshore’s Coverage cannot be changed by another payer or a hospital', async () => {
    for (const [tok, src, payor] of [
      [t.greatlakes, GREATLAKES, 'Organization/payer-greatlakes-ma-org'],
      [t.hospitalA, SOURCE_A, 'Organization/payer-lakeshore-org'],
    ] as const) {
      const res = await post(s, tok, src, [coverage('cov-1', 'Patient/pay-1', payor, src, { status: 'cancelled' })]);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    expect((await s.get('/fhir/Condition/c-diabetes', s.tokens.payer)).status).toBe(200);
  });

  it('moving a Coverage to another beneficiary ends the old member’s membership at the next request', async () => {
    expect((await s.get('/fhir/Condition/c-diabetes', s.tokens.payer)).status).toBe(200);
    const res = await post(s, t.lakeshore, LAKESHORE, [
      ownPatient('pay-x', LAKESHORE, { identifier: [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: '900-00-0999' }] }),
      coverage('cov-1', 'Patient/pay-x', 'Organization/payer-lakeshore-org', LAKESHORE),
    ]);
    expect(res.status).toBe(200);
    expect(s.personOf('pay-x')).not.toBe(s.personOf('pa-1'));
    expect((await s.get('/fhir/Condition/c-diabetes', s.tokens.payer)).status).toBe(404);
  });

  it('moving a Coverage to another beneficiary: another process sees the old member drop at its next decision', async () => {
    const payer = {
      kind: 'system' as const,
      subject: 'payer-lakeshore',
      clientId: 'payer-lakeshore',
      clientKind: 'payer' as const,
      organization: 'Organization/payer-lakeshore-org',
      scopes: [],
      scope: '',
      purposes: ['HPAYMT' as const],
      tokenId: 't',
      expiresAt: 9e9,
    };
    const other = openSqlite(s.db.sqlite.name);
    try {
      const otherEngine = new ConsentEngine(other, s.engine.policies, () => new Date());
      const person = s.personOf('pa-1');
      expect([...(await otherEngine.payersOf(person))]).toContain('Organization/payer-lakeshore-org');
      await post(s, t.lakeshore, LAKESHORE, [
        ownPatient('pay-y', LAKESHORE, { identifier: [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: '900-00-0998' }] }),
        coverage('cov-1', 'Patient/pay-y', 'Organization/payer-lakeshore-org', LAKESHORE),
      ]);
      expect([...(await otherEngine.payersOf(person))]).not.toContain('Organization/payer-lakeshore-org');
      void payer;
    } finally {
      other.close();
    }
  });

  it('a cancelled Coverage, seen by another process at its next decision', async () => {
    const other = openSqlite(s.db.sqlite.name);
    try {
      const otherEngine = new ConsentEngine(other, s.engine.policies, () => new Date());
      const person = s.personOf('pa-1');
      expect([...(await otherEngine.payersOf(person))]).toContain('Organization/payer-lakeshore-org');
      await post(s, t.lakeshore, LAKESHORE, [coverage('cov-1', 'Patient/pay-1', 'Organization/payer-lakeshore-org', LAKESHORE, { status: 'cancelled' })]);
      expect([...(await otherEngine.payersOf(person))]).not.toContain('Organization/payer-lakeshore-org');
    } finally {
      other.close();
    }
  });

  it('a payer Patient later linked to Maria by the index: its earlier Coverage then counts only from a fresh decision, not stale', async () => {
    // Lakeshore covers its own new record first (unlinked stranger), then a later version of that
    // Patient carries Maria's SSN. Links are sticky, so it must NOT become Maria's.
    await post(s, t.lakeshore, LAKESHORE, [ownPatient('pay-z', LAKESHORE), coverage('cov-z', 'Patient/pay-z', 'Organization/payer-lakeshore-org', LAKESHORE)]);
    await post(s, t.greatlakes, GREATLAKES, [
      ownPatient('glk-z', GREATLAKES),
      coverage('cov-glk-z', 'Patient/glk-z', 'Organization/payer-greatlakes-ma-org', GREATLAKES),
    ]);
    // Great Lakes re-sends its record with Maria's identifiers.
    await post(s, t.greatlakes, GREATLAKES, [
      ownPatient('glk-z', GREATLAKES, {
        identifier: [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: '900-00-0001' }],
        name: [{ family: 'Alvarez', given: ['Maria'] }],
        birthDate: '1968-04-12',
      }),
    ]);
    expect(s.personOf('glk-z')).not.toBe(s.personOf('pa-1'));
    expect((await s.get('/fhir/Condition/c-diabetes', s.tokens.otherPayer)).status).toBe(404);
  });
});
