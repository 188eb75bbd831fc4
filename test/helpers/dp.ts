import fc from 'fast-check';
import { declareUniverse, type ReleaseUniverse } from '../../src/deid/universe.js';
import { DEFAULT_CLIPPING } from '../../src/deid/privacy.js';
import { contribution, type Contribution } from '../../src/metrics/contributions.js';
import type { Segment } from '../../src/metrics/cost-utilization.js';
import type { PersonFacts } from '../../src/metrics/person.js';
import { DP_WORKLOAD, UNIVERSE_POLICY } from '../../src/release/dp-policy.js';

export const YEAR = 2025;
export const ORGS = ['Organization/a', 'Organization/b', 'Organization/c'];
export const PLANS: Record<Segment, string> = {
  commercial: 'Organization/payer-lakeshore-org',
  medicare: 'Organization/payer-greatlakes-ma-org',
  medicaid: 'Organization/payer-peninsula-medicaid-org',
};

/** The declared universe of the hand-made tests: three organizations, the policy's service area, one plan per segment. */
export function testUniverse(years: readonly number[] = [YEAR]): ReleaseUniverse {
  return declareUniverse({ policy: UNIVERSE_POLICY, providers: ORGS, payers: Object.values(PLANS), years });
}

export const dpSettings = (epsilon: number, universe: ReleaseUniverse = testUniverse()) => ({
  epsilon,
  clipping: DEFAULT_CLIPPING,
  workload: DP_WORKLOAD,
  universe,
});

/** A hand-made person: covered every month in one plan, with round figures. */
export function person(p: {
  id: string;
  segment?: Segment;
  payer?: string;
  org?: string;
  zip?: string;
  age?: number;
  sex?: string;
  paid?: number;
  index?: number;
  readmissions?: number;
  bcs?: 'num' | 'den' | 'excl';
}): Contribution {
  const segment = p.segment ?? 'commercial';
  const payer = p.payer ?? PLANS[segment];
  const paid = p.paid ?? 4_800;
  const months = new Map<number, { segment: Segment; payer: string; q: Record<string, number> }>();
  for (let m = 1; m <= 12; m++)
    months.set(m, {
      segment,
      payer,
      q: {
        member_months: 1,
        paid: paid / 12,
        allowed: paid / 10,
        'paid.professional': paid / 24,
        'paid.pharmacy': paid / 24,
        ...(m === 3 && p.index ? { admissions: p.index, index_admissions: p.index, readmissions: p.readmissions ?? 0 } : {}),
      },
    });
  const once: Record<string, number> = { members: 1 };
  if (p.bcs === 'excl') once['breast-cancer-screening.exclusions'] = 1;
  else if (p.bcs) once['breast-cancer-screening.denominator'] = 1;
  if (p.bcs === 'num') once['breast-cancer-screening.numerator'] = 1;
  return {
    person: p.id,
    segment,
    payer,
    age: p.age ?? 40,
    sex: p.sex ?? 'female',
    state: 'MI',
    zip: p.zip ?? '48911',
    organization: p.org ?? ORGS[0]!,
    once,
    months,
  };
}

const SEGMENTS: Segment[] = ['commercial', 'medicare', 'medicaid'];
const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Random people as the metrics see them (PersonFacts), clipped by the real contribution code:
 * several plans in a year, large claims, many stays, quality measures in and out.
 */
export const arbitraryFacts = fc
  .record({
    spans: fc.array(fc.record({ segment: fc.constantFrom(...SEGMENTS), start: fc.integer({ min: 1, max: 12 }), months: fc.integer({ min: 1, max: 12 }) }), {
      minLength: 1,
      maxLength: 3,
    }),
    claims: fc.array(
      fc.record({
        month: fc.integer({ min: 1, max: 12 }),
        category: fc.constantFrom('inpatient', 'outpatient', 'professional', 'ed', 'pharmacy') as fc.Arbitrary<PersonFacts['claims'][number]['category']>,
        paid: fc.integer({ min: 0, max: 90_000 }),
        allowed: fc.integer({ min: 0, max: 90_000 }),
      }),
      { maxLength: 8 },
    ),
    stays: fc.array(
      fc.record({ kind: fc.constantFrom('inpatient' as const, 'ed' as const), day: fc.integer({ min: 0, max: 360 }), los: fc.integer({ min: 0, max: 9 }) }),
      {
        maxLength: 16,
      },
    ),
    birthYear: fc.integer({ min: 1925, max: 2024 }),
    sex: fc.constantFrom('female' as const, 'male' as const, 'other' as const, 'unknown' as const),
    zip: fc.constantFrom('48911', '49503', '49684', '03601', '10001', 'bad'),
    diabetes: fc.boolean(),
    hypertension: fc.boolean(),
    mammogram: fc.boolean(),
    org: fc.constantFrom(...ORGS, 'Organization/unregistered', undefined),
  })
  .map(({ spans, claims, stays, birthYear, sex, zip, diabetes, hypertension, mammogram, org }) => {
    const day = (d: number) => new Date(Date.UTC(YEAR, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
    const facts: PersonFacts = {
      person: 'target',
      birthDate: `${birthYear}-06-15`,
      sex,
      state: 'MI',
      zip,
      coverage: spans.map((s) => ({
        person: 'target',
        segment: s.segment,
        payer: PLANS[s.segment],
        start: `${YEAR}-${pad(s.start)}-01`,
        end: `${YEAR}-${pad(Math.min(12, s.start + s.months - 1))}-28`,
      })),
      claims: claims.map((c) => ({ person: 'target', date: `${YEAR}-${pad(c.month)}-15`, category: c.category, paid: c.paid, allowed: c.allowed })),
      stays: stays.map((s) => ({ person: 'target', kind: s.kind, admit: day(s.day), discharge: day(Math.min(364, s.day + s.los)) })),
      diagnoses: [...(diabetes ? [{ code: 'E11.9', date: `${YEAR - 1}-03-01` }] : []), ...(hypertension ? [{ code: 'I10', date: `${YEAR - 1}-03-01` }] : [])],
      hba1c: [],
      bloodPressure: hypertension ? [{ date: `${YEAR}-05-01`, systolic: 150, diastolic: 95 }] : [],
      mammograms: mammogram ? [{ date: `${YEAR}-04-01` }] : [],
      // Two outpatient visits on different days confirm the hypertension (CMS165).
      visitDiagnoses: hypertension
        ? [
            { code: 'I10', date: `${YEAR - 1}-03-01` },
            { code: 'I10', date: `${YEAR - 1}-09-01` },
          ]
        : [],
      services: [],
    };
    const attribution = org ? { person: 'target', year: YEAR, organization: org, method: 'designation' as const, reason: 'test' } : undefined;
    return contribution(facts, YEAR, attribution, DEFAULT_CLIPPING);
  });
