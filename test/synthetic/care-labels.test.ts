/**
 * Attack first: the generated medication list must not become a side door for what the problem
 * list and the claims already protect. Maria's buprenorphine prescription is Part 2 data, labelled
 * as her OUD Condition is, and a clinician without her Part 2 consent never receives it, by read or
 * by search; her sertraline is labelled behavioural health, as the policy's code lists say.
 */
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { ConsentEngine } from '../../src/consent/engine.js';
import { createReceiptSigner } from '../../src/consent/receipt.js';
import { realPolicies } from '../consent/helpers.js';
import { suiteDir, testDeps } from '../helpers/db.js';
import { loadRegion } from '../helpers/region.js';
import { testIssuer } from '../helpers/tokens.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { join } from 'node:path';

const MARIA = 'clinic-oak-pat-000001';
type Bundle = { entry?: { resource: { resourceType: string; id: string; medicationCodeableConcept?: { text?: string } } }[] };

let app: ReturnType<typeof createApp>;
let chen: string;
let db: ReturnType<typeof openSqlite>;
let dir: { path: string; remove: () => void };

const labelsOf = (type: string, id: string) =>
  ((db.sqlite.prepare('select security from resources where type = ? and id = ?').pluck().get(type, id) as string | undefined) ?? '').trim().split(' ');
const get = (path: string, token: string) => app.request(path, { headers: { authorization: `Bearer ${token}` } });
const idOfDrug = (word: string): string =>
  db.sqlite
    .prepare("select id from resources where type = 'MedicationRequest' and patient_id = ? and content like ? order by id limit 1")
    .pluck()
    .get(MARIA, `%${word}%`) as string;

beforeAll(async () => {
  dir = suiteDir();
  db = openSqlite(join(dir.path, 'care.db'));
  await loadRegion(db, 12, 5);
  const issuer = await testIssuer();
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const base = testDeps(db, { clock: () => new Date() });
  app = createApp({
    ...base,
    auth: { verifier: issuer.verifier },
    consent: new ConsentEngine(db, await realPolicies(), base.clock),
    signer: createReceiptSigner({ ...(await exportJWK(privateKey)), kid: 'gw' }, 'http://gateway.test'),
  });
  chen = await issuer.mint({
    sub: 'dr.chen',
    client_id: 'portal',
    role: 'clinician',
    fhirUser: 'Practitioner/clinic-oak-prac-chen',
    organization: 'Organization/clinic-oak-org',
    scope: 'user/*.rs',
    purpose_of_use: ['TREAT'],
  });
}, 60_000);
afterAll(() => {
  db?.close();
  dir?.remove();
});

describe("Maria's generated prescriptions carry the labels their drugs' purposes call for", () => {
  it('buprenorphine is labelled 42 CFR Part 2 exactly as her OUD Condition is', () => {
    const bup = idOfDrug('buprenorphine');
    expect(bup).toBeDefined();
    const oud = db.sqlite
      .prepare("select id from resources where type = 'Condition' and patient_id = ? and content like '%F11.20%'")
      .pluck()
      .get(MARIA) as string;
    expect(labelsOf('MedicationRequest', bup)).toEqual(expect.arrayContaining(['42CFRPart2', 'ETH', 'R']));
    for (const label of labelsOf('Condition', oud).filter((l) => ['42CFRPart2', 'ETH'].includes(l)))
      expect(labelsOf('MedicationRequest', bup)).toContain(label);
  });

  it('Dr Chen, with no Part 2 consent from her, gets 404 for the buprenorphine request and never sees it in a search', async () => {
    const bup = idOfDrug('buprenorphine');
    expect((await get(`/fhir/MedicationRequest/${bup}`, chen)).status).toBe(404);
    const res = await get(`/fhir/MedicationRequest?patient=${MARIA}&_count=100`, chen);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Bundle;
    const seen = (body.entry ?? []).map((e) => e.resource);
    // The search works (her metformin is there), so the absence below is the consent, not an empty result.
    expect(seen.map((r) => r.medicationCodeableConcept?.text ?? '').join('|')).toMatch(/metformin.*lisinopril|lisinopril.*metformin/);
    expect(seen.map((r) => r.id)).not.toContain(bup);
    expect(JSON.stringify(body)).not.toMatch(/buprenorphine|naloxone|F11/i);
  });

  it('sertraline, prescribed for depression, is labelled behavioural health (PSY, BH) and not Part 2', () => {
    const labels = labelsOf('MedicationRequest', idOfDrug('sertraline'));
    expect(labels).toEqual(expect.arrayContaining(['PSY', 'BH']));
    expect(labels).not.toContain('42CFRPart2');
  });

  it('metformin carries no sensitivity label', () => {
    expect(labelsOf('MedicationRequest', idOfDrug('metformin')).filter((l) => l !== '')).toEqual([]);
  });
});
