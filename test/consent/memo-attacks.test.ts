/**
 * Remembered consent decisions and time, attacked by the red team. Each test fails when a remembered decision
 * (or remembered view) is served past an instant where a fresh decision differs.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConsentEngine } from '../../src/consent/engine.js';
import { duaEnforcer } from '../../src/consent/policies.js';
import { readPolicyFiles } from '../../src/entry/policy-files.js';
import { clinician, payer, realPolicies } from './helpers.js';
import { putEntry } from '../helpers/fhir.js';
import { consentFor, scenario } from '../helpers/scenario.js';

const PAYER = 'https://payer-lakeshore.example.org/fhir';
const at = (iso: string) => vi.setSystemTime(Date.parse(iso));

afterEach(() => {
  vi.useRealTimers();
});

describe('remembered consent decisions and time (attacks by the red team)', () => {
  it('C1: a payer is not a member after her Coverage ends, when her view was (re)loaded at the exact last millisecond', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    at('2026-03-02T10:00:00.000Z');
    const s = await scenario();
    await s.seed(PAYER, [
      putEntry({
        resourceType: 'Coverage',
        id: 'cov-1',
        meta: { source: PAYER },
        status: 'active',
        beneficiary: { reference: 'Patient/pay-1' },
        payor: [{ reference: 'Organization/payer-lakeshore-org' }],
        period: { start: '2024-01-01', end: '2026-03-02T10:00:30Z' }, // covers up to 10:00:30.999Z
      }),
    ]);
    const person = s.personOf('pay-1');
    const ask = (e: ConsentEngine) => e.decide(person, { requester: payer(), cls: 'ExplanationOfBenefit' });
    expect((await ask(s.engine)).permit).toBe(true); // a member: view valid until 10:00:30.999Z
    at('2026-03-02T10:00:30.999Z'); // a request in the last millisecond of the Coverage reloads her view
    expect((await ask(s.engine)).permit).toBe(true);
    at('2026-03-02T10:05:00.000Z'); // five minutes after the Coverage ended
    const fresh = new ConsentEngine(s.db, await realPolicies(), () => new Date());
    expect((await ask(fresh)).permit, 'control: a fresh engine says she is no longer a member').toBe(false);
    const cached = await ask(s.engine);
    expect(cached.permit, 'membership(): a boundary equal to now is dropped (instant > now), so validUntil is undefined and the view never reloads').toBe(
      false,
    );
  });

  it('C2: a decision for an explicit past instant does not depend on when her view was cached (expired break-the-glass grant)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.parse('2026-03-02T10:00:30.000Z');
    vi.setSystemTime(t0);
    const s = await scenario();
    const glass = await s.send('POST', '/fhir/Patient/pa-1/$break-the-glass', s.tokens.chenGlass, { reason: 'unconscious in ED' });
    expect(glass.status).toBe(201);
    const person = s.personOf('pa-1');
    const chen = clinician('clinic-oak-prac-chen', 'Organization/clinic-oak-org', ['ETREAT']);
    const w1 = new Date(t0 + 60_000).toISOString();
    const w2 = new Date(t0 + 120_000).toISOString(); // both well inside the grant
    vi.setSystemTime(t0 + 30_000);
    expect((await s.engine.decide(person, { requester: chen, cls: 'Condition', when: w1 })).permit).toBe(true);
    vi.setSystemTime(t0 + 6 * 3600_000); // the grant has long expired
    const fresh = new ConsentEngine(s.db, await realPolicies(), () => new Date());
    const freshAnswer = (await fresh.decide(person, { requester: chen, cls: 'Condition', when: w2 })).permit;
    const cachedAnswer = (await s.engine.decide(person, { requester: chen, cls: 'Condition', when: w2 })).permit;
    expect(cachedAnswer, `the same question at ${w2}: a fresh engine says ${freshAnswer}, the one that cached her view hours ago says ${cachedAnswer}`).toBe(
      freshAnswer,
    );
  });

  it('C3: an explicit `when` with a UTC offset is decided at its instant (deny from 10:00:30Z asked at 08:00:40-02:00)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    at('2026-03-02T10:00:05.000Z');
    const s = await scenario();
    const deny = consentFor('no-oak', {
      type: 'deny',
      period: { start: '2026-03-02T10:00:30Z' },
      actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }],
    });
    expect((await s.consent('no-oak', s.tokens.maria, deny)).status).toBe(201);
    const person = s.personOf('pa-1');
    const chen = clinician();
    const inUtc = await s.engine.decide(person, { requester: chen, cls: 'Condition', when: '2026-03-02T10:00:40.000Z' });
    expect(inUtc.permit).toBe(false);
    const withOffset = await s.engine.decide(person, { requester: chen, cls: 'Condition', when: '2026-03-02T08:00:40-02:00' });
    expect(withOffset.permit, 'the same instant written with an offset is compared as text and escapes the deny').toBe(false);
  });

  it('C4: deny periods given with an offset, and date-only ends, are enforced from/until their instant with the same token', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    at('2026-03-02T23:59:40.000Z');
    const s = await scenario();
    // A deny that starts at 00:00:10Z on the 3rd, written in -05:00, and a deny that ends with the 2nd (date only).
    const startsLater = consentFor('later', {
      type: 'deny',
      period: { start: '2026-03-02T19:00:10-05:00' },
      actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }],
      class: [{ system: 'http://hl7.org/fhir/resource-types', code: 'Condition' }],
    });
    const endsToday = consentFor('today', {
      type: 'deny',
      period: { end: '2026-03-02' },
      actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }],
      class: [{ system: 'http://hl7.org/fhir/resource-types', code: 'Observation' }],
    });
    expect((await s.consent('later', s.tokens.maria, startsLater)).status).toBe(201);
    expect((await s.consent('today', s.tokens.maria, endsToday)).status).toBe(201);
    at('2026-03-02T23:59:59.500Z');
    expect((await s.get('/fhir/Condition/c-diabetes', s.tokens.chen)).status).toBe(200);
    expect((await s.get('/fhir/Observation/o-a1c-1', s.tokens.chen)).status).toBe(404);
    at('2026-03-03T00:00:20.000Z');
    expect((await s.get('/fhir/Condition/c-diabetes', s.tokens.chen)).status, 'deny written with -05:00 not enforced from its instant').toBe(404);
    expect((await s.get('/fhir/Observation/o-a1c-1', s.tokens.chen)).status, 'date-only end: still denied the next day').toBe(200);
  });

  it('C5: an agreement ending at a given second is not honoured after it (engine memo and the DUA memo)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    at('2026-03-02T10:00:05.000Z');
    const s = await scenario();
    const texts = await readPolicyFiles();
    const base = await realPolicies();
    const policies = {
      ...base,
      dua: await duaEnforcer(texts.duaModel, [
        ['dua-oak', 'Organization/clinic-oak-org', 'TREAT', '*', '*', 'any', '2024-01-01T00:00:00.000Z', '2026-03-02T10:00:30.000Z', 'active'],
      ]),
    };
    const engine = new ConsentEngine(s.db, policies, () => new Date());
    const person = s.personOf('pa-1');
    at('2026-03-02T10:00:20.000Z');
    const before = await engine.decide(person, { requester: clinician(), cls: 'Condition', categories: ['normal'] });
    expect(before.permit).toBe(true);
    at('2026-03-02T10:00:30.001Z');
    const after = await engine.decide(person, { requester: clinician(), cls: 'Condition', categories: ['normal'] });
    expect(after.permit, 'served after the agreement ended').toBe(false);
  });
});
