import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Purpose } from '../../src/auth/purposes.js';
import type { Requester } from '../../src/auth/requester.js';
import { categoryIndex, type Category } from '../../src/consent/categories.js';
import { compileConsent } from '../../src/consent/compile.js';
import { decideWith, type PatientView } from '../../src/consent/decide.js';
import { compilePatientView } from '../../src/consent/view.js';
import { loadPolicies } from '../../src/consent/policies.js';
import { readPolicyFiles } from '../../src/entry/policy-files.js';
import { defaultCodeLists } from '../../src/labels/index.js';
import { caregiver, clinician, payer, analytics } from './helpers.js';

/**
 * decide() against a reference evaluator written here, straight from policies/precedence.md,
 * over random agreements, consents and requests. The reference reads provision trees directly
 * (no compiled lines, no Casbin), so the two share nothing but the rules.
 */
const PERSON = 'p1';
const index = categoryIndex(defaultCodeLists);
const LABEL_CODE: Record<Exclude<Category, 'normal'>, string> = { sud: '42CFRPart2', hiv: 'HIV', bh: 'PSY', srh: 'SEX' };
const CATEGORIES: Category[] = ['normal', 'sud', 'hiv', 'bh', 'srh'];
const CLASSES = ['Condition', 'Observation', 'Encounter', 'ExplanationOfBenefit'];
const DATES = ['2025-01-01', '2025-06-01', '2026-01-01', '2026-06-01'];
const WHENS = ['2025-03-01T00:00:00.000Z', '2025-09-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z', '2026-09-01T00:00:00.000Z'];
const ORGS = ['Organization/clinic-oak-org', 'Organization/payer-lakeshore-org', 'Organization/org-research'];
const ACTORS = [
  'Practitioner/clinic-oak-prac-chen',
  'Organization/clinic-oak-org',
  'Organization/payer-lakeshore-org',
  'RelatedPerson/rp1',
  'Organization/org-research',
];

interface Prov {
  type: 'permit' | 'deny';
  actor?: string[];
  purpose?: string[];
  class?: string[];
  labels?: Exclude<Category, 'normal'>[];
  period?: { start?: string; end?: string };
  provision?: Prov[];
}
interface DuaLine {
  org: string;
  pur: string;
  cls: string;
  lbl: string;
  scope: 'any' | 'member';
  start: string;
  end: string;
  status: 'active' | 'inactive';
}

const periodArb = fc
  .option(
    fc.record(
      { start: fc.option(fc.constantFrom(...DATES), { nil: undefined }), end: fc.option(fc.constantFrom(...DATES), { nil: undefined }) },
      { requiredKeys: [] },
    ),
    { nil: undefined },
  )
  .filter((p) => !p || !p.start || !p.end || p.start <= p.end);
const provArb: fc.Arbitrary<Prov> = fc.letrec<{ prov: Prov }>((tie) => ({
  prov: fc.record(
    {
      type: fc.constantFrom('permit' as const, 'deny' as const),
      actor: fc.option(fc.subarray(ACTORS, { minLength: 1, maxLength: 2 }), { nil: undefined }),
      purpose: fc.option(fc.subarray(['TREAT', 'HPAYMT', 'HOPERAT', 'FAMRQT'], { minLength: 1, maxLength: 2 }), { nil: undefined }),
      class: fc.option(fc.subarray(CLASSES, { minLength: 1, maxLength: 2 }), { nil: undefined }),
      labels: fc.option(fc.subarray(['sud', 'hiv', 'bh', 'srh'] as const, { minLength: 1, maxLength: 2 }), { nil: undefined }),
      period: periodArb,
      provision: fc.option(fc.array(tie('prov'), { maxLength: 2 }), { nil: undefined, depthSize: 'small' }),
    },
    { requiredKeys: ['type'] },
  ),
})).prov;
// Agreements are drawn so they often fit the organization's role; random ones would almost never permit.
const PURPOSES_OF: Record<string, string[]> = {
  'Organization/clinic-oak-org': ['TREAT', 'ETREAT'],
  'Organization/payer-lakeshore-org': ['HPAYMT', 'HOPERAT'],
  'Organization/org-research': ['HRESCH'],
};
const duaFor = (org: string): fc.Arbitrary<DuaLine> =>
  fc.record({
    org: fc.constant(org),
    pur: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...PURPOSES_OF[org]!) },
      { weight: 1, arbitrary: fc.constantFrom('TREAT', 'ETREAT', 'HPAYMT', 'HOPERAT', 'HRESCH') },
    ),
    cls: fc.oneof({ weight: 2, arbitrary: fc.constant('*') }, { weight: 1, arbitrary: fc.constantFrom(...CLASSES) }),
    lbl: fc.oneof({ weight: 2, arbitrary: fc.constant('*') }, { weight: 1, arbitrary: fc.constantFrom(...CATEGORIES) }),
    scope: fc.constantFrom('any' as const, 'any' as const, 'member' as const),
    start: fc.constantFrom('2024-01-01', '2024-01-01', '2026-01-01'),
    end: fc.constantFrom('2025-12-31', '2028-12-31', '2028-12-31'),
    status: fc.constantFrom('active' as const, 'active' as const, 'active' as const, 'inactive' as const),
  });
