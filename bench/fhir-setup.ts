/**
 * The region bench:fhir and the hot-path profiles share: the synthetic region as the gateway
 * loads it, plus about 1,000 observations for Maria so $everything has a full record to return,
 * and a clinician's token. Built in process with the gateway's own parts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { createApp } from '../src/app.js';
import { AuditLog } from '../src/audit/log.js';
import { ConsentEngine } from '../src/consent/engine.js';
import { loadPolicies } from '../src/consent/policies.js';
import { openSqlite } from '../src/db/sqlite.js';
import { readPolicyFiles } from '../src/entry/policy-files.js';
import { ingest, readBundle } from '../src/ingest/index.js';
import { defaultCodeLists } from '../src/labels/index.js';
import { developmentSeed, fixtureParticipants, parseDuaCsv, participantOps, ParticipantRegistry } from '../src/participants/index.js';
import { generateRegion } from '../src/synthetic/index.js';
import { testIssuer } from '../test/helpers/tokens.js';

export const MARIA = 'clinic-oak-pat-000001';

export async function fhirBenchRegion(patients: number) {
  const work = mkdtempSync(join(tmpdir(), 'cg-bench-fhir-'));
  const db = openSqlite(join(work, 'bench.db'));
  const issuer = await testIssuer();
  const clock = () => new Date();
  // As the gateway runs it: agreements and clients from the database (the development seed), read through the registry.
  const policyTexts = await readPolicyFiles();
  const registry = await ParticipantRegistry.open(db, await loadPolicies(policyTexts), policyTexts.duaModel);
  const deps = {
    db,
    config: { baseUrl: 'http://gateway.test', maxBodyBytes: 1 << 24, issuer: 'http://gateway.test/oidc', mode: 'production' as const },
    auth: { verifier: issuer.verifier },
    clock,
    codeLists: defaultCodeLists,
    newId: () => crypto.randomUUID(),
    log: () => undefined,
    // As the gateway runs it: the audit trail in its own file, synchronous = FULL, committed on a writer thread.
    audit: new AuditLog(openSqlite(join(work, 'audit.db'), { commits: 'thread' })),
    consent: new ConsentEngine(db, registry, clock),
    participants: registry,
  };
  const benchJwks = { keys: [await exportJWK((await generateKeyPair('ES256')).publicKey)] };
  const fixture = fixtureParticipants();
  await developmentSeed(participantOps({ ...deps, changed: () => registry.changed() }), {
    organizations: fixture.organizations,
    duas: parseDuaCsv(policyTexts.duas),
    clients: fixture.clients.map((c) => ({ ...c, jwks: benchJwks })),
  });

  const region = generateRegion({ patients, seed: 42 });
  for (const source of region.sources) {
    const b = readBundle(source.bundle);
    if (Array.isArray(b)) throw new Error('bad fixture');
    await ingest(deps, { source: b.source, channel: 'cli', mode: b.mode, entries: b.entries });
  }
  const clinic = 'https://clinic-oak.example.org/fhir';
  const extra = Array.from({ length: 950 }, (_, i) => ({
    resource: {
      resourceType: 'Observation',
      id: `bench-obs-${i}`,
      meta: { source: clinic },
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
      subject: { reference: `Patient/${MARIA}` },
      effectiveDateTime: new Date(Date.UTC(2024, 0, 1) + i * 86_400_000 * 0.7).toISOString(),
      valueQuantity: { value: 70 + (i % 20), unit: 'kg' },
    },
    request: { method: 'PUT', url: `Observation/bench-obs-${i}` },
  }));
  const eb = readBundle({ resourceType: 'Bundle', type: 'batch', meta: { source: clinic }, entry: extra });
  if (Array.isArray(eb)) throw new Error('bad');
  await ingest(deps, { source: clinic, channel: 'cli', mode: 'batch', entries: eb.entries });

  const token = await issuer.mint(
    {
      sub: 'dr.chen',
      client_id: 'bench',
      role: 'clinician',
      fhirUser: 'Practitioner/clinic-oak-prac-chen',
      organization: 'Organization/clinic-oak-org',
      scope: 'user/*.rs',
      purpose_of_use: ['TREAT'],
    },
    3000,
  );
  return { work, db, deps, registry, token, app: createApp(deps) };
}
