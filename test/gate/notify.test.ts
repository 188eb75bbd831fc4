/**
 * Consent applies to every notification (issue 15, item 5), attacked as the recipients would:
 * the clinic she blocked, a clinic told of a Part 2 or psychiatric admission, a payer or the
 * analytics client subscribing, and a revocation that lands between numbering and sending.
 */
import { describe, expect, it } from 'vitest';
import { ENCOUNTER_NOTICE, NOTICE_CLASS_SYSTEM, PART2_NOTICE } from '../../src/consent/notification.js';
import { createGate, type Gate } from '../../src/gate/index.js';
import { parseScopes } from '../../src/auth/scopes.js';
import { grantBreakGlass } from '../../src/consent/break-glass.js';
import { clinician, patientSelf } from '../consent/helpers.js';
import type { NotificationEvent } from '../../src/gate/notify.js';
import { ACT, actor, MAPLE, OAK, world } from './notify-world.js';

/** Numbering as the dispatcher does it: the next number for each event the recipient may be told of, none for the others. */
async function number(gate: Gate, events: NotificationEvent[], from = 0) {
  const numbered: { event: NotificationEvent; eventNumber: number; detail: 'full' | 'notice' }[] = [];
  let n = from;
  for (const event of events) {
    const v = await gate.notificationVerdict(event);
    if (v.tell) numbered.push({ event: { ...event, eventNumber: ++n }, eventNumber: n, detail: v.detail });
  }
  return numbered;
}

const NOTICE_CLASS = [{ system: NOTICE_CLASS_SYSTEM, code: ENCOUNTER_NOTICE }];

describe('an ordinary ED visit', () => {
  it('is told to the attributed clinic in full, and its token may read what it was told', async () => {
    const w = await world();
    const [n] = await number(w.oak(), await w.admit('e1'));
    expect(n).toMatchObject({ eventNumber: 1, detail: 'full' });
    const release = await w.oak().releaseNotification(n!.event, n!.detail, 'full-resource');
    expect(release).toMatchObject({ disclosed: true, focus: 'Encounter/e1', resource: { resourceType: 'Encounter', id: 'e1' } });
    expect(release.security).toBeUndefined();
    expect(await w.oakReader().read('Encounter', 'e1')).toBeDefined();
  });
});

describe('withheld details', () => {
  it('are left out of a full-resource notification silently: no reference, no "withheld" marker', async () => {
    const w = await world();
    const diagnosis = {
      resourceType: 'Condition',
      id: 'c-why',
      meta: { source: 'https://hospital-a.example.org/fhir' },
      subject: { reference: 'Patient/pa-1' },
      code: { text: 'chest pain' },
    };
    await w.consent('no-conditions', { type: 'deny', actor: actor(OAK), class: [{ code: 'Condition' }] });
    const events = await w.admit('e1', { fields: { diagnosis: [{ condition: { reference: 'Condition/c-why' }, rank: 1 }] }, with: [diagnosis] });
    const [n] = await number(w.oak(), events);
    const release = await w.oak().releaseNotification(n!.event, n!.detail, 'full-resource');
    expect(release.resource).toMatchObject({ resourceType: 'Encounter', id: 'e1', class: { code: 'EMER' } });
    expect(JSON.stringify(release)).not.toMatch(/withheld|c-why|diagnosis/);
  });
});

describe('her accounting of disclosures', () => {
  it('lists each notification sent about her, naming the clinic and what it was told', async () => {
    const w = await world();
    const [n] = await number(w.oak(), await w.admit('e1'));
    await w.oak().releaseNotification(n!.event, n!.detail, 'id-only');
    const page = await createGate(w.deps, patientSelf(w.person)).accounting('pa-1', 50);
    const told = page.rows.map((r) => r.content).filter((c) => c.includes('$notify'));
    expect(told).toHaveLength(1);
    expect(told[0]).toContain(OAK);
    expect(told[0]).toContain('"valueString":"Encounter/e1"');
  });
});

describe('the clinic she blocked', () => {
  it('gets no number for her next admission, and the numbers it sees show no gap', async () => {
    const w = await world();
    const first = await number(w.oak(), await w.admit('e1'));
    await w.consent('block-oak', { type: 'deny', actor: actor(OAK) });
    const blocked = await number(w.oak(), await w.admit('e2'), 1);
    const other = await number(w.oak(), await w.admit('e3', { patientId: 'pb-1' }), 1);
    expect(first.map((n) => n.eventNumber)).toEqual([1]);
    expect(blocked).toEqual([]);
    expect(other.map((n) => [n.event.focus, n.eventNumber])).toEqual([['Encounter/e3', 2]]);
    // Another clinic she did not block is still told.
    expect((await w.gateFor(MAPLE, 'dua-clinic-maple').notificationVerdict((await w.events('Encounter/e2'))[0]!)).tell).toBe(true);
  });
});

