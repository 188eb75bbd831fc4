import { describe, expect, it } from 'vitest';
import { consentFor, scenario } from '../helpers/scenario.js';

type BundleJson = { total: number; entry?: { resource: { id: string } }[]; link: { relation: string; url: string }[] };
const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';

/**
 * A curious requester uses the new filters to learn about what consent withholds: :not and
 * :missing select by absence, and _summary=count asks only for a number. The withheld records
 * must count as if they did not exist.
 */
describe('the new filters only ever see what the requester may see', () => {
  it('a clinician without a Part 2 consent learns nothing of the withheld condition through :not, :missing, :text or a count', async () => {
    const { get, tokens } = await scenario();
    const ask = async (q: string) => (await (await get(`/fhir/Condition?patient=pa-1&${q}`, tokens.chen)).json()) as BundleJson;
    expect((await ask(`code:not=${ICD}|E11.9`)).total).toBe(0); // c-oud would be the one
    expect((await ask('_summary=count')).total).toBe(1);
    expect((await ask('_count=0')).total).toBe(1);
    expect((await ask('code:missing=false&_summary=count')).total).toBe(1);
    expect((await ask(`code=${ICD}|&_summary=count`)).total).toBe(1);
    expect((await ask('code:missing=true')).total).toBe(0);
    expect((await ask('clinical-status:missing=true')).total).toBe(1);
    // The patient herself sees both.
    expect((await (await get(`/fhir/Condition?patient=pa-1&code:not=${ICD}|E11.9`, tokens.maria)).json()).total).toBe(1);
  });

  it('a payer whose agreement names only ordinary observations gets none of the HIV result by excluding the others', async () => {
    const { get, tokens } = await scenario();
    const b = (await (await get('/fhir/Observation?patient=pa-1&code:not=http://loinc.org|4548-4', tokens.payer)).json()) as BundleJson;
    expect(b.total).toBe(0);
    expect(JSON.stringify(b)).not.toContain('o-hiv');
  });

  it('a denied requester counting, or excluding, gets exactly what an unknown patient gives', async () => {
    const { get, consent, tokens } = await scenario();
    await consent(
      'c1',
      tokens.maria,
      consentFor('c1', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }] }),
    );
    for (const q of ['_summary=count', '_count=0', 'code:not=http://loinc.org|4548-4', 'code:missing=true', 'date=ge2000&date=le2100']) {
      const denied = (await (await get(`/fhir/Observation?patient=pa-1&${q}`, tokens.chen)).json()) as BundleJson;
      const unknown = (await (await get(`/fhir/Observation?patient=nobody&${q}`, tokens.chen)).json()) as BundleJson;
      expect(denied.total, q).toBe(0);
      expect({ ...denied, link: [] }, q).toEqual({ ...unknown, link: [] });
    }
  });

  it('naming two patients is AND: nothing, even when each alone is visible', async () => {
    const { get, tokens } = await scenario();
    const both = (await (await get('/fhir/Condition?patient=pa-1&patient=pb-1', tokens.chen)).json()) as BundleJson;
    const unknown = (await (await get('/fhir/Condition?patient=nobody', tokens.chen)).json()) as BundleJson;
    expect(both.total).toBe(0);
    expect({ ...both, link: [] }).toEqual({ ...unknown, link: [] });
  });
});
