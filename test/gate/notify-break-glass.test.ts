/**
 * The patient is told of break-the-glass (issue 15, item 7): the grant and its outbox event
 * commit together, only she (or a caregiver she lets read her accounting) is ever told, and the
 * endpoint she registers is checked as hers.
 */
import { describe, expect, it } from 'vitest';
import { grantBreakGlass } from '../../src/consent/break-glass.js';
import { createGate } from '../../src/gate/index.js';
import { mayPatientSubscribe } from '../../src/subscriptions/patient-subscriptions.js';
import { recipientOfPatientSubscription } from '../../src/subscriptions/recipient.js';
import { caregiver, clinician, patientSelf } from '../consent/helpers.js';
import { actor, world } from './notify-world.js';
import { auditTexts } from '../helpers/audit.js';

const mercyDoctor = () => clinician('hosp-mercy-prac-ortiz', 'Organization/hosp-mercy-org', ['ETREAT']);

describe('break-the-glass', () => {
  it('writes her notification event with the grant, focused on the grant’s AuditEvent, told to her alone', async () => {
    const w = await world();
    await grantBreakGlass(w.deps, mercyDoctor(), 'pa-1', 'unconscious in the ED, allergies unknown');
    const events = w.events().filter((e) => e.topic === 'break-the-glass');
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event!.patientId).toBe(w.person);
    const auditId = event!.focus.replace('AuditEvent/', '');
    const [audit] = auditTexts(w.db.sqlite, { id: auditId }) as [string];
    expect(JSON.parse(audit)).toMatchObject({ extension: [{ url: 'urn:consent-gateway:break-glass', valueBoolean: true }] });

    const hers = createGate(w.deps, recipientOfPatientSubscription({ id: 'sub-maria', owner: 'Patient/pa-1', organization: '' }, w.person));
    expect(await hers.notificationVerdict(event!)).toEqual({ tell: true, person: w.person, detail: 'full' });
    expect(await hers.releaseNotification({ ...event!, eventNumber: 1 }, 'full', 'id-only')).toEqual({ disclosed: true, focus: event!.focus });
    const full = await hers.releaseNotification({ ...event!, eventNumber: 1 }, 'full', 'full-resource');
    expect(full.resource).toMatchObject({ resourceType: 'AuditEvent', id: auditId, extension: [{ url: 'urn:consent-gateway:break-glass' }] });
    // The clinic, even one she shares everything with, and the hospital that broke the glass are never told.
    expect((await w.oak().notificationVerdict(event!)).tell).toBe(false);
    expect((await w.gateFor('Organization/hosp-mercy-org', 'dua-hosp-mercy').notificationVerdict(event!)).tell).toBe(false);
    // Another patient's subscription is not hers.
    const other = w.db.sqlite.prepare('select person_id from patient_links where patient_id = ?').pluck().get('pb-1') as string;
    const olga = createGate(w.deps, recipientOfPatientSubscription({ id: 'sub-olga', owner: 'Patient/pb-1', organization: '' }, other));
    expect((await olga.notificationVerdict(event!)).tell).toBe(false);
  });

  it('tells her caregiver only while she lets him read her accounting', async () => {
    const w = await world();
    await grantBreakGlass(w.deps, mercyDoctor(), 'pa-1', 'unconscious in the ED, allergies unknown');
    const [event] = w.events().filter((e) => e.topic === 'break-the-glass');
    const his = () =>
      createGate(w.deps, recipientOfPatientSubscription({ id: 'sub-rp', owner: 'RelatedPerson/rp1', organization: 'Organization/org-hie' }, w.person));
    expect((await his().notificationVerdict(event!)).tell).toBe(false);
    await w.consent('delegate', { type: 'permit', actor: actor('RelatedPerson/rp1'), class: [{ code: 'AuditEvent' }] });
    expect((await his().notificationVerdict(event!)).tell).toBe(true);
  });
});

describe('mayPatientSubscribe', () => {
  it('lets her subscribe to break-the-glass for herself, and stores only her as the filter', async () => {
    const w = await world();
    const grant = await mayPatientSubscribe(w.deps, { ...patientSelf('pa-1'), fhirUser: 'Patient/pa-1' }, { topic: 'break-the-glass', filters: [] });
    expect(grant).toMatchObject({ person: w.person, owner: 'Patient/pa-1', filters: [{ name: 'patient', values: [w.person] }] });
  });

  it('refuses another patient as if she did not exist, other topics and filters, and backend clients', async () => {
    const w = await world();
    const maria = { ...patientSelf('pa-1'), fhirUser: 'Patient/pa-1' };
    const refused = async (p: Promise<unknown>) => {
      const e = (await p.then(
        () => undefined,
        (e: unknown) => e,
      )) as { status?: number } | undefined;
      return e?.status;
    };
    const olga = refused(mayPatientSubscribe(w.deps, maria, { topic: 'break-the-glass', filters: [{ name: 'patient', values: ['Patient/pb-1'] }] }));
    const nobody = refused(mayPatientSubscribe(w.deps, maria, { topic: 'break-the-glass', filters: [{ name: 'patient', values: ['Patient/nobody'] }] }));
    expect(await olga).toBe(400);
    expect(await nobody).toBe(400);
    expect(await refused(mayPatientSubscribe(w.deps, maria, { topic: 'encounter-start', filters: [] }))).toBe(400);
    expect(await refused(mayPatientSubscribe(w.deps, maria, { topic: 'break-the-glass', filters: [{ name: 'class', values: ['EMER'] }] }))).toBe(400);
    expect(await refused(mayPatientSubscribe(w.deps, w.oak().requester, { topic: 'break-the-glass', filters: [] }))).toBe(403);
    // A caregiver she has not delegated her accounting to: as if she did not exist.
    expect(await refused(mayPatientSubscribe(w.deps, caregiver('rp1', 'pa-1'), { topic: 'break-the-glass', filters: [] }))).toBe(400);
  });

  it('answers a patient it does not know exactly as a patient she may not name', async () => {
    const w = await world();
    const maria = { ...patientSelf('pa-1'), fhirUser: 'Patient/pa-1' };
    const text = async (values: string[]) =>
      JSON.stringify(await mayPatientSubscribe(w.deps, maria, { topic: 'break-the-glass', filters: [{ name: 'patient', values }] }).catch((e: unknown) => e));
    expect(await text(['Patient/pb-1'])).toBe(await text(['Patient/nobody']));
  });
});
