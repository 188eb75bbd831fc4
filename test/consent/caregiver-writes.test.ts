/**
 * A caregiver writing her consents: only with her delegation of the Consent class, and never to
 * widen what he himself may see (by his own reference, his organization, or everyone).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { consentFor, scenario } from '../helpers/scenario.js';

type Scenario = Awaited<ReturnType<typeof scenario>>;
let s: Scenario;
const recipient = (reference: string) => [{ role: { text: 'recipient' }, reference: { reference } }];

beforeEach(async () => {
  s = await scenario();
});

const delegate = () =>
  s.consent('delegate', s.tokens.maria, consentFor('delegate', { type: 'permit', actor: recipient('RelatedPerson/rp1'), class: [{ code: 'Consent' }] }));

describe('a caregiver writing her consents', () => {
  it('without her delegation, a block he writes is refused and nothing changes', async () => {
    const res = await s.consent('block', s.tokens.daniel, consentFor('block', { type: 'deny', actor: recipient('Organization/clinic-oak-org') }));
    expect(res.status).toBe(403);
    expect((await (await s.get('/fhir/Consent?patient=Patient/pa-1', s.tokens.maria)).json()) as { total?: number }).toMatchObject({ total: 0 });
  });

  it('with it, he can block an organization for her', async () => {
    expect((await delegate()).status).toBe(201);
    const res = await s.consent('block', s.tokens.daniel, consentFor('block', { type: 'deny', actor: recipient('Organization/clinic-oak-org') }));
    expect(res.status).toBe(201);
  });

  it.each([
    ['himself', 'RelatedPerson/rp1'],
    ['his organization', 'Organization/org-hie'],
  ])('with it, he cannot widen his own grant by naming %s', async (_, actor) => {
    expect((await delegate()).status).toBe(201);
    const res = await s.consent('widen', s.tokens.daniel, consentFor('widen', { type: 'permit', actor: recipient(actor), class: [{ code: 'Condition' }] }));
    expect(res.status).toBe(403);
    expect((await (await s.get('/fhir/Condition?patient=Patient/pa-1', s.tokens.daniel)).json()) as { total?: number }).toMatchObject({ total: 0 });
  });

  it('with it, he cannot open everything to everyone', async () => {
    expect((await delegate()).status).toBe(201);
    const res = await s.consent('everyone', s.tokens.daniel, consentFor('everyone', { type: 'permit' }));
    expect(res.status).toBe(403);
  });
});
