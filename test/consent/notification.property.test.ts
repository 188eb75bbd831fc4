/**
 * The notification rule over random consents × categories × recipients, decided as the gate
 * does (decideWith through decideNotification): a notification never tells more than a read by
 * that organization for treatment would show, and never tells of Part 2 or behavioural-health
 * stays without the patient's explicit consent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Requester } from '../../src/auth/requester.js';
import { categoryIndex, type Category } from '../../src/consent/categories.js';
import { compileConsent, type ConsentLine } from '../../src/consent/compile.js';
import { decideWith } from '../../src/consent/decide.js';
import { decideNotification, ENCOUNTER_NOTICE, NOTICE_CLASS_SYSTEM } from '../../src/consent/notification.js';
import { compilePatientView } from '../../src/consent/view.js';
import { defaultCodeLists } from '../../src/labels/index.js';
import { analytics, payer, realPolicies, sourceClient, WHEN } from './helpers.js';

const PERSON = 'p1';
const index = categoryIndex(defaultCodeLists);
const LABEL_CODE: Record<Exclude<Category, 'normal'>, string> = { sud: '42CFRPart2', hiv: 'HIV', bh: 'PSY', srh: 'SEX' };
const SENSITIVE = ['sud', 'hiv', 'bh', 'srh'] as const;
const OAK = 'Organization/clinic-oak-org';
const MAPLE = 'Organization/clinic-maple-org';
const ACTORS = [OAK, MAPLE, 'Organization/payer-lakeshore-org', 'Organization/org-research', 'Practitioner/clinic-oak-prac-chen'];

const RECIPIENTS: Record<string, Requester> = {
  oak: sourceClient(OAK, ['TREAT'], 'dua-clinic-oak'),
  maple: sourceClient(MAPLE, ['TREAT'], 'dua-clinic-maple'),
  payer: payer('payer-lakeshore', ['TREAT']),
  analytics: { ...analytics(), purposes: ['TREAT'] },
};

interface Prov {
  type: 'permit' | 'deny';
  actor?: string[];
  class?: string[];
  labels?: (typeof SENSITIVE)[number][];
  provision?: Prov[];
}
/** Provisions nested at most `depth` deep (the compiler refuses deeper trees). */
const provAt = (depth: number): fc.Arbitrary<Prov> =>
  fc.record(
    {
      type: fc.constantFrom('permit' as const, 'deny' as const),
      actor: fc.uniqueArray(fc.constantFrom(...ACTORS), { minLength: 1, maxLength: 2 }),
      class: fc.uniqueArray(fc.constantFrom('Encounter', 'Condition', ENCOUNTER_NOTICE), { minLength: 1, maxLength: 2 }),
      labels: fc.uniqueArray(fc.constantFrom(...SENSITIVE), { minLength: 1, maxLength: 2 }),
      ...(depth > 0 ? { provision: fc.array(provAt(depth - 1), { maxLength: 2 }) } : {}),
    },
    { requiredKeys: ['type'] },
  );
const provArb = provAt(2);

const toFhir = (p: Prov): object => ({
  type: p.type,
  ...(p.actor ? { actor: p.actor.map((reference) => ({ role: { text: 'recipient' }, reference: { reference } })) } : {}),
  ...(p.class ? { class: p.class.map((code) => (code === ENCOUNTER_NOTICE ? { system: NOTICE_CLASS_SYSTEM, code } : { code })) } : {}),
  ...(p.labels ? { securityLabel: p.labels.map((c) => ({ code: LABEL_CODE[c] })) } : {}),
  ...(p.provision?.length ? { provision: p.provision.map(toFhir) } : {}),
});

const categoriesArb = fc.oneof(
  fc.constant<Category[]>(['normal']),
  fc.uniqueArray(fc.constantFrom<Category>(...SENSITIVE), { minLength: 1, maxLength: 3 }).map((c) => c.sort()),
);

/** Whether one of her lines explicitly permits this category, to this recipient where Part 2 requires it, on one of these classes. */
const explicitPermit = (lines: readonly ConsentLine[], c: Category, org: string, classes: string[]) =>
  lines.some((l) => l.effect === 'allow' && l.label === c && (c !== 'sud' || l.actor === org) && classes.includes(l.cls));

describe('notifications never tell more than a read, nor sensitive stays without her consent', () => {
  it('holds for random consents, categories and recipients', async () => {
    const policies = await realPolicies();
    const needConsent = policies.defaults.notificationsNeedConsent;
    expect(needConsent).toEqual(['sud', 'bh']);
    await fc.assert(
      fc.asyncProperty(fc.array(provArb, { maxLength: 3 }), categoriesArb, fc.constantFrom(...Object.keys(RECIPIENTS)), async (provs, categories, who) => {
        const lines = provs.flatMap((p, i) => {
          const r = compileConsent({ resourceType: 'Consent', id: `c${i}`, status: 'active', provision: toFhir(p) } as never, PERSON, index);
          if (!r.ok) throw new Error(JSON.stringify(r.issues));
          return r.lines;
        });
        const view = await compilePatientView(policies, {
          person: PERSON,
          lines: lines.sort((a, b) => a.priority.localeCompare(b.priority)),
          payers: new Set(['Organization/payer-lakeshore-org']),
          breakGlass: [],
        });
        const requester = RECIPIENTS[who]!;
        const decide = (cls: string) => decideWith(policies, view, { requester, cls, categories, purpose: 'TREAT', when: WHEN });
        const detail = await decideNotification(decide, categories, needConsent);
        if (who === 'payer' || who === 'analytics') expect(detail).toBeUndefined();
        if (detail === 'full') expect(decide('Encounter').permit).toBe(true);
        for (const c of categories.filter((c) => needConsent.includes(c)))
          if (detail) expect(explicitPermit(lines, c, requester.organization!, detail === 'full' ? ['Encounter', '*'] : [ENCOUNTER_NOTICE, '*'])).toBe(true);
        if (detail === 'notice') for (const c of categories) expect(explicitPermit(lines, c, requester.organization!, [ENCOUNTER_NOTICE, '*'])).toBe(true);
        if (lines.length === 0 && (who === 'oak' || who === 'maple')) expect(detail).toBe(categories.some((c) => needConsent.includes(c)) ? undefined : 'full');
      }),
      { numRuns: 400 },
    );
  });
});

describe('the notice class', () => {
  it('compiles only with our code system, to lines no read asks about', () => {
    const ok = compileConsent(
      {
        resourceType: 'Consent',
        id: 'n',
        status: 'active',
        provision: { type: 'permit', class: [{ system: NOTICE_CLASS_SYSTEM, code: ENCOUNTER_NOTICE }] },
      } as never,
      PERSON,
      index,
    );
    expect(ok.ok && ok.lines.map((l) => l.cls)).toEqual([ENCOUNTER_NOTICE]);
    const foreign = compileConsent(
      { resourceType: 'Consent', id: 'n', status: 'active', provision: { type: 'permit', class: [{ code: ENCOUNTER_NOTICE }] } } as never,
      PERSON,
      index,
    );
    expect(foreign.ok).toBe(false);
  });
});
