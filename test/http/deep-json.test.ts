import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { ingestFile } from '../../src/entry/ingest-file.js';
import { FhirError } from '../../src/fhir/errors.js';
import { tempDb, tempDir, testDeps } from '../helpers/db.js';
import { SOURCE_A } from '../helpers/fhir.js';
import { sourceClaims, testIssuer } from '../helpers/tokens.js';

const FHIR = { 'content-type': 'application/fhir+json' };
const LEVELS = 10_000;

/** An Observation whose extension nests LEVELS deep, as JSON text (built as text: the object itself would be too deep to stringify safely). */
function deepObservation(id: string): string {
  return `{"resourceType":"Observation","id":"${id}","status":"final","code":{"text":"x"},"extension":${'[{"extension":'.repeat(LEVELS)}[]${'}]'.repeat(LEVELS)}}`;
}
const deepArrays = `{"resourceType":"Observation","id":"arr","status":"final","code":{"text":"x"},"note":${'['.repeat(LEVELS)}${']'.repeat(LEVELS)}}`;

async function gateway() {
  const db = tempDb();
  const deps = testDeps(db);
  const issuer = await testIssuer();
  const app = createApp({ ...deps, auth: { verifier: issuer.verifier } });
  const token = await issuer.mint(sourceClaims(SOURCE_A));
  const send = (method: string, path: string, body: string) => app.request(path, { method, headers: { ...FHIR, authorization: `Bearer ${token}` }, body });
  const stored = () => db.sqlite.prepare('select count(*) from resources').pluck().get() as number;
  return { send, stored, deps };
}

async function expectRefused(res: Response) {
  expect(res.status).toBe(400);
  const body = (await res.json()) as { resourceType: string; issue: { diagnostics: string }[] };
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue[0]!.diagnostics).toMatch(/nested more than 64 levels/);
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
}

describe('deeply nested JSON', () => {
  it('is refused with 400 in a transaction Bundle, and nothing is written', async () => {
    const { send, stored } = await gateway();
    const bundle = `{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Patient","id":"ok","meta":{"source":"${SOURCE_A}"}},"request":{"method":"PUT","url":"Patient/ok"}},{"resource":${deepObservation('deep')},"request":{"method":"PUT","url":"Observation/deep"}}]}`;
    await expectRefused(await send('POST', '/fhir', bundle));
    expect(stored()).toBe(0);
  });

  it('is refused with 400 on PUT, for nested objects and nested arrays', async () => {
    const { send, stored } = await gateway();
    await expectRefused(await send('PUT', '/fhir/Observation/deep', deepObservation('deep')));
    await expectRefused(await send('PUT', '/fhir/Observation/arr', deepArrays));
    expect(stored()).toBe(0);
  });

  it('is refused by the ingest CLI path, for a Bundle file and an NDJSON line', async () => {
    const { deps, stored } = await gateway();
    const dir = tempDir();
    writeFileSync(join(dir, 'deep.json'), deepObservation('deep'));
    writeFileSync(join(dir, 'deep.ndjson'), `${deepObservation('deep')}\n`);
    await expect(ingestFile(deps, join(dir, 'deep.json'), SOURCE_A)).rejects.toSatisfy((e) => e instanceof FhirError && e.status === 400);
    const { outcomes } = await ingestFile(deps, join(dir, 'deep.ndjson'), SOURCE_A);
    expect(outcomes[0]).toMatchObject({ ok: false, status: 400 });
    expect(stored()).toBe(0);
  });

  it('still takes a resource nested about 50 levels deep', async () => {
    const { send } = await gateway();
    const ok = `{"resourceType":"Observation","id":"ok","status":"final","code":{"text":"x"},"extension":${'[{"url":"http://example.org/nest","extension":'.repeat(24)}[{"url":"http://example.org/nest","valueString":"deep"}]${'}]'.repeat(24)}}`;
    expect((await send('PUT', '/fhir/Observation/ok', ok)).status).toBe(201);
  });
});
