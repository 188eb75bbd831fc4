import { beforeEach, describe, expect, it } from 'vitest';
import { scheduledPerformance } from '../../src/gate/performance.js';
import { putContract } from '../../src/performance/store.js';
import { putEntry } from '../helpers/fhir.js';
import { seedRoster } from '../helpers/rosters.js';
import { consentFor, scenario } from '../helpers/scenario.js';
import { FIXTURE_CONTRACT } from './fixtures.js';

const PAYER_SOURCE = 'https://payer-lakeshore.example.org/fhir';
const MEASURE = `vbp-${FIXTURE_CONTRACT.id}`;
const Q3 = 'periodStart=2025-07-01&periodEnd=2025-09-30';
const METRIC = 'http://hl7.org/fhir/us/davinci-vbpr/CodeSystem/vbp-performance-metric';

type S = Awaited<ReturnType<typeof scenario>>;
let s: S;

beforeEach(async () => {
  s = await scenario();
  // Maria's commercial plan with Lakeshore (SOPT 5), and one professional claim in August.
  await s.seed(PAYER_SOURCE, [
    putEntry({
      resourceType: 'Coverage',
      id: 'cov-sopt',
      meta: { source: PAYER_SOURCE },
      status: 'active',
      type: { coding: [{ system: 'https://nahdo.org/sopt', code: '5' }] },
      beneficiary: { reference: 'Patient/pay-1' },
      payor: [{ reference: 'Organization/payer-lakeshore-org' }],
      period: { start: '2024-01-01' },
    }),
    putEntry({
      resourceType: 'ExplanationOfBenefit',
      id: 'eob-aug',
      meta: { source: PAYER_SOURCE },
      status: 'active',
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
      use: 'claim',
      patient: { reference: 'Patient/pay-1' },
      created: '2025-08-20',
      billablePeriod: { start: '2025-08-03', end: '2025-08-03' },
      insurer: { reference: 'Organization/payer-lakeshore-org' },
      provider: { reference: 'Organization/payer-lakeshore-org' },
      outcome: 'complete',
      insurance: [{ focal: true, coverage: { reference: 'Coverage/cov-sopt' } }],
      total: [{ category: { coding: [{ code: 'benefit' }] }, amount: { value: 240, currency: 'USD' } }],
    }),
  ]);
  for (const period of ['2025-07', '2025-08', '2025-09'])
    await seedRoster(s.db, { organization: FIXTURE_CONTRACT.organization, payer: FIXTURE_CONTRACT.payer, period, persons: [s.personOf('pa-1')] });
  await putContract(s.db, FIXTURE_CONTRACT, '2025-01-01T00:00:00Z');
});

