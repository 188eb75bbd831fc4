/** Clinical resources of odd shape are refused or stored, but never answered with a 500 (validate.ts, r4.ts). */
import { expect, it } from 'vitest';
import { scenario } from '../helpers/scenario.js';
import { bundle, putEntry, SOURCE_A } from '../helpers/fhir.js';
import { sourceClaims } from '../helpers/tokens.js';
it('clinical resources of odd shape (nulls, lists that are not lists) are a 4xx or stored, never a 500', async () => {
  const s = await scenario();
  const t = await s.issuer.mint({ ...sourceClaims(SOURCE_A, 'system/*.cu'), sub: 'hospital-a', client_id: 'hospital-a' });
  const cases = [
    { code: { coding: [null] } },
    { code: { coding: { code: 'x' } } },
    { category: [null] },
    { category: 'x' },
    { code: null },
    { subject: null },
    { encounter: { reference: 5 } },
    { performer: [null] },
    { extension: [null] },
    { meta: { tag: [null] } },
    { identifier: [null] },
    { valueQuantity: null },
    { note: [null] },
  ];
  for (const c of cases) {
    const r = await s.send(
      'POST',
      '/fhir',
      t,
      bundle(
        'transaction',
        [
          putEntry({
            resourceType: 'Observation',
            id: 'o-odd',
            meta: { source: SOURCE_A },
            status: 'final',
            subject: { reference: 'Patient/pa-1' },
            code: { text: 'x' },
            ...c,
          } as never),
        ],
        SOURCE_A,
      ),
    );
    expect(r.status, JSON.stringify(c) + (await r.text())).toBeLessThan(500);
  }
});