describe('42 CFR Part 2', () => {
  it('an admission labelled Part 2 is told to no one without a consent naming the recipient', async () => {
    const w = await world();
    const events = await w.admit('e-sud', { reason: 'sud', cls: 'IMP' });
    expect(events.length).toBeGreaterThan(0);
    expect(await number(w.oak(), events)).toEqual([]);
    // A consent for everyone is not one that names the recipient.
    await w.consent('sud-all', { type: 'permit', securityLabel: [{ system: ACT, code: '42CFRPart2' }] });
    expect(await number(w.oak(), events)).toEqual([]);
  });

  it('with a consent naming the recipient, it is told carrying the Part 2 label and the redisclosure notice', async () => {
    const w = await world();
    const events = await w.admit('e-sud', { reason: 'sud', cls: 'IMP' });
    await w.consent('sud-oak', { type: 'permit', actor: actor(OAK), securityLabel: [{ system: ACT, code: '42CFRPart2' }] });
    const [n] = await number(w.oak(), events);
    expect(n).toMatchObject({ eventNumber: 1, detail: 'full' });
    for (const payload of ['empty', 'id-only', 'full-resource'] as const) {
      const release = await w.oak().releaseNotification(n!.event, n!.detail, payload);
      expect(release.disclosed).toBe(true);
      expect(release.security?.map((s) => s.code)).toContain('42CFRPart2');
      expect(release.notice).toBe(PART2_NOTICE);
    }
    // Maple is not named: still nothing.
    expect(await number(w.gateFor(MAPLE, 'dua-clinic-maple'), events)).toEqual([]);
  });
});

describe('behavioural health', () => {
  it('a psychiatric admission is told to no one by default, though the treatment default opens it for reads', async () => {
    const w = await world();
    const events = await w.admit('e-bh', { reason: 'bh', cls: 'IMP' });
    expect(await w.oakReader().read('Encounter', 'e-bh')).toBeDefined();
    expect(await number(w.oak(), events)).toEqual([]);
  });

  it('her explicit consent for the clinic permits a full notification', async () => {
    const w = await world();
    const events = await w.admit('e-bh', { reason: 'bh', cls: 'IMP' });
    await w.consent('bh-oak', { type: 'permit', actor: actor(OAK), securityLabel: [{ system: ACT, code: 'BH' }] });
    const [n] = await number(w.oak(), events);
    expect(n!.detail).toBe('full');
    const release = await w.oak().releaseNotification(n!.event, n!.detail, 'full-resource');
    expect(release.resource).toMatchObject({ reasonCode: [{ text: 'why she came' }] });
  });

  it('"tell my doctor I was in hospital, but not where or why" sends class and period only, with no marker', async () => {
    const w = await world();
    const events = await w.admit('e-bh', { reason: 'bh', cls: 'IMP' });
    await w.consent('notice-oak', { type: 'permit', actor: actor(OAK), class: NOTICE_CLASS, securityLabel: [{ system: ACT, code: 'BH' }] });
    const [n] = await number(w.oak(), events);
    expect(n!.detail).toBe('notice');
    const release = await w.oak().releaseNotification(n!.event, n!.detail, 'full-resource');
    const resource = release.resource as Record<string, unknown>;
    expect(Object.keys(resource).sort()).toEqual(['class', 'id', 'period', 'resourceType', 'status', 'subject']);
    expect(JSON.stringify(release)).not.toMatch(/Ward|psychiatry|why she came|F32|withheld|BH|PSY/);
    // The notice choice names Oakwood only.
    expect(await number(w.gateFor(MAPLE, 'dua-clinic-maple'), events)).toEqual([]);
  });
});

describe('a stay relabelled after numbering', () => {
  it('is decided again on what is known of it now: a later psychiatric diagnosis leaves only the number', async () => {
    const w = await world();
    const [n] = await number(w.oak(), await w.admit('e1', { cls: 'IMP' }));
    expect(n!.detail).toBe('full');
    await w.admit('e1', { cls: 'IMP', reason: 'bh' });
    expect(await w.oak().releaseNotification(n!.event, n!.detail, 'full-resource')).toEqual({ disclosed: false });
  });
});

