import { describe, expect, it } from 'vitest';
import { scenario } from '../helpers/scenario.js';
import { download, ids, kickOff, manifestOf, runExport } from './bulk-client.js';

type Outcome = { resourceType: string; issue: { severity: string; code: string; diagnostics: string; expression?: string[] }[] };
const GROUP = '/fhir/Group/payer-lakeshore-org/$export';

describe('kick-off parameters the server does not support', () => {
  const unsupported: [string, string][] = [
    ['_typeFilter', 'Observation%3Fcode%3D4548-4'],
    ['_elements', 'id,status'],
    ['includeAssociatedData', 'LatestProvenanceResources'],
    ['patient', 'Patient%2Fpay-1'],
    ['_outputFormat', 'text%2Fcsv'],
    ['_outputFormat', 'application%2Fjson'],
  ];

  it('refuses each with 400 naming it, where the old code answered 202', async () => {
    const s = await scenario();
    for (const [name, value] of unsupported) {
      const res = await kickOff(s, s.tokens.payer, `${GROUP}?${name}=${value}`);
      expect({ name, status: res.status }).toEqual({ name, status: 400 });
      const outcome = (await res.json()) as Outcome;
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue.map((i) => i.expression?.[0])).toContain(name);
    }
  });

  it('accepts the NDJSON spellings of _outputFormat, an unencoded + included', async () => {
    const s = await scenario();
    for (const format of ['application%2Ffhir%2Bndjson', 'application/fhir+ndjson', 'application%2Fndjson', 'ndjson']) {
      expect({ format, status: (await kickOff(s, s.tokens.payer, `${GROUP}?_type=Coverage&_outputFormat=${format}`)).status }).toEqual({ format, status: 202 });
    }
  });

  it('with Prefer: handling=lenient, ignores them and says so in the manifest error file, as OperationOutcomes', async () => {
    const s = await scenario();
    const query = `?_type=ExplanationOfBenefit&_typeFilter=ExplanationOfBenefit%3Fstatus%3Dactive&_outputFormat=text%2Fcsv`;
    const kick = await kickOff(s, s.tokens.payer, `${GROUP}${query}`, { prefer: 'respond-async, handling=lenient' });
    const { manifest } = await manifestOf(s, s.tokens.payer, kick);
    expect(ids(await download(s, s.tokens.payer, manifest.output[0]!.url))).toEqual(['eob-1']);
    expect(manifest.error).toHaveLength(1);
    expect(manifest.error[0]!.type).toBe('OperationOutcome');
    const outcomes = (await download(s, s.tokens.payer, manifest.error[0]!.url)) as unknown as Outcome[];
    expect(outcomes.every((o) => o.resourceType === 'OperationOutcome')).toBe(true);
    expect(outcomes.flatMap((o) => o.issue.map((i) => i.expression?.[0])).sort()).toEqual(['_outputFormat', '_typeFilter']);
    expect(manifest.error[0]!.count).toBe(outcomes.length);
    // The error file is the owner's alone.
    expect((await s.get(manifest.error[0]!.url.replace('http://gateway.test', ''), s.tokens.otherPayer)).status).toBe(404);
  });

  it('still needs Prefer: respond-async, and an Accept the OperationOutcome can be sent in', async () => {
    const s = await scenario();
    const noPrefer = await s.get(`${GROUP}?_type=Coverage`, s.tokens.payer, { accept: 'application/fhir+json' });
    expect(noPrefer.status).toBe(400);
    expect(((await noPrefer.json()) as Outcome).issue[0]!.expression).toEqual(['Prefer']);
    const csv = await kickOff(s, s.tokens.payer, `${GROUP}?_type=Coverage`, { accept: 'text/csv' });
    expect(csv.status).toBe(406);
    expect(((await csv.json()) as Outcome).issue[0]!.expression).toEqual(['Accept']);
    // No Accept at all, or a generic one: treated as application/fhir+json.
    expect((await s.get(`${GROUP}?_type=Coverage`, s.tokens.payer, { prefer: 'respond-async' })).status).toBe(202);
    expect((await kickOff(s, s.tokens.payer, `${GROUP}?_type=Coverage`, { accept: '*/*' })).status).toBe(202);
  });
});

describe('the status response and the manifest', () => {
  it('is application/json with the full kick-off URL as request and a count for each file', async () => {
    const s = await scenario();
    const query = '?_type=Observation,ExplanationOfBenefit,MedicationRequest&_since=2020-01-01T00:00:00Z';
    const { manifest, files } = await runExport(s, s.tokens.payer, `${GROUP}${query}`);
    expect(manifest.request).toBe(`http://gateway.test${GROUP}${query}`);
    expect(manifest.requiresAccessToken).toBe(true);
    expect(manifest.transactionTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // No MedicationRequest is visible: a file with nothing in it is not listed.
    expect(manifest.output.map((o) => [o.type, o.count])).toEqual([
      ['Observation', 3],
      ['ExplanationOfBenefit', 1],
    ]);
    expect(Object.fromEntries(Object.entries(files).map(([t, rows]) => [t, rows.length]))).toEqual({ Observation: 3, ExplanationOfBenefit: 1 });
  });

  it('answers 202 with X-Progress and Retry-After while the snapshot is being planned', async () => {
    const s = await scenario();
    const { statusUrl } = await runExport(s, s.tokens.payer, `${GROUP}?_type=Coverage`);
    const path = statusUrl.replace('http://gateway.test', '');
    // A job of the same owner still being planned (as every job is between kick-off and manifest).
    s.db.sqlite
      .prepare(
        "insert into export_jobs (id, owner, requester, level, group_id, types, since, transaction_time, request, ignored, status) select 'running-job', owner, requester, level, group_id, types, since, transaction_time, request, ignored, 'in-progress' from export_jobs where id = ?",
      )
      .run(path.split('/').pop());
    const running = await s.get(path.replace(/[^/]+$/, 'running-job'), s.tokens.payer);
    expect(running.status).toBe(202);
    expect(running.headers.get('x-progress')).toBeTruthy();
    expect(running.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await s.get(path.replace(/[^/]+$/, 'running-job'), s.tokens.otherPayer)).status).toBe(404);
  });

  it("answers an errored job with a 5xx OperationOutcome, and a cancelled one's status and files as not found", async () => {
    const s = await scenario();
    const { manifest, statusUrl } = await runExport(s, s.tokens.payer, `${GROUP}?_type=Coverage`);
    const path = statusUrl.replace('http://gateway.test', '');
    const id = path.split('/').pop()!;
    s.db.sqlite.prepare("update export_jobs set status = 'error' where id = ?").run(id);
    const errored = await s.get(path, s.tokens.payer);
    expect(errored.status).toBeGreaterThanOrEqual(500);
    expect(errored.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(((await errored.json()) as Outcome).resourceType).toBe('OperationOutcome');
    s.db.sqlite.prepare("update export_jobs set status = 'complete' where id = ?").run(id);
    expect((await s.app.request(path, { method: 'DELETE', headers: { authorization: `Bearer ${s.tokens.payer}` } })).status).toBe(202);
    expect((await s.get(path, s.tokens.payer)).status).toBe(404);
    expect((await s.get(manifest.output[0]!.url.replace('http://gateway.test', ''), s.tokens.payer)).status).toBe(404);
  });
});
