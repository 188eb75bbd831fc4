/**
 * The portal's sentences about who can see her record: for every reason `decide` can give, a
 * sentence written for her, never a code, an id or a policy's own words.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PURPOSES } from '../../src/auth/purposes.js';
import { SENSITIVE, type Category } from '../../src/consent/categories.js';
import type { Reason } from '../../src/consent/decide.js';
import { accessSentences, caregiverSentence, categoryAnswer, outcomeInWords, purposeInWords, whatInWords, type Who } from '../../src/web/portal/plain-words.js';
import { codesIn } from '../helpers/patient-words.js';

const CATEGORIES: Category[] = ['normal', ...SENSITIVE];
const id = fc.stringMatching(/^[a-z][a-z0-9-]{2,20}$/);
const org = id.map((x) => `Organization/${x}`);

/** Every reason decide.ts writes (its layers, refs and details), with arbitrary ids where it names one. */
const reason: fc.Arbitrary<Reason> = fc
  .tuple(
    fc.constantFrom(...CATEGORIES),
    fc.oneof(
      fc.constant<Omit<Reason, 'detail'> & { detail: string }>({
        layer: 'self',
        effect: 'permit',
        ref: 'right-of-access',
        detail: 'the patient sees their own record',
      }),
      fc.constant({ layer: 'role' as const, effect: 'deny' as const, ref: 'right-of-access', detail: 'a patient sees only their own record' }),
      fc.constant({ layer: 'role' as const, effect: 'deny' as const, ref: 'token', detail: 'the token carries no purpose of use that could apply' }),
      fc
        .constantFrom('operator', 'researcher')
        .map((x) => ({ layer: 'role' as const, effect: 'deny' as const, ref: x, detail: `a ${x} sees no patient-level data` })),
      fc.tuple(org, fc.constantFrom(...Object.keys(PURPOSES)), fc.constantFrom('Patient', 'Observation', 'Consent')).map(([o, p, c]) => ({
        layer: 'dua' as const,
        effect: 'deny' as const,
        ref: `dua:${o}`,
        detail: `no data use agreement of ${o} permits ${p} for ${c}`,
      })),
      fc.constant({ layer: 'role' as const, effect: 'deny' as const, ref: 'break-glass', detail: 'only clinicians can break the glass' }),
      fc.constant({
        layer: 'law' as const,
        effect: 'deny' as const,
        ref: '42 CFR Part 2',
        detail: 'break-the-glass never opens substance use disorder records',
      }),
      fc.constant({
        layer: 'law' as const,
        effect: 'deny' as const,
        ref: '42 CFR Part 2',
        detail: 'substance use disorder records need a consent naming the recipient',
      }),
      fc.uuid().map((g) => ({
        layer: 'break-glass' as const,
        effect: 'permit' as const,
        ref: `break-glass/${g}`,
        detail: `emergency access until 2026-12-02T10:00:00Z (DUA 3)`,
      })),
      fc.constant({ layer: 'break-glass' as const, effect: 'deny' as const, ref: 'break-glass', detail: 'no active break-the-glass grant' }),
      fc.tuple(id, fc.nat(9), fc.boolean()).map(([c, n, allow]) => ({
        layer: 'consent' as const,
        effect: allow ? ('permit' as const) : ('deny' as const),
        ref: `Consent/${c}#${n}`,
        detail: allow ? 'permitted by the patient' : 'denied by the patient',
      })),
      fc.constant({ layer: 'default' as const, effect: 'deny' as const, ref: 'caregiver', detail: 'caregivers see only what the patient grants them' }),
      fc.constant({
        layer: 'default' as const,
        effect: 'permit' as const,
        ref: 'default:treatment-opt-out',
        detail: 'treatment is shared unless the patient opts out',
      }),
      fc.constantFrom('opt-in', 'opt-out').map((x) => ({
        layer: 'default' as const,
        effect: 'deny' as const,
        ref: `default:treatment-${x}`,
        detail: 'treatment access needs the patient to opt in',
      })),
      fc.constant({
        layer: 'default' as const,
        effect: 'permit' as const,
        ref: 'default:payer-members',
        detail: 'a payer may use its members’ data for payment and operations',
      }),
      fc.constant({ layer: 'default' as const, effect: 'deny' as const, ref: 'default:deny', detail: 'nothing permits this' }),
      fc.constant({ layer: 'role' as const, effect: 'permit' as const, ref: 'operator', detail: 'operators see consents to support the patient' }),
      fc.constant({ layer: 'role' as const, effect: 'deny' as const, ref: 'consent-privacy', detail: "a patient's consents are seen only by her" }),
    ),
  )
  .map(([c, r]) => ({ ...r, detail: `${c}: ${r.detail}` }));

