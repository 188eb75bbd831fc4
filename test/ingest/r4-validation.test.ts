/**
 * A source cannot store (and so no reader is ever served) a resource that breaks R4, and a patient
 * cannot store a Consent that breaks ppc-1: a real gateway process on loopback, a source's and a
 * patient's real tokens, and two validators we did not write (test/helpers/validate.ts) to show
 * each write is indeed invalid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { clientToken, personToken } from '../helpers/gateway-tokens.js';
import { fhirProblems } from '../helpers/validate.js';

describe('R4 at the edge of ingestion', () => {
  let gw: Gateway;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    fhirProblems({ resourceType: 'Basic', code: { text: 'warm-up' } });
    gw = await startGateway({ patients: 30 });
    tokens.maria = await personToken(gw, 'maria');
    tokens.chen = await personToken(gw, 'dr.chen');
    tokens.source = await clientToken(gw, 'hosp-mercy', 'system/*.cu');
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const send = (path: string, token: string | undefined, method: string, body: unknown) =>
    fetch(`${gw.fhir}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) });
  const base = { resourceType: 'Observation', code: { text: 'pulse' }, subject: { reference: 'Patient/hosp-mercy-pat-000417' } };
  const writes: Record<string, [object, string]> = {
    'status outside its required value set': [{ ...base, status: 'done' }, 'Observation.status'],
    'an element R4 does not define': [{ ...base, status: 'final', favourite: true }, 'Observation.favourite'],
    'an empty string': [{ ...base, status: 'final', note: [{ text: '' }] }, 'Observation.note[0].text'],
    'a number sent as a string': [{ ...base, status: 'final', valueQuantity: { value: '72', unit: '/min' } }, 'Observation.valueQuantity.value'],
    'an extension without url': [{ ...base, status: 'final', extension: [{ valueString: 'x' }] }, 'Observation.extension[0].url'],
    'a required element missing (status)': [{ ...base }, 'Observation.status'],
  };

  it("refuses a source's write that breaks R4, so no reader is ever served it", async () => {
    const answers: Record<string, number> = {};
    const named: Record<string, string[]> = {};
    const served: Record<string, string[]> = {};
    let n = 0;
    for (const [what, [resource]] of Object.entries(writes)) {
      const id = `hosp-mercy-obs-invalid-${++n}`;
      expect(fhirProblems({ ...resource, id }), `the test's ${what} must be invalid`).not.toEqual([]);
      const res = await send(`/Observation/${id}`, tokens.source, 'PUT', { ...resource, id });
      answers[what] = res.status;
      const outcome = (await res.json()) as { resourceType: string; issue?: { expression?: string[] }[] };
      named[what] = outcome.issue?.flatMap((i) => i.expression ?? []) ?? [];
      const read = await fetch(`${gw.fhir}/Observation/${id}`, { headers: { authorization: `Bearer ${tokens.chen}` } });
      if (read.status === 200) served[what] = fhirProblems(await read.json());
    }
    expect(answers).toEqual(Object.fromEntries(Object.keys(writes).map((w) => [w, 400])));
    expect(named).toEqual(Object.fromEntries(Object.entries(writes).map(([w, [, expression]]) => [w, [expression]])));
    expect(served).toEqual({});
  });

  it('a transaction with one entry that breaks R4 writes nothing; a batch refuses only that entry', async () => {
    const good = { ...base, id: 'hosp-mercy-obs-tx-good', status: 'final' };
    const bad = { ...base, id: 'hosp-mercy-obs-tx-bad', status: 'done' };
    const entries = [good, bad].map((r) => ({ resource: r, request: { method: 'PUT', url: `Observation/${r.id}` } }));
    const tx = await send('', tokens.source, 'POST', { resourceType: 'Bundle', type: 'transaction', entry: entries });
    expect(tx.status).toBe(400);
    const txOutcome = (await tx.json()) as { resourceType: string; issue: { expression?: string[] }[] };
    expect(txOutcome.resourceType).toBe('OperationOutcome');
    expect(txOutcome.issue.flatMap((i) => i.expression ?? [])).toEqual(['Bundle.entry[1].resource.status']);
    const read = await fetch(`${gw.fhir}/Observation/${good.id}`, { headers: { authorization: `Bearer ${tokens.chen}` } });
    expect(read.status).toBe(404);

    const batch = await send('', tokens.source, 'POST', { resourceType: 'Bundle', type: 'batch', entry: entries });
    expect(batch.status).toBe(200);
    const answer = (await batch.json()) as { entry: { response: { status: string; outcome?: { issue: { expression?: string[] }[] } } }[] };
    expect(answer.entry.map((e) => e.response.status.slice(0, 3))).toEqual(['201', '400']);
    expect(answer.entry[1]!.response.outcome?.issue.flatMap((i) => i.expression ?? [])).toEqual(['Bundle.entry[1].resource.status']);
  });

  it('refuses a Consent that breaks ppc-1 (neither policy nor policyRule)', async () => {
    const consent = {
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: 'Patient/clinic-oak-pat-000001' },
      provision: { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/hosp-riverside-org' } }] },
    };
    expect(fhirProblems(consent)).toEqual([expect.stringMatching(/ppc-1/)]);
    const res = await send('/Consent', tokens.maria, 'POST', consent);
    expect(res.status).toBe(400);
    const outcome = (await res.json()) as { resourceType: string; issue: { expression?: string[] }[] };
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue.flatMap((i) => i.expression ?? [])).toEqual(['Consent.policy']);
  });
});
