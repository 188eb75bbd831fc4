/**
 * Nothing revoked is served from a remembered decision. Found by the red team: decisions were
 * remembered per token at minute resolution, but a break-the-glass grant ends at a millisecond
 * instant and a consent period may start at any second, so a decision remembered in the grant's
 * last minute outlived it, and a deny starting at 10:00:30 was not enforced until 10:01.
 * Remembered decisions now hold only until the next boundary (src/consent/boundaries.ts).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { consentFor, scenario } from '../helpers/scenario.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('remembered decisions and the instants where they change', () => {
  it('a break-the-glass grant is not honoured after it expires (same token, same minute)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.parse('2026-03-02T10:00:30.000Z');
    vi.setSystemTime(t0);
    const s = await scenario();
    const deny = consentFor('no-oak', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }] });
    expect((await s.consent('no-oak', s.tokens.maria, deny)).status).toBe(201);
    const glass = await s.send('POST', '/fhir/Patient/pa-1/$break-the-glass', s.tokens.chenGlass, { reason: 'unconscious in ED' });
    expect(glass.status).toBe(201);
    const body = (await glass.json()) as Record<string, unknown>;
    const text = JSON.stringify(body);
    const expiresAt = Date.parse(/"(\d{4}-\d\d-\d\dT[^"]+Z)"/.exec(text.slice(text.indexOf('xpir')))?.[1] ?? String(t0 + 4 * 3600_000));
    expect(new Date(expiresAt).getUTCSeconds()).toBe(30);

    // Ten seconds before the end: a fresh ETREAT token, the grant opens her record.
    vi.setSystemTime(expiresAt - 10_000);
    const token = await s.issuer.mint({
      sub: 'dr.chen',
      client_id: 'portal',
      role: 'clinician',
      fhirUser: 'Practitioner/clinic-oak-prac-chen',
      organization: 'Organization/clinic-oak-org',
      scope: 'user/*.rs',
      purpose_of_use: ['ETREAT'],
    });
    expect((await s.get('/fhir/Condition/c-diabetes', token)).status).toBe(200);

    // Ten seconds after: the grant has ended.
    vi.setSystemTime(expiresAt + 10_000);
    const after = await s.get('/fhir/Condition/c-diabetes', token);
    // Control: the same claims in a new token (a fresh memo key) are refused, so only the memo serves it.
    const fresh = await s.issuer.mint({
      sub: 'dr.chen',
      client_id: 'portal',
      role: 'clinician',
      fhirUser: 'Practitioner/clinic-oak-prac-chen',
      organization: 'Organization/clinic-oak-org',
      scope: 'user/*.rs',
      purpose_of_use: ['ETREAT'],
    });
    expect((await s.get('/fhir/Condition/c-diabetes', fresh)).status).toBe(404);
    expect(after.status, 'served under a break-the-glass grant that expired 10 s ago (memoised decision)').toBe(404);
  });

  it('a deny whose period starts at a given second is enforced from that second (same token, same minute)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-03-02T10:00:05.000Z'));
    const s = await scenario();
    const deny = consentFor('no-oak-soon', {
      type: 'deny',
      period: { start: '2026-03-02T10:00:30Z' },
      actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }],
    });
    const written = await s.consent('no-oak-soon', s.tokens.maria, deny);
    expect(written.status, await written.clone().text()).toBe(201);
    vi.setSystemTime(Date.parse('2026-03-02T10:00:20.000Z'));
    expect((await s.get('/fhir/Condition/c-diabetes', s.tokens.chen)).status).toBe(200);
    vi.setSystemTime(Date.parse('2026-03-02T10:00:40.000Z'));
    const after = await s.get('/fhir/Condition/c-diabetes', s.tokens.chen);
    // Control: a new token for the same clinician (fresh memo key) is refused.
    const fresh = await s.issuer.mint({
      sub: 'dr.chen',
      client_id: 'portal',
      role: 'clinician',
      fhirUser: 'Practitioner/clinic-oak-prac-chen',
      organization: 'Organization/clinic-oak-org',
      scope: 'user/*.rs',
      purpose_of_use: ['TREAT'],
    });
    expect((await s.get('/fhir/Condition/c-diabetes', fresh)).status).toBe(404);
    expect(after.status, 'served 10 s into a deny she set to start at 10:00:30 (memoised decision)').toBe(404);
  });
});
