/**
 * The patient's side of break-the-glass review, behind the gate: she sees her own grants and
 * asks for their review; another patient's grant is "not found"; a caregiver needs her
 * delegation of the Consent class.
 */
import { describe, expect, it } from 'vitest';
import { grantBreakGlass } from '../../src/consent/break-glass.js';
import { decideReview } from '../../src/consent/break-glass-review.js';
import { createGate } from '../../src/gate/index.js';
import { caregiver, clinician, patientSelf } from '../consent/helpers.js';
import { actor, world } from './notify-world.js';
import { auditTexts } from '../helpers/audit.js';

const ortiz = clinician('hosp-mercy-prac-ortiz', 'Organization/hosp-mercy-org', ['ETREAT']);

async function setUp() {
  const w = await world();
  const other = w.db.sqlite.prepare('select person_id from patient_links where patient_id = ?').pluck().get('pb-1') as string;
  // The store's grant id (the gateway answers with `break-glass/{id}`).
  const grant = async (patientId: string, reason: string) => ({
    grant: (await grantBreakGlass(w.deps, ortiz, patientId, reason)).grant.replace(/^break-glass\//, ''),
  });
  const mine = await grant('pa-1', 'unconscious, allergies unknown');
  const theirs = await grant('pb-1', 'another patient entirely');
  return { w, other, mine, theirs, her: createGate(w.deps, patientSelf(w.person)) };
}

describe('her break-the-glass grants and their review', () => {
  it("another patient's grant is not found, and asking about it changes nothing", async () => {
    const { w, her, theirs, other } = await setUp();
    expect(await her.askBreakGlassReview('pa-1', theirs.grant, 'not mine')).toBe('unknown-grant');
    // Nor through the other patient's id: she cannot act for someone else.
    expect(await her.askBreakGlassReview('pb-1', theirs.grant, 'not mine')).toBe('unknown-grant');
    expect(await her.breakGlassOfHers('pb-1')).toBeUndefined();
    expect(await createGate(w.deps, patientSelf(other)).breakGlassOfHers('pb-1')).toEqual([expect.objectContaining({ id: theirs.grant, requests: [] })]);
    expect(w.db.sqlite.prepare('select count(*) from break_glass_reviews').pluck().get()).toBe(0);
  });

  it('she sees her grant with the reason given, asks once, and sees the finding', async () => {
    const { w, her, mine } = await setUp();
    const [grant] = (await her.breakGlassOfHers('pa-1'))!;
    expect(grant).toMatchObject({ id: mine.grant, reason: 'unconscious, allergies unknown', practitioner: 'Practitioner/hosp-mercy-prac-ortiz', requests: [] });
    expect(await her.askBreakGlassReview('pa-1', mine.grant, 'I was awake and said no')).toBeUndefined();
    expect(await her.askBreakGlassReview('pa-1', mine.grant, 'again')).toBe('already-requested');
    await decideReview(w.db, {
      grantId: mine.grant,
      actor: 'alex',
      outcome: 'inappropriate',
      note: 'She was conscious.',
      at: new Date().toISOString(),
      id: 'd1',
    });
    const [after] = (await her.breakGlassOfHers('pa-1'))!;
    expect(after!.requests.map((r) => r.note)).toEqual(['I was awake and said no']);
    expect(after!.decision).toMatchObject({ outcome: 'inappropriate', note: 'She was conscious.' });
    const queries = auditTexts(w.db.sqlite, { person: w.person }).map(
      (c) => (JSON.parse(c) as { entity: { what?: { identifier?: { value?: string } } }[] }).entity.at(-1)?.what?.identifier?.value,
    );
    expect(queries).toContain(`Patient/pa-1/$request-review?grant=${mine.grant}`);
    expect(queries).toContain('Patient/pa-1/$break-glass-reviews');
  });

  it('a caregiver sees and asks only with her delegation of her consents', async () => {
    const { w, mine } = await setUp();
    const daniel = createGate(w.deps, caregiver('rp1', w.person));
    expect(await daniel.breakGlassOfHers('pa-1')).toBeUndefined();
    expect(await daniel.askBreakGlassReview('pa-1', mine.grant, 'for her')).toBe('unknown-grant');
    await w.consent('delegate', {
      type: 'permit',
      actor: actor('RelatedPerson/rp1'),
      class: [{ system: 'http://hl7.org/fhir/resource-types', code: 'Consent' }],
    });
    expect((await daniel.breakGlassOfHers('pa-1'))!.map((g) => g.id)).toEqual([mine.grant]);
    expect(await daniel.askBreakGlassReview('pa-1', mine.grant, 'for her')).toBeUndefined();
    expect((await daniel.breakGlassOfHers('pa-1'))![0]!.requests[0]).toMatchObject({ actor: 'RelatedPerson/rp1', note: 'for her' });
  });

  it("her name (and nothing else of her) for her and her registered caregiver; another patient's name for no one else", async () => {
    const { w, her } = await setUp();
    const name = await her.nameOfPatient('pa-1');
    expect(name).toBeTruthy();
    expect(await createGate(w.deps, caregiver('rp1', w.person)).nameOfPatient('pa-1')).toBe(name);
    expect(await her.nameOfPatient('pb-1')).toBeUndefined();
    expect(await createGate(w.deps, clinician()).nameOfPatient('pa-1')).toBeUndefined();
  });
});