// Zero to three agreement lines for each organization.
const duasArb: fc.Arbitrary<DuaLine[]> = fc.tuple(...ORGS.map((org) => fc.array(duaFor(org), { maxLength: 3 }))).map((lists) => lists.flat());
const requesterArb: fc.Arbitrary<{ requester: Requester; purpose: Purpose }> = fc.oneof(
  fc
    .constantFrom<Purpose>('TREAT', 'ETREAT')
    .map((purpose) => ({ requester: clinician('clinic-oak-prac-chen', 'Organization/clinic-oak-org', [purpose]), purpose })),
  fc.constantFrom<Purpose>('HPAYMT', 'HOPERAT').map((purpose) => ({ requester: payer('payer-lakeshore', [purpose]), purpose })),
  fc.constant({ requester: caregiver('rp1', PERSON), purpose: 'FAMRQT' as Purpose }),
  fc.constant({ requester: analytics(), purpose: 'HRESCH' as Purpose }),
);

function toFhir(p: Prov): object {
  return {
    type: p.type,
    ...(p.actor ? { actor: p.actor.map((reference) => ({ reference: { reference } })) } : {}),
    ...(p.purpose ? { purpose: p.purpose.map((code) => ({ code })) } : {}),
    ...(p.class ? { class: p.class.map((code) => ({ code })) } : {}),
    ...(p.labels ? { securityLabel: p.labels.map((c) => ({ code: LABEL_CODE[c] })) } : {}),
    ...(p.period ? { period: p.period } : {}),
    ...(p.provision ? { provision: p.provision.map(toFhir) } : {}),
  };
}

// ---- The reference evaluator: precedence.md, read literally. ----
const day = (d: string, edge: 'start' | 'end') => (edge === 'start' ? `${d}T00:00:00.000Z` : `${d}T23:59:59.999Z`);
const inPeriod = (when: string, p?: { start?: string; end?: string }) =>
  !p || ((!p.start || when >= day(p.start, 'start')) && (!p.end || when <= day(p.end, 'end')));

function referenceDecide(
  duas: DuaLine[],
  consents: Prov[],
  view: { payers: Set<string>; grants: { practitioner: string; expiresAt: string }[] },
  requester: Requester,
  purpose: Purpose,
  cls: string,
  category: Category,
  when: string,
  defaults: { treatment: string; opens: string[] },
): boolean {
  const org = requester.organization ?? '';
  if (requester.role !== 'caregiver') {
    const member = view.payers.has(org);
    const dua = duas.some(
      (d) =>
        d.org === org &&
        d.pur === purpose &&
        (d.cls === '*' || d.cls === cls) &&
        (d.lbl === '*' || d.lbl === category) &&
        (d.scope === 'any' || member) &&
        when >= d.start &&
        when <= d.end &&
        d.status === 'active',
    );
    if (!dua) return false;
    if (purpose === 'ETREAT') {
      if (category === 'sud') return false;
      return view.grants.some((g) => g.practitioner === requester.fhirUser && g.expiresAt > when);
    }
  }
  const subject = requester.fhirUser ?? requester.organization ?? requester.clientId;
  // Every provision with its inherited context, its depth, and whether it matches.
  const matches: { depth: number; effect: 'permit' | 'deny' }[] = [];
  const walk = (
    p: Prov,
    depth: number,
    inherited: { actor?: string[]; purpose?: string[]; class?: string[]; periods: ({ start?: string; end?: string } | undefined)[] },
  ) => {
    const actor = p.actor ?? inherited.actor;
    const purposes = p.purpose ?? inherited.purpose;
    const classes = p.class ?? inherited.class;
    const periods = [...inherited.periods, p.period];
    const actorOk = !actor || actor.includes(subject) || actor.includes(org);
    const labelOk =
      p.type === 'permit'
        ? p.labels
          ? (p.labels as string[]).includes(category)
          : category === 'normal'
        : !p.labels || (p.labels as string[]).includes(category);
    const part2Ok = p.type === 'deny' || category !== 'sud' || !!actor;
    if (
      actorOk &&
      (!purposes || purposes.includes(purpose)) &&
      (!classes || classes.includes(cls)) &&
      labelOk &&
      part2Ok &&
      periods.every((x) => inPeriod(when, x))
    )
      matches.push({ depth, effect: p.type });
    for (const child of p.provision ?? []) walk(child, depth + 1, { actor, purpose: purposes, class: classes, periods });
  };
  for (const c of consents) walk(c, 0, { periods: [] });
  if (matches.length > 0) {
    // Deeper first (exceptions), then deny before permit.
    matches.sort((a, b) => b.depth - a.depth || (a.effect === 'deny' ? -1 : 1) - (b.effect === 'deny' ? -1 : 1));
    return matches[0]!.effect === 'permit';
  }
  if (category === 'sud') return false;
  if (requester.role === 'caregiver') return false;
  if (purpose === 'TREAT' && requester.role === 'clinician') return defaults.treatment === 'opt-out' && defaults.opens.includes(category);
  if ((purpose === 'HPAYMT' || purpose === 'HOPERAT') && requester.clientKind === 'payer') return true;
  return false;
}

