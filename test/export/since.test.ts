import { describe, expect, it } from 'vitest';
import { scenario } from '../helpers/scenario.js';
import { observation, putEntry, SOURCE_A } from '../helpers/fhir.js';
import { ids, kickOff, runExport, withOffset } from './bulk-client.js';

const PAYER = 'https://payer-lakeshore.example.org/fhir';

/** The next whole second after everything stored so far, and a write after it. */
async function changesAfterAMark(s: Awaited<ReturnType<typeof scenario>>) {
  const mark = new Date(Math.ceil((Date.now() + 1) / 1000) * 1000);
  while (Date.now() <= mark.getTime() + 1) await new Promise((r) => setTimeout(r, 20));
  await s.seed(SOURCE_A, [putEntry(observation('o-after-mark', 'pa-1'))]);
  await s.seed(PAYER, [
    putEntry({
      resourceType: 'ExplanationOfBenefit',
      id: 'eob-after-mark',
      meta: { source: PAYER },
      status: 'active',
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
      use: 'claim',
      patient: { reference: 'Patient/pay-1' },
      created: '2025-02-11',
      insurer: { reference: 'Organization/payer-lakeshore-org' },
      provider: { display: 'A billing provider' },
      outcome: 'complete',
      insurance: [{ focal: true, coverage: { reference: 'Coverage/cov-1' } }],
    }),
  ]);
  return mark;
}

describe('_since is an instant, compared as one', () => {
  it('finds exactly the changes after the mark, whatever offset the client writes it in', async () => {
    const s = await scenario();
    const mark = await changesAfterAMark(s);
    // A '+' sent unencoded arrives as a space: it is read as the offset it was, not refused, not misread.
    const spellings = [mark.toISOString(), ...[-300, 300, 330, -720].map((m) => encodeURIComponent(withOffset(mark, m))), withOffset(mark, 300)];
    for (const since of spellings) {
      const { files } = await runExport(
        s,
        s.tokens.payer,
        `/fhir/Group/payer-lakeshore-org/$export?_type=Observation,ExplanationOfBenefit,Coverage&_since=${since}`,
      );
      // pay-1 is the payer's member and the same person as pa-1 (linked by SSN).
      expect({ since, obs: ids(files.Observation), eob: ids(files.ExplanationOfBenefit), coverage: ids(files.Coverage) }).toEqual({
        since,
        obs: ['o-after-mark'],
        eob: ['eob-after-mark'],
        coverage: [],
      });
    }
  });

  it('refuses anything but a full instant with seconds and a zone, naming _since', async () => {
    const s = await scenario();
    for (const bad of ['2025-01-01', '2025-01-01T10:00Z', '2025-01-01T10:00:00', '2025-02-30T10:00:00Z', 'yesterday', '2025-01-01T25:00:00Z', '']) {
      const res = await kickOff(s, s.tokens.payer, `/fhir/Group/payer-lakeshore-org/$export?_since=${encodeURIComponent(bad)}`);
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
      const outcome = (await res.json()) as { resourceType: string; issue: { diagnostics: string; expression?: string[] }[] };
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue[0]!.expression).toEqual(['_since']);
    }
  });
});
