import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { d1, fhirClient } from '../helpers/worker-subscriptions.js';
import { clinicianClaims, sourceClaims } from '../helpers/tokens.js';
import { startWorkers, type LocalWorkers } from '../helpers/wrangler.js';

const SOURCE = 'urn:test:worker';
type Json = Record<string, unknown>;

/**
 * D1 refuses any row over 2,000,000 bytes, a cap that cannot be raised, while a hospital may
 * send a valid resource larger than that (a pathology report's notes, a photo on a Patient) and
 * Node's SQLite takes it. Played as the source that sends one and the clinician that reads it
 * back through every route, and as the dishonest source that tries to make the gateway serve
 * another resource's stored body in place of its own.
 */
describe('records over D1 row limit on the Worker', () => {
  let w: LocalWorkers;
  let source: string;
  let clinician: string;
  const call = (base: string, path: string, token: string, body?: object, method?: string) => fhirClient(w)(base, path, token, body, method);
  const put = (type: string, id: string, extra: object = {}) =>
    call(w.primary, `${type}/${id}`, source, { resourceType: type, id, meta: { source: SOURCE }, ...extra }, 'PUT');
  // Three notes of 800,000 characters: 2.4 MB, valid FHIR (a string may be up to 1 MB).
  const note = (c: string) => c.repeat(800_000);
  const big = (c: string) => ({
    status: 'final',
    code: { text: 'pathology report' },
    subject: { reference: 'Patient/lg-1' },
    note: [{ text: note(c) }, { text: note('y') }, { text: note('z') }],
  });
  const notesOf = (r: Json) => (r.note as { text: string }[]).map((n) => n.text);

  beforeAll(async () => {
    w = await startWorkers({ replica: true });
    source = await w.issuer.mint(sourceClaims(SOURCE), 3600);
    clinician = await w.issuer.mint(clinicianClaims('dr.r', 'dr-r'), 3600);
    for (const [type, id] of [
      ['Patient', 'lg-1'],
      ['Organization', 'clinic-oak-org'],
      ['Practitioner', 'dr-r'],
    ] as const)
      expect((await put(type, id)).status).toBeLessThan(300);
  }, 240_000);

  afterAll(async () => {
    await w?.stop();
  });

  it('stores a 2.4 MB resource and gives it back whole through both isolates, with its D1 row under the cap', async () => {
    const res = await put('Observation', 'lg-obs', big('x'));
    expect(res.status, (await res.clone().text()).slice(0, 300)).toBe(201);
    for (const base of [w.primary, w.replica!]) {
      const got = await call(base, 'Observation/lg-obs', clinician);
      expect(got.status).toBe(200);
      const body = (await got.json()) as Json;
      expect(notesOf(body)).toEqual([note('x'), note('y'), note('z')]);
      expect(body).not.toHaveProperty('$spilled');
      expect((body.meta as Json).versionId).toBe('1');
    }
    const db = d1(w);
    try {
      const row = db.prepare("SELECT length(content) AS n FROM resources WHERE type = 'Observation' AND id = 'lg-obs'").get() as { n: number };
      expect(row.n).toBeLessThan(1_000_000);
    } finally {
      db.close();
    }
  });

  it('takes the same resource sent again as unchanged, and keeps both versions whole after a change', async () => {
    const again = await put('Observation', 'lg-obs', big('x'));
    expect(again.status).toBe(200);
    expect(again.headers.get('etag')).toBe('W/"1"');
    const changed = await put('Observation', 'lg-obs', big('w'));
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe('W/"2"');
    const v1 = (await (await call(w.replica!, 'Observation/lg-obs/_history/1', clinician)).json()) as Json;
    expect(notesOf(v1)[0]).toBe(note('x'));
    const v2 = (await (await call(w.primary, 'Observation/lg-obs/_history/2', clinician)).json()) as Json;
    expect(notesOf(v2)[0]).toBe(note('w'));
    const history = (await (await call(w.primary, 'Observation/lg-obs/_history', clinician)).json()) as { entry: { resource: Json }[] };
    expect(history.entry.map((e) => notesOf(e.resource)[0])).toEqual([note('w'), note('x')]);
  });

  it('answers a search and $everything with the whole resource', async () => {
    const found = (await (await call(w.primary, 'Observation?patient=lg-1', clinician)).json()) as { entry: { resource: Json }[] };
    expect(found.entry).toHaveLength(1);
    expect(notesOf(found.entry[0]!.resource)).toEqual([note('w'), note('y'), note('z')]);
    const everything = (await (await call(w.replica!, 'Patient/lg-1/$everything', clinician)).json()) as { entry: { resource: Json }[] };
    const obs = everything.entry.find((e) => e.resource.resourceType === 'Observation')!;
    expect(notesOf(obs.resource)[0]).toBe(note('w'));
    expect(JSON.stringify(everything)).not.toContain('$spilled');
  });

  it("refuses a resource that names a stored body, so a source cannot have another resource's served as its own", async () => {
    const stored = d1(w);
    let stub: string;
    try {
      stub = (stored.prepare("SELECT content FROM resources WHERE type = 'Observation' AND id = 'lg-obs'").get() as { content: string }).content;
    } finally {
      stored.close();
    }
    // The dishonest source copies the stored form (which an operator's backup or a log might show) under its own id.
    const forged = JSON.parse(stub) as Json;
    const res = await call(w.primary, 'Observation/lg-forged', source, { ...forged, id: 'lg-forged', meta: { source: SOURCE } }, 'PUT');
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('$spilled');
    expect((await call(w.primary, 'Observation/lg-forged', clinician)).status).toBe(404);
  });

  it('refuses with 413 what would not fit even with its long text held elsewhere, and writes nothing of its Bundle', async () => {
    const component = Array.from({ length: 60_000 }, (_, i) => ({ code: { text: `c${i}` }, valueString: `v${i}` }));
    const res = await put('Observation', 'lg-wide', { status: 'final', code: { text: 'wide' }, subject: { reference: 'Patient/lg-1' }, component });
    expect(res.status, (await res.clone().text()).slice(0, 400)).toBe(413);
    const outcome = (await res.json()) as { resourceType: string; issue: { code: string; diagnostics: string }[] };
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0]!.code).toBe('too-long');
    expect((await call(w.primary, 'Observation/lg-wide', clinician)).status).toBe(404);

    const tx = await w.fetch(`${w.primary}/fhir`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${source}` },
      body: JSON.stringify({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            resource: { resourceType: 'Observation', id: 'lg-tx-1', meta: { source: SOURCE }, ...big('t') },
            request: { method: 'PUT', url: 'Observation/lg-tx-1' },
          },
          {
            resource: {
              resourceType: 'Observation',
              id: 'lg-tx-2',
              meta: { source: SOURCE },
              status: 'final',
              code: { text: 'wide' },
              subject: { reference: 'Patient/lg-1' },
              component,
            },
            request: { method: 'PUT', url: 'Observation/lg-tx-2' },
          },
        ],
      }),
    });
    expect(tx.status).toBe(413);
    for (const id of ['lg-tx-1', 'lg-tx-2']) expect((await call(w.primary, `Observation/${id}`, clinician)).status).toBe(404);
  });
});