describe('decide agrees with the reference evaluator of the precedence rules', () => {
  it('on random agreements, consents and requests, and never permits outside a DUA', async () => {
    const texts = await readPolicyFiles();
    const seen = { permit: 0, deny: 0, byConsent: 0 };
    await fc.assert(
      fc.asyncProperty(
        duasArb,
        fc.array(provArb, { maxLength: 2 }),
        requesterArb,
        fc.constantFrom(...CLASSES),
        fc.constantFrom(...CATEGORIES),
        fc.constantFrom(...WHENS),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('opt-in', 'opt-out'),
        async (duas, consents, { requester, purpose }, cls, category, when, isMember, hasGrant, treatment) => {
          const csv = duas.map((d, i) => `p, dua-${i}, ${d.org}, ${d.pur}, ${d.cls}, ${d.lbl}, ${d.scope}, ${d.start}, ${d.end}, ${d.status}`).join('\n');
          const defaults = { ...JSON.parse(texts.defaults), treatment };
          const policies = await loadPolicies({ ...texts, duas: csv, defaults: JSON.stringify(defaults) });
          const lines = consents.flatMap((c, i) => {
            const r = compileConsent({ resourceType: 'Consent', id: `c${i}`, status: 'active', provision: toFhir(c) } as never, PERSON, index);
            if (!r.ok) throw new Error(JSON.stringify(r.issues));
            return r.lines;
          });
          lines.sort((a, b) => a.priority.localeCompare(b.priority));
          const grants = hasGrant ? [{ id: 'g', practitioner: 'Practitioner/clinic-oak-prac-chen', expiresAt: '2026-06-01T00:00:00.000Z' }] : [];
          const view: PatientView = await compilePatientView(policies, {
            person: PERSON,
            lines,
            payers: new Set(isMember ? ['Organization/payer-lakeshore-org'] : []),
            breakGlass: grants,
          });
          const got = decideWith(policies, view, { requester, cls, categories: [category], purpose, when }).permit;
          const want = referenceDecide(duas, consents, { payers: view.payers as Set<string>, grants }, requester, purpose, cls, category, when, {
            treatment,
            opens: defaults.treatmentDefaultOpens,
          });
          expect(got).toBe(want);
          seen[got ? 'permit' : 'deny']++;
          if (decideWith(policies, view, { requester, cls, categories: [category], purpose, when }).reasons[0]!.layer === 'consent') seen.byConsent++;
          if (got && requester.role !== 'caregiver') {
            const org = requester.organization;
            expect(duas.some((d) => d.org === org && d.pur === purpose && d.status === 'active')).toBe(true);
          }
        },
      ),
      { numRuns: 3000 },
    );
    // The generators must reach every outcome, or agreement proves little.
    // About 120 permits and 45 consent-decided cases are typical in 3,000 runs; these bounds sit far below.
    expect(seen.permit).toBeGreaterThan(50);
    expect(seen.deny).toBeGreaterThan(100);
    expect(seen.byConsent).toBeGreaterThan(15);
  });
});
