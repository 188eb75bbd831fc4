import { describe, expect, it } from 'vitest';
import { compileConsent, type ConsentLine } from '../../src/consent/compile.js';
import { categoryIndex } from '../../src/consent/categories.js';
import { decideWith, type PatientView } from '../../src/consent/decide.js';
import { compilePatientView } from '../../src/consent/view.js';
import { defaultCodeLists } from '../../src/labels/index.js';
import { analytics, caregiver, clinician, patientSelf, payer, realPolicies, WHEN } from './helpers.js';

const index = categoryIndex(defaultCodeLists);
const PERSON = 'p1';
const model = realPolicies();
const view = async (lines: ConsentLine[] = [], extra: Partial<Omit<PatientView, 'rules'>> = {}): Promise<PatientView> =>
  compilePatientView(await model, { person: PERSON, lines, payers: new Set(), breakGlass: [], ...extra });

function consent(provision: object, status = 'active') {
  const result = compileConsent({ resourceType: 'Consent', id: 'c1', status, provision } as never, PERSON, index);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.lines;
}
const actor = (reference: string) => ({ reference: { reference } });

describe('decide', () => {
  it('lets the patient see everything about themself, and no one else by that rule', async () => {
    const p = await realPolicies();
    const d = decideWith(p, await view(), { requester: patientSelf(PERSON), cls: 'Condition', when: WHEN });
    expect(d).toMatchObject({ permit: true, obligations: { redact: [] } });
    expect(decideWith(p, await view(), { requester: patientSelf('someone-else'), cls: 'Condition', when: WHEN }).permit).toBe(false);
  });

  it('opens treatment by default (opt-out), withholding 42 CFR Part 2 data, and names the default as the reason', async () => {
    const d = decideWith(await realPolicies(), await view(), { requester: clinician(), cls: 'Condition', when: WHEN });
    expect(d.permit).toBe(true);
    expect(d.obligations.redact).toEqual(['sud']);
    expect(d.reasons[0]).toMatchObject({ layer: 'default', ref: 'default:treatment-opt-out' });
    expect(d.reasons.find((r) => r.detail.startsWith('sud'))).toMatchObject({ layer: 'law', effect: 'deny' });
  });

  it('denies treatment by default when the deployment is opt-in', async () => {
    const d = decideWith(await realPolicies({ treatment: 'opt-in' }), await view(), { requester: clinician(), cls: 'Condition', when: WHEN });
    expect(d.permit).toBe(false);
    expect(d.reasons[0]!.ref).toBe('default:treatment-opt-in');
  });

  it("applies the patient's deny over the default, and names the Consent and provision", async () => {
    const lines = consent({ type: 'deny', actor: [actor('Organization/clinic-oak-org')] });
    const d = decideWith(await realPolicies(), await view(lines), { requester: clinician(), cls: 'Condition', when: WHEN });
    expect(d.permit).toBe(false);
    expect(d.reasons[0]).toMatchObject({ layer: 'consent', ref: 'Consent/c1#provision' });
  });

  it('lets a nested provision make an exception to its parent', async () => {
    const lines = consent({
      type: 'deny',
      provision: [{ type: 'permit', actor: [actor('Practitioner/clinic-oak-prac-chen')], class: [{ code: 'Observation' }] }],
    });
    const p = await realPolicies();
    expect(decideWith(p, await view(lines), { requester: clinician(), cls: 'Observation', when: WHEN }).permit).toBe(true);
    expect(decideWith(p, await view(lines), { requester: clinician(), cls: 'Condition', when: WHEN }).permit).toBe(false);
  });

  it('opens 42 CFR Part 2 data only to a recipient named in a permit', async () => {
    const p = await realPolicies();
    const forEveryone = consent({ type: 'permit', securityLabel: [{ code: '42CFRPart2' }] });
    expect(decideWith(p, await view(forEveryone), { requester: clinician(), cls: 'Condition', categories: ['sud'], when: WHEN }).permit).toBe(false);
    const named = consent({ type: 'permit', actor: [actor('Organization/clinic-oak-org')], securityLabel: [{ code: '42CFRPart2' }] });
    expect(decideWith(p, await view(named), { requester: clinician(), cls: 'Condition', categories: ['sud'], when: WHEN }).permit).toBe(true);
  });

  it('never lets an organization exceed its DUA, whatever the patient permits', async () => {
    const p = await realPolicies();
    const permitAll = consent({ type: 'permit', actor: [actor('Organization/org-research')] });
    const d = decideWith(p, await view(permitAll), { requester: analytics(), cls: 'Condition', when: WHEN });
    expect(d.permit).toBe(false);
    expect(d.reasons[0]!.layer).toBe('dua');
  });

  it("lets a payer see its own members' claims for payment, not other patients', and never Part 2", async () => {
    const p = await realPolicies();
    const member = await view([], { payers: new Set(['Organization/payer-lakeshore-org']) });
    expect(decideWith(p, member, { requester: payer(), cls: 'ExplanationOfBenefit', when: WHEN }).permit).toBe(true);
    expect(decideWith(p, await view(), { requester: payer(), cls: 'ExplanationOfBenefit', when: WHEN }).permit).toBe(false);
    expect(decideWith(p, member, { requester: payer(), cls: 'ExplanationOfBenefit', categories: ['sud'], when: WHEN }).permit).toBe(false);
    expect(decideWith(p, member, { requester: payer(), cls: 'MedicationRequest', when: WHEN }).permit).toBe(false);
  });

  it('shows a caregiver only what was granted, within its period, and sensitive data only when named', async () => {
    const p = await realPolicies();
    const lines = consent({
      type: 'permit',
      actor: [actor('RelatedPerson/rp1')],
      period: { start: '2026-01-01', end: '2026-06-30' },
      class: [{ code: 'Observation' }, { code: 'Condition' }],
    });
    const daniel = caregiver('rp1', PERSON);
    expect(decideWith(p, await view(lines), { requester: daniel, cls: 'Condition', when: WHEN })).toMatchObject({
      permit: true,
      obligations: { redact: ['sud', 'hiv', 'bh', 'srh'] },
    });
    expect(decideWith(p, await view(lines), { requester: daniel, cls: 'Encounter', when: WHEN }).permit).toBe(false);
    expect(decideWith(p, await view(lines), { requester: daniel, cls: 'Condition', when: '2026-07-01T00:00:00.000Z' }).permit).toBe(false);
    expect(decideWith(p, await view(), { requester: daniel, cls: 'Condition', when: WHEN }).permit).toBe(false);
  });

  it('grants break-the-glass only with an active grant, over patient denies, never for Part 2', async () => {
    const p = await realPolicies();
    const doc = clinician('clinic-oak-prac-chen', 'Organization/clinic-oak-org', ['ETREAT']);
    const deny = consent({ type: 'deny' });
    const grant = { id: 'g1', practitioner: 'Practitioner/clinic-oak-prac-chen', expiresAt: '2026-03-01T16:00:00.000Z' };
    expect(decideWith(p, await view(deny), { requester: doc, cls: 'Condition', when: WHEN }).permit).toBe(false);
    const d = decideWith(p, await view(deny, { breakGlass: [grant] }), { requester: doc, cls: 'Condition', when: WHEN });
    expect(d).toMatchObject({ permit: true, obligations: { redact: ['sud'] } });
    expect(d.reasons[0]).toMatchObject({ layer: 'break-glass', ref: 'break-glass/g1' });
    expect(decideWith(p, await view(deny, { breakGlass: [grant] }), { requester: doc, cls: 'Condition', when: '2026-03-01T16:00:01.000Z' }).permit).toBe(false);
  });

  it('respects a dataPeriod: a deny of old data leaves newer data open', async () => {
    const p = await realPolicies();
    const lines = consent({ type: 'deny', dataPeriod: { end: '2024-12-31' } });
    expect(
      decideWith(p, await view(lines), { requester: clinician(), cls: 'Condition', categories: ['normal'], date: '2024-06-01T00:00:00.000Z', when: WHEN })
        .permit,
    ).toBe(false);
    expect(
      decideWith(p, await view(lines), { requester: clinician(), cls: 'Condition', categories: ['normal'], date: '2025-06-01T00:00:00.000Z', when: WHEN })
        .permit,
    ).toBe(true);
  });

  it('yields no lines for an inactive Consent, so revoking removes what it granted', () => {
    expect(consent({ type: 'permit' }, 'inactive')).toEqual([]);
  });
});
