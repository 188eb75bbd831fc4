import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAccountingQuery } from '../../src/api/fhir/disclosures.js';
import { parseHistoryQuery } from '../../src/api/fhir/history.js';
import { subscriptionScenario } from '../subscriptions/api-setup.js';

/**
 * Red team 8, by hand against `npm run worker:dev`: routes that parse their own few parameters
 * silently dropped what they did not take. `AuditEvent?patient=…&date:foo=x` answered 200 with
 * the unfiltered accounting, `patient=A&patient=B` kept only B, and `Subscription?status:foo=…`
 * (even with `Prefer: handling=strict`) listed everything. A modifier is never ignored; a
 * parameter the Subscription list cannot apply is refused.
 */
describe('red team 8: parameters the own-cursor routes used to drop', () => {
  const param = fc.constantFrom('date', '_count', '_cursor', 'patient', 'entity', 'agent', '_since', 'type');
  const modifier = fc.stringMatching(/^[a-z-]{1,12}$/);

  it('refuses a modifier on any parameter of the accounting and of _history, lenient or strict (property)', () => {
    fc.assert(
      fc.property(param, modifier, fc.boolean(), (name, mod, strict) => {
        const accounting = parseAccountingQuery(
          new URLSearchParams([
            ['patient', 'Patient/pa-1'],
            [`${name}:${mod}`, '1'],
          ]),
          strict,
        );
        expect(Array.isArray(accounting) && accounting.some((i) => i.code === 'not-supported' && i.expression === `${name}:${mod}`)).toBe(true);
        const history = parseHistoryQuery(new URLSearchParams([[`${name}:${mod}`, '1']]), strict);
        expect(Array.isArray(history) && history.some((i) => i.code === 'not-supported' && i.expression === `${name}:${mod}`)).toBe(true);
      }),
    );
  });

  it('refuses a second, different patient on the accounting instead of keeping the last', () => {
    const q = parseAccountingQuery(
      new URLSearchParams([
        ['patient', 'Patient/pa-1'],
        ['patient', 'Patient/pa-2'],
      ]),
      false,
    );
    expect(q).toEqual([{ code: 'not-supported', diagnostics: 'The accounting of disclosures names one patient per search', expression: 'patient' }]);
    expect(
      parseAccountingQuery(
        new URLSearchParams([
          ['patient', 'Patient/pa-1'],
          ['patient', 'pa-1'],
        ]),
        false,
      ),
    ).toMatchObject({ patient: 'pa-1' });
  });

  it('answers the Subscription list with a parameter, or a modifier, as a 400 naming it; without one as before', async () => {
    const s = await subscriptionScenario();
    for (const query of ['status:foo=active', '_id:foo=1', '_count=abc', 'status=active']) {
      for (const headers of [{}, { prefer: 'handling=strict' }] as Record<string, string>[]) {
        const res = await s.call('GET', `/fhir/Subscription?${query}`, s.subTokens.oak, undefined, s.app, headers);
        expect(res.status).toBe(400);
        const outcome = (await res.json()) as { resourceType: string; issue: { code: string; expression: string[] }[] };
        expect(outcome.resourceType).toBe('OperationOutcome');
        expect(outcome.issue[0]).toMatchObject({ code: 'not-supported', expression: [query.split('=')[0]] });
      }
    }
    expect((await s.call('GET', '/fhir/Subscription', s.subTokens.oak)).status).toBe(200);
    expect((await s.call('GET', '/fhir/Subscription?_format=json', s.subTokens.oak)).status).toBe(200);
  });
});
