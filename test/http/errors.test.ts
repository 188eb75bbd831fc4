import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { tempDb, testDeps } from '../helpers/db.js';
import { bundle, observation, patient, putEntry, SOURCE_A } from '../helpers/fhir.js';
import { sourceClaims, testIssuer } from '../helpers/tokens.js';

const FHIR = { 'content-type': 'application/fhir+json' };

/** A source system's gateway whose database file is full: SQLite's page cap, filled to the last page. */
async function fullGateway() {
  const db = tempDb();
  const deps = testDeps(db);
  const issuer = await testIssuer();
  const app = createApp({ ...deps, auth: { verifier: issuer.verifier } });
  const token = await issuer.mint(sourceClaims(SOURCE_A));
  const send = (method: string, path: string, body?: unknown) =>
    app.request(path, { method, headers: { ...FHIR, authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  expect((await send('PUT', '/fhir/Patient/before', patient('before'))).status).toBe(201);

  const sqlite = db.sqlite;
  sqlite.exec('CREATE TABLE filler (x BLOB)');
  const pages = sqlite.pragma('page_count', { simple: true }) as number;
  sqlite.pragma(`max_page_count = ${pages + 8}`);
  const fill = sqlite.prepare('INSERT INTO filler VALUES (zeroblob(?))');
  for (const size of [4096, 512, 64, 1]) {
    try {
      for (;;) fill.run(size);
    } catch (err) {
      expect((err as { code?: string }).code).toBe('SQLITE_FULL');
    }
  }
  // Every table's row count: a write that failed half-way would show in one of them.
  const tables = (sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'filler'").pluck().all() as string[]).sort();
  const counts = () => Object.fromEntries(tables.map((t) => [t, sqlite.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() as number]));
  return { send, counts };
}

describe('a full disk', () => {
  it('answers a write with 503, an OperationOutcome and Retry-After, and writes nothing', async () => {
    const { send, counts } = await fullGateway();
    const before = counts();
    const res = await send('PUT', '/fhir/Patient/pa-full', patient('pa-full', { name: [{ family: 'X'.repeat(20_000) }] }));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    const body = await res.json();
    expect(body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] });
    expect(body.issue[0].diagnostics).toMatch(/cannot store data/i);
    expect(JSON.stringify(body)).not.toMatch(/SQLITE|at .*\.(ts|js):\d+/);
    expect(counts()).toEqual(before);
  });

  it('answers a POSTed resource and a transaction Bundle the same way, and writes nothing', async () => {
    const { send, counts } = await fullGateway();
    const before = counts();
    const big = { name: [{ family: 'Y'.repeat(20_000) }] };
    const posted = await send('POST', '/fhir/Observation', { ...observation('ob-full', 'before'), note: [{ text: 'Z'.repeat(20_000) }] });
    expect(posted.status).toBe(503);
    expect(posted.headers.get('retry-after')).toMatch(/^\d+$/);
    const tx = await send('POST', '/fhir', bundle('transaction', [putEntry(patient('tx-1', big)), putEntry(patient('tx-2', big))]));
    expect(tx.status).toBe(503);
    expect((await tx.json()).resourceType).toBe('OperationOutcome');
    expect(counts()).toEqual(before);
  });
});