const evaluate = (token: string, query = Q3, measure = MEASURE) =>
  s.app.request(`/fhir/Measure/${measure}/$evaluate-measure?${query}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
const json = async (r: Response) => (await r.json()) as Record<string, any>;
const auditCount = () => s.db.sqlite.prepare('select count(*) from audit_events').pluck().get() as number;

describe('VBPR performance reports: who reads them', () => {
  it('the payer computes the quarter from what it may see, as one audited aggregate, stored and readable by both parties', async () => {
    const before = auditCount();
    const res = await evaluate(s.tokens.payer);
    expect(res.status).toBe(200);
    const report = await json(res);
    expect(auditCount() - before).toBe(1);
    expect(report).toMatchObject({
      resourceType: 'MeasureReport',
      type: 'summary',
      period: { start: '2025-07-01', end: '2025-09-30' },
      reporter: { reference: 'Organization/org-hie' },
    });
    expect(report.id).toMatch(/^perf-/);
    const group = (code: string) => report.group.find((g: any) => g.code.coding[0].code === code && g.code.coding[0].system === METRIC);
    expect(group('member-months').measureScore.value).toBe(3);
    expect(group('med-cost-pmpm').measureScore.value).toBe(80);
    expect(group('shared-saving-deficit').measureScore.extension[0].valueMoney).toEqual({ value: 0, currency: 'USD' });
    expect(report.subject.extension[0].valueReference.reference).toBe('Organization/clinic-oak-org');
    // Reproducible: every roster version it read is recorded.
    expect(report.evaluatedResource.map((r: any) => r.reference)).toHaveLength(3);
    expect(report.evaluatedResource[0].reference).toMatch(/^Group\/roster-2025-07-[0-9a-f]+\/_history\/1$/);

    for (const party of [s.tokens.payer, s.tokens.chen]) {
      const read = await s.get(`/fhir/MeasureReport/${report.id}`, party);
      expect(read.status).toBe(200);
      expect(await json(read)).toEqual(report);
    }
    const found = await json(await s.get(`/fhir/MeasureReport?measure=${encodeURIComponent(report.measure)}&period=2025-Q3`, s.tokens.chen));
    expect(found.entry.map((e: any) => e.resource.id)).toEqual([report.id]);
  });

  it("answers another payer, another organization's clinician and the patient exactly as a nonexistent report or contract", async () => {
    const report = await json(await evaluate(s.tokens.payer));
    for (const outsider of [s.tokens.otherPayer, s.tokens.riverside, s.tokens.maria]) {
      const pairs: [string, string][] = [
        [`/fhir/MeasureReport/${report.id}`, '/fhir/MeasureReport/perf-00000000-0000-0000-0000-000000000000'],
        [`/fhir/Measure/${MEASURE}`, '/fhir/Measure/vbp-no-such-contract'],
      ];
      for (const [real, none] of pairs) {
        const [a, b] = [await s.get(real, outsider), await s.get(none, outsider)];
        expect(a.status).toBe(404);
        expect(b.status).toBe(404);
        expect((await a.text()).replace(real.split('/').pop()!, 'X')).toBe((await b.text()).replace(none.split('/').pop()!, 'X'));
      }
      const [a, b] = [await evaluate(outsider), await evaluate(outsider, Q3, 'vbp-no-such-contract')];
      expect([a.status, b.status]).toEqual([404, 404]);
      expect((await a.text()).replace(MEASURE, 'X')).toBe((await b.text()).replace('vbp-no-such-contract', 'X'));
      const search = await json(await s.get(`/fhir/MeasureReport?measure=${MEASURE}`, outsider));
      expect(search.total).toBe(0);
    }
  });

  it('counts only what the payer may see: her claims hidden from it by her consent are not in its figures, for either party', async () => {
    const deny = consentFor('no-claims', {
      type: 'deny',
      actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/payer-lakeshore-org' } }],
      class: [{ code: 'ExplanationOfBenefit' }],
    });
    expect((await s.consent('no-claims', s.tokens.maria, deny)).status).toBeLessThan(300);
    // The provider organization asks; the figures are still the payer's view, not the clinic's.
    const report = await json(await evaluate(s.tokens.chen));
    const group = (code: string) => report.group.find((g: any) => g.code.coding[0].code === code);
    expect(group('member-months').measureScore.value).toBe(3);
    expect(group('med-cost-pmpm').measureScore.value).toBe(0);
    expect(JSON.stringify(report)).not.toContain('eob-aug');
  });

  it('a member whose coverage has since ended still counts for the quarter she was covered in (the payer’s members then, not today)', async () => {
    await s.seed(PAYER_SOURCE, [
      putEntry({
        resourceType: 'Coverage',
        id: 'cov-sopt',
        meta: { source: PAYER_SOURCE },
        status: 'active',
        type: { coding: [{ system: 'https://nahdo.org/sopt', code: '5' }] },
        beneficiary: { reference: 'Patient/pay-1' },
        payor: [{ reference: 'Organization/payer-lakeshore-org' }],
        period: { start: '2024-01-01', end: '2025-09-30' },
      }),
    ]);
    const report = await json(await evaluate(s.tokens.payer));
    const group = (code: string) => report.group.find((g: any) => g.code.coding[0].code === code && g.code.coding[0].system === METRIC);
    expect(group('member-months').measureScore.value).toBe(3);
    expect(group('med-cost-pmpm').measureScore.value).toBe(80);
  });

  it('a member who hides her record from the provider organization is in neither party’s figures: the shared report tells neither what the other may see', async () => {
    const deny = consentFor('no-oak', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }] });
    expect((await s.consent('no-oak', s.tokens.maria, deny)).status).toBeLessThan(300);
    for (const party of [s.tokens.payer, s.tokens.chen]) {
      const report = await json(await evaluate(party));
      const group = (code: string) => report.group.find((g: any) => g.code.coding[0].code === code && g.code.coding[0].system === METRIC);
      expect(group('member-months').measureScore.value).toBe(0);
      expect(JSON.stringify(report)).not.toContain('eob-aug');
    }
  });

  it('the contract is readable by its two parties as a vbp-measure', async () => {
    for (const party of [s.tokens.payer, s.tokens.chen]) {
      const m = await json(await s.get(`/fhir/Measure/${MEASURE}`, party));
      expect(m.identifier[0].value).toBe(FIXTURE_CONTRACT.id);
    }
  });
});

describe('the quarterly run', () => {
  it('makes one report per contract in term, as its payer would, kept as made', async () => {
    const [id] = await scheduledPerformance(s.deps, { year: 2025, q: 3 }, 'http://gateway.test');
    expect(await scheduledPerformance(s.deps, { year: 2027, q: 1 }, 'http://gateway.test')).toEqual([]);
    const row = s.db.sqlite.prepare('select requested_by, roster from reports where id = ?').get(id) as { requested_by: string; roster: string };
    expect(row.requested_by).toBe('schedule');
    expect(row.roster).toMatch(/^Group\/roster-2025-09-[0-9a-f]+\/_history\/1$/);
    // Immutable: the stored report cannot be rewritten.
    expect(() => s.db.sqlite.prepare("update reports set content = '{}' where id = ?").run(id)).toThrow();
    expect((await s.get(`/fhir/MeasureReport/${id}`, s.tokens.chen)).status).toBe(200);
  });
});

describe('bad input', () => {
  it('refuses an end before the start with a 400 that says so, and stores nothing', async () => {
    const res = await evaluate(s.tokens.payer, 'periodStart=2025-09-30&periodEnd=2025-07-01');
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0].diagnostics).toContain('before periodStart');
    expect(s.db.sqlite.prepare("select count(*) from reports where kind = 'performance'").pluck().get()).toBe(0);
  });

  it('refuses a period that is not a quarter, and a quarter outside the term', async () => {
    expect((await evaluate(s.tokens.payer, 'periodStart=2025-07-01&periodEnd=2025-08-31')).status).toBe(400);
    const outside = await evaluate(s.tokens.payer, 'quarter=2024-Q1');
    expect(outside.status).toBe(400);
    expect((await json(outside)).issue[0].diagnostics).toContain('outside the contract');
  });

  it('answers an unknown contract with a 404 OperationOutcome', async () => {
    const res = await evaluate(s.tokens.payer, Q3, 'vbp-no-such-contract');
    expect(res.status).toBe(404);
    expect((await json(res)).issue[0].diagnostics).toContain('is not known');
  });
});

describe('the multi-payer view', () => {
  it('is for the organization itself; any payer is answered as for an organization that does not exist', async () => {
    // A second plan: Olga on the organization's Great Lakes roster.
    for (const period of ['2025-07', '2025-08', '2025-09'])
      await seedRoster(s.db, {
        organization: 'Organization/clinic-oak-org',
        payer: 'Organization/payer-greatlakes-ma-org',
        period,
        persons: [s.personOf('pb-1')],
      });
    const own = await s.get('/fhir/Organization/clinic-oak-org/$multi-payer?quarter=2025-Q3', s.tokens.chen);
    expect(own.status).toBe(200);
    const view = await json(own);
    expect(view.group.length).toBeGreaterThan(0);
    // Two plans: no count anywhere (no plan's, and no pooled one), and no pooled rate beside the slices.
    expect(JSON.stringify(view)).not.toContain('"count"');
    for (const g of view.group) {
      expect(g.measureScore).toBeUndefined();
      for (const st of g.stratifier[0].stratum) expect(['Organization/payer-greatlakes-ma-org', 'Organization/payer-lakeshore-org']).toContain(st.value.text);
    }
    const [a, b] = [
      await s.get('/fhir/Organization/clinic-oak-org/$multi-payer?quarter=2025-Q3', s.tokens.payer),
      await s.get('/fhir/Organization/no-such-org/$multi-payer?quarter=2025-Q3', s.tokens.payer),
    ];
    expect([a.status, b.status]).toEqual([404, 404]);
    expect((await a.text()).replace('clinic-oak-org', 'X')).toBe((await b.text()).replace('no-such-org', 'X'));
  });
});