describe('a revocation between numbering and sending', () => {
  it('delivers the number with nothing else, and audits that nothing was disclosed', async () => {
    const w = await world();
    const [n] = await number(w.oak(), await w.admit('e1'));
    await w.consent('block-oak', { type: 'deny', actor: actor(OAK) });
    for (const payload of ['empty', 'id-only', 'full-resource'] as const)
      expect(await w.oak().releaseNotification(n!.event, n!.detail, payload)).toEqual({ disclosed: false });
    const audits = w.auditDetails();
    expect(audits).toHaveLength(3);
    for (const a of audits) {
      expect(a.outcome).toBe('4');
      const details = Object.fromEntries(a.entity.flatMap((e) => e.detail ?? []).map((d) => [d.type, d.valueString]));
      expect(details).toMatchObject({ subscription: 'sub-oak', 'event-number': '1', disclosed: 'nothing' });
      expect(details.focus).toBeUndefined();
    }
  });

  it('a notice choice made after numbering in full narrows what is sent', async () => {
    const w = await world();
    const events = await w.admit('e-bh', { reason: 'bh', cls: 'IMP' });
    await w.consent('bh', { type: 'permit', actor: actor(OAK), securityLabel: [{ system: ACT, code: 'BH' }] });
    const [n] = await number(w.oak(), events);
    await w.consent('bh', { type: 'permit', actor: actor(OAK), class: NOTICE_CLASS, securityLabel: [{ system: ACT, code: 'BH' }] });
    const release = await w.oak().releaseNotification(n!.event, 'full', 'full-resource');
    expect(Object.keys(release.resource!).sort()).toEqual(['class', 'id', 'period', 'resourceType', 'status', 'subject']);
  });
});

describe('every released notification is audited before it leaves', () => {
  it('naming the recipient organization, the subscription, the event number, the purpose and the patient', async () => {
    const w = await world();
    const [n] = await number(w.oak(), await w.admit('e1'));
    await w.oak().releaseNotification(n!.event, n!.detail, 'id-only');
    const [a] = w.auditDetails() as unknown as {
      outcome: string;
      purposeOfEvent: { coding: { code: string }[] }[];
      agent: { who: { reference?: string } }[];
      entity: { what: { reference?: string }; detail?: { type: string; valueString: string }[] }[];
    }[];
    expect(a!.outcome).toBe('0');
    expect(a!.purposeOfEvent[0]!.coding[0]!.code).toBe('TREAT');
    expect(a!.agent.map((x) => x.who.reference)).toContain(OAK);
    expect(a!.entity[0]!.what.reference).toBe(`Patient/${w.person}`);
    const details = Object.fromEntries(a!.entity.flatMap((e) => e.detail ?? []).map((d) => [d.type, d.valueString]));
    expect(details).toMatchObject({
      subscription: 'sub-oak',
      'event-number': '1',
      topic: 'encounter-start',
      disclosed: 'full',
      focus: 'Encounter/e1',
      class: 'EMER',
    });
  });
});

describe('recipients that are not a treating provider', () => {
  it("a payer-owned or the analytics recipient is told of nothing, even with the patient's permit", async () => {
    const w = await world();
    const events = await w.admit('e1');
    await w.consent('permit-all', { type: 'permit', actor: [...actor('Organization/payer-lakeshore-org'), ...actor('Organization/org-research')] });
    expect(await number(w.gateFor('Organization/payer-lakeshore-org', 'dua-payer-lakeshore'), events)).toEqual([]);
    expect(await number(w.gateFor('Organization/org-research', 'dua-analytics-aggregates'), events)).toEqual([]);
  });
});

describe('break-the-glass never applies to a push', () => {
  it('an Oakwood clinician breaking the glass opens nothing to Oakwood’s subscription', async () => {
    const w = await world();
    const events = await w.admit('e1');
    await w.consent('block-oak', { type: 'deny', actor: actor(OAK) });
    await grantBreakGlass(w.deps, clinician('clinic-oak-prac-chen', OAK, ['ETREAT']), 'pa-1', 'collapsed at the clinic, history needed');
    expect(await number(w.oak(), events)).toEqual([]);
    // Even the very clinician who holds the grant, as a recipient, is told nothing, though she may read the record now.
    const chen = { ...clinician('clinic-oak-prac-chen', OAK, ['TREAT', 'ETREAT']), scope: 'user/*.rs', scopes: parseScopes('user/*.rs') };
    expect(await createGate(w.deps, chen).read('Encounter', 'e1')).toBeDefined();
    expect(await number(createGate(w.deps, chen), events)).toEqual([]);
  });
});
