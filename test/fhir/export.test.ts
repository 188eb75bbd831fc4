import { describe, expect, it } from 'vitest';
import { consentFor, scenario } from '../helpers/scenario.js';

async function runExport(s: Awaited<ReturnType<typeof scenario>>, token: string, group: string, query = '') {
  const kick = await s.get(`/fhir/Group/${group}/$export${query}`, token, { prefer: 'respond-async' });
  if (kick.status !== 202) return { kick };
  const statusUrl = kick.headers.get('content-location')!.replace('http://gateway.test', '');
  let status = await s.get(statusUrl, token);
  for (let i = 0; i < 50 && status.status === 202; i++) {
    await new Promise((r) => setTimeout(r, 20));
    status = await s.get(statusUrl, token);
  }
  const manifest = (await status.json()) as { output: { type: string; url: string }[] };
  const files: Record<string, string[]> = {};
  for (const out of manifest.output) {
    const res = await s.get(out.url.replace('http://gateway.test', ''), token);
    expect(res.headers.get('content-type')).toBe('application/fhir+ndjson');
    files[out.type] = (await res.text())
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { id: string }).id);
  }
  return { kick, statusUrl, manifest, files };
}

describe('bulk export of a group', () => {
  it("exports a payer's members for the classes its DUA allows, and nobody else's data", async () => {
    const s = await scenario();
    const { files } = await runExport(s, s.tokens.payer, 'payer-lakeshore-org', '?_type=ExplanationOfBenefit,Condition,Observation,MedicationRequest');
    expect(files!.ExplanationOfBenefit).toEqual(['eob-1']);
    expect(files!.Condition).toEqual(['c-diabetes']); // the Part 2 condition is withheld; pb-1 is not a member
    expect(files!.Observation!.sort()).toEqual(['o-a1c-1', 'o-a1c-2', 'o-a1c-b']); // not the HIV-labelled one
    expect(files!.MedicationRequest).toBeUndefined(); // a file with nothing in it is not listed
  });

  it("drops a member's data once she denies the payer, with the export otherwise unchanged", async () => {
    const s = await scenario();
    const consent = await s.consent(
      'c1',
      s.tokens.maria,
      consentFor('c1', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/payer-lakeshore-org' } }] }),
    );
    expect(consent.status).toBe(201);
    const { files } = await runExport(s, s.tokens.payer, 'payer-lakeshore-org', '?_type=ExplanationOfBenefit');
    expect(files!.ExplanationOfBenefit).toBeUndefined(); // nothing to send: no file
  });

  it("answers another organization's group, a missing Prefer, and someone else's job as not found or bad request", async () => {
    const s = await scenario();
    expect((await s.get('/fhir/Group/payer-greatlakes-ma-org/$export', s.tokens.payer, { prefer: 'respond-async' })).status).toBe(404);
    expect((await s.get('/fhir/Group/payer-lakeshore-org/$export', s.tokens.payer)).status).toBe(400);
    expect((await s.get('/fhir/Group/payer-lakeshore-org/$export?_type=Spaceship', s.tokens.payer, { prefer: 'respond-async' })).status).toBe(400);
    const { statusUrl } = await runExport(s, s.tokens.payer, 'payer-lakeshore-org', '?_type=Coverage');
    expect((await s.get(statusUrl!, s.tokens.otherPayer)).status).toBe(404);
    const analytics = await s.get('/fhir/Group/org-research/$export', s.tokens.analytics, { prefer: 'respond-async' });
    expect(analytics.status).toBe(202); // its scope allows reading, but its DUA admits no patient-level class:
    const { files } = await runExport(s, s.tokens.analytics, 'org-research');
    expect(Object.values(files!).flat()).toEqual([]);
  });

  it('cancels with DELETE', async () => {
    const s = await scenario();
    const { statusUrl } = await runExport(s, s.tokens.payer, 'payer-lakeshore-org', '?_type=Coverage');
    expect((await s.app.request(statusUrl!, { method: 'DELETE', headers: { authorization: `Bearer ${s.tokens.payer}` } })).status).toBe(202);
    expect((await s.get(statusUrl!, s.tokens.payer)).status).toBe(404);
  });
});