const who: fc.Arbitrary<Who> = fc.record({
  kind: fc.constantFrom('doctors' as const, 'plan' as const, 'caregiver' as const),
  name: fc.constantFrom('Oakwood Family Medicine', 'Great Lakes Medicare Advantage', 'Daniel Alvarez (son)', 'Riverside Hospital'),
});

describe('plain words for who can see her record', () => {
  it('no sentence contains a code, an id or a policy word, for any reasons decide can give', () => {
    fc.assert(
      fc.property(who, fc.boolean(), fc.subarray(SENSITIVE as Category[]), fc.array(reason, { maxLength: 6 }), (w, permit, withheld, reasons) => {
        for (const s of accessSentences(w, permit, withheld, reasons)) expect(codesIn(s)).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });

  it('the sentences the issue asks for', () => {
    const r = (c: Category, x: Omit<Reason, 'detail'>, detail = 'x'): Reason => ({ ...x, detail: `${c}: ${detail}` });
    expect(
      accessSentences(
        { kind: 'doctors', name: 'Oakwood Family Medicine' },
        true,
        ['sud'],
        [
          r('normal', { layer: 'default', effect: 'permit', ref: 'default:treatment-opt-out' }),
          r('sud', { layer: 'law', effect: 'deny', ref: '42 CFR Part 2' }),
        ],
      ),
    ).toEqual([
      'Your doctors at Oakwood Family Medicine can see your record for your care.',
      'Substance use treatment records are private by law unless you name who may see them.',
    ]);
    expect(
      accessSentences(
        { kind: 'plan', name: 'Great Lakes Medicare Advantage' },
        false,
        [],
        [r('normal', { layer: 'dua', effect: 'deny', ref: 'dua:Organization/payer-greatlakes-ma-org' })],
      ),
    ).toEqual(["Great Lakes Medicare Advantage can't see it: it is not your health plan."]);
    expect(
      accessSentences(
        { kind: 'doctors', name: 'Oakwood Family Medicine' },
        true,
        ['bh'],
        [
          r('normal', { layer: 'default', effect: 'permit', ref: 'default:treatment-opt-out' }),
          r('bh', { layer: 'consent', effect: 'deny', ref: 'Consent/abc#0' }),
        ],
      )[1],
    ).toBe('Mental health records are kept from them: you chose to hide them.');
    expect(categoryAnswer({ kind: 'doctors', name: 'Oakwood Family Medicine' }, 'bh', true, ['bh'])).toBe(
      "Your doctors at Oakwood Family Medicine can't see your mental health records.",
    );
  });

  it('what was looked at, why and with what outcome, in words', () => {
    for (const q of [
      'Patient/clinic-oak-pat-000001/$everything',
      'Observation?patient=Patient/x',
      'AuditEvent?patient=Patient/x',
      'Unknown/x',
      'Patient/x/$access?class=Patient',
    ])
      expect(codesIn(whatInWords(q))).toEqual([]);
    for (const p of [...Object.keys(PURPOSES), 'XYZ', undefined]) expect(codesIn(purposeInWords(p))).toEqual([]);
    for (const o of ['0', '4', '8', undefined]) expect(codesIn(outcomeInWords(o))).toEqual([]);
    expect(whatInWords('Patient/x/$everything')).toBe('your whole record');
    expect(caregiverSentence('Daniel Alvarez (son)', ['Medications'], '2027-01-31', true)).toBe(
      'Daniel Alvarez (son) can see: medications until 31 January 2027. They can also change your sharing choices for you.',
    );
  });

  it('the code pattern catches what it must', () => {
    for (const bad of [
      'Organization/payer-greatlakes-ma-org',
      'normal: treatment',
      'sud: substance',
      'permits HPAYMT for Patient',
      'PSY',
      'no DUA',
      'clinic-oak-prac-chen',
    ])
      expect(codesIn(bad), bad).not.toEqual([]);
  });
});
