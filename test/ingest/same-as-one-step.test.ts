/**
 * The same result as one plan, head to head (written by the red team): the same large Bundle ingested on two
 * identical stores, once by the gateway as it is (2,000-entry planning steps) and once by the
 * same code loaded with its step made larger than the Bundle (vi.doMock of turns.ts: one
 * planning unit). Every table the ingest writes must come out identical. The Bundle puts what
 * links and labels depend on in reverse order across steps: Observation -> Encounter -> Condition
 * labels, Patients linked across steps by identifier and demographics, an admission, a Coverage.
 */
import { describe, expect, it, vi } from 'vitest';
import { readBundle } from '../../src/ingest/index.js';
import { registerFixtureParticipants } from '../helpers/participants.js';
import { tempDb, testDeps } from '../helpers/db.js';
import { bundle, observation, patient, putEntry, SOURCE_A } from '../helpers/fhir.js';
import type { SqliteDatabase } from '../../src/db/sqlite.js';

const PAYER = 'https://payer-lakeshore.example.org/fhir';
const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';

function entries(): unknown[] {
  const e: unknown[] = [];
  const src = { meta: { source: PAYER } };
  // Step 1: what inherits labels, the first of three records of one person, a Coverage for the last.
  e.push(putEntry(observation('o-at-e1', 'p-c', { encounter: { reference: 'Encounter/e-1' }, meta: { source: PAYER } }, PAYER)));
  e.push(
    putEntry({
      resourceType: 'Coverage',
      id: 'cov-c',
      ...src,
      status: 'active',
      beneficiary: { reference: 'Patient/p-c' },
      payor: [{ reference: 'Organization/payer-lakeshore-org' }],
      period: { start: '2025-01-01' },
    }),
  );
  e.push(
    putEntry(
      patient('p-a', { meta: { source: PAYER }, identifier: [{ system: 'urn:mrn', value: 'shared' }], name: [{ family: 'Zed', given: ['Ann'] }] }, PAYER),
    ),
  );
  for (let i = 0; i < 2100; i++) e.push(putEntry(observation(`f1-${i}`, 'p-a', { meta: { source: PAYER } }, PAYER)));
  // Step 2: the Encounter (an admission) citing the Condition, the second record (identifier + demographics).
  e.push(
    putEntry({
      resourceType: 'Encounter',
      id: 'e-1',
      ...src,
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      subject: { reference: 'Patient/p-b' },
      period: { start: '2026-01-15T08:00:00Z' },
      diagnosis: [{ condition: { reference: 'Condition/c-1' } }],
    }),
  );
  e.push(
    putEntry(
      patient('p-b', { meta: { source: PAYER }, identifier: [{ system: 'urn:mrn', value: 'shared' }], name: [{ family: 'Zed', given: ['Ann'] }] }, PAYER),
    ),
  );
  for (let i = 0; i < 2100; i++) e.push(putEntry(observation(`f2-${i}`, 'p-b', { meta: { source: PAYER } }, PAYER)));
  // Step 3: the sensitive Condition, the third record (demographics only).
  e.push(
    putEntry({
      resourceType: 'Condition',
      id: 'c-1',
      ...src,
      subject: { reference: 'Patient/p-b' },
      code: { coding: [{ system: ICD, code: 'F11.20' }] },
      recordedDate: '2025-03-01',
    }),
  );
  e.push(putEntry(patient('p-c', { meta: { source: PAYER }, name: [{ family: 'Zed', given: ['Ann'] }] }, PAYER)));
  return e;
}

const TABLES = [
  'select type, id, version_id, security, patient_id, content from resources order by type, id',
  'select * from resource_tokens order by type, id, param, system, code',
  'select patient_id, person_id, rule, reason from patient_links order by patient_id',
  'select * from match_keys order by key',
  'select topic, focus, version_id, patient_id, class, occurred from notification_events order by focus, topic',
  'select patient_id, seq from consent_versions order by patient_id',
  'select source, channel, status, written, unchanged, rejected from ingestions',
];

async function dump(ingestFn: typeof import('../../src/ingest/index.js').ingest): Promise<Record<string, unknown[]>> {
  const db: SqliteDatabase = tempDb();
  await registerFixtureParticipants(db);
  const deps = testDeps(db);
  const b = readBundle(bundle('transaction', entries(), PAYER));
  if (Array.isArray(b)) throw new Error(JSON.stringify(b));
  await ingestFn(deps, { source: PAYER, channel: 'transaction', mode: 'transaction', entries: b.entries });
  const out: Record<string, unknown[]> = {};
  for (const q of TABLES) out[q] = db.sqlite.prepare(q).all();
  return out;
}

describe('a large transaction, planned in steps or as one unit', () => {
  it('writes exactly the same rows', async () => {
    const stepped = await dump((await import('../../src/ingest/index.js')).ingest);
    vi.resetModules();
    vi.doMock('../../src/ingest/turns.js', () => ({ STEP: 1_000_000_000, nextTurn: () => new Promise((r) => setImmediate(r)) }));
    const whole = await dump((await import('../../src/ingest/index.js')).ingest);
    vi.doUnmock('../../src/ingest/turns.js');
    // Sanity: the one-unit run labelled the Observation and linked all three records together.
    const wholeLinks = whole[TABLES[2]!] as { person_id: string }[];
    expect(new Set(wholeLinks.map((l) => l.person_id)).size).toBe(1);
    for (const q of TABLES) expect.soft(stepped[q], q).toEqual(whole[q]);
  }, 120_000);
});
