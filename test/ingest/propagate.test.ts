/**
 * Label propagation at ingest: what was recorded at a sensitive Encounter, and the claims that
 * cite a sensitive Condition, carry its labels, whether the Encounter or Condition comes in the
 * same Bundle or was stored before. A source that codes the visit but not each vital sign or
 * claim line would otherwise leak the visit through them.
 */
import { describe, expect, it } from 'vitest';
import { ingest, readBundle } from '../../src/ingest/index.js';
import { readCurrent } from '../../src/store/read.js';
import { tempDb, testDeps } from '../helpers/db.js';
import { bundle, condition, observation, patient, putEntry, SOURCE_A, SOURCE_B } from '../helpers/fhir.js';

const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';

// Each source files under its own record of the patient: pa-1 at source A, pb-1 at source B.
const OWN_PATIENT: Record<string, string> = { [SOURCE_A]: 'pa-1', [SOURCE_B]: 'pb-1' };
const seeded = new WeakMap<object, Set<string>>();

async function run(deps: ReturnType<typeof testDeps>, body: unknown) {
  const b = readBundle(body);
  if (Array.isArray(b)) throw new Error(JSON.stringify(b));
  const done = seeded.get(deps.db) ?? new Set<string>();
  seeded.set(deps.db, done);
  const first = b.entries.find((e) => e.ok);
  const source = b.source ?? (first?.ok ? (first.request.resource.meta?.source as string | undefined) : undefined);
  if (source && !done.has(source)) {
    const own = readBundle(bundle('transaction', [putEntry(patient(OWN_PATIENT[source]!, {}, source))], source));
    if (Array.isArray(own)) throw new Error(JSON.stringify(own));
    await ingest(deps, { source, channel: 'transaction', mode: 'transaction', entries: own.entries });
    done.add(source);
  }
  return ingest(deps, { source: b.source, channel: b.mode, mode: b.mode, entries: b.entries });
}

async function securityOf(db: ReturnType<typeof tempDb>, type: string, id: string) {
  const row = (await readCurrent(db, type, id))!;
  return { column: row.security, meta: (JSON.parse(row.content).meta.security ?? []).map((c: { code: string }) => c.code) };
}

const encounter = (id: string, fields: Record<string, unknown> = {}, source = SOURCE_A) => ({
  resourceType: 'Encounter',
  id,
  meta: { source },
  status: 'finished',
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
  subject: { reference: 'Patient/pa-1' },
  period: { start: '2025-02-01T09:00:00Z', end: '2025-02-01T10:00:00Z' },
  ...fields,
});
const oudReason = { reasonCode: [{ coding: [{ system: ICD, code: 'F11.20' }] }] };
const claim = (id: string, conditionId: string, source = SOURCE_B) => ({
  resourceType: 'ExplanationOfBenefit',
  id,
  meta: { source },
  status: 'active',
  type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
  use: 'claim',
  patient: { reference: `Patient/${OWN_PATIENT[source]}` },
  created: '2025-02-03',
  insurer: { display: 'The member plan' },
  provider: { display: 'The billing provider' },
  outcome: 'complete',
  insurance: [{ focal: true, coverage: { display: 'the member coverage' } }],
  diagnosis: [{ sequence: 1, diagnosisReference: { reference: `Condition/${conditionId}` } }],
});

describe('label propagation', () => {
  it('labels what was recorded at a sensitive Encounter in the same Bundle', async () => {
    const db = tempDb();
    await run(
      testDeps(db),
      bundle('transaction', [
        putEntry(patient('pa-1')),
        putEntry(encounter('e-1', oudReason)),
        putEntry(observation('o-1', 'pa-1', { encounter: { reference: 'Encounter/e-1' } })),
        putEntry(observation('o-2', 'pa-1')),
      ]),
    );
    expect(await securityOf(db, 'Observation', 'o-1')).toEqual({ column: ' ETH 42CFRPart2 R ', meta: ['ETH', '42CFRPart2', 'R'] });
    expect((await securityOf(db, 'Observation', 'o-2')).column).toBe('');
  });

  it('labels what was recorded at a sensitive Encounter stored before, and follows urn:uuid references', async () => {
    const db = tempDb();
    const deps = testDeps(db);
    await run(deps, bundle('transaction', [putEntry(patient('pa-1')), putEntry(encounter('e-1', oudReason))]));
    await run(
      deps,
      bundle('transaction', [
        putEntry(observation('o-1', 'pa-1', { encounter: { reference: 'Encounter/e-1' } })),
        {
          fullUrl: 'urn:uuid:6f1c2c52-0000-4000-8000-000000000001',
          resource: { ...observation('ignored', 'pa-1', { encounter: { reference: 'Encounter/e-1' } }), id: undefined },
          request: { method: 'POST', url: 'Observation' },
        },
      ]),
    );
    expect((await securityOf(db, 'Observation', 'o-1')).column).toBe(' ETH 42CFRPart2 R ');
    const [posted] = db.sqlite.prepare("SELECT security FROM resources WHERE type = 'Observation' AND id <> 'o-1'").all() as { security: string }[];
    expect(posted!.security).toBe(' ETH 42CFRPart2 R ');
  });

  it('follows the labels a source sent on the Encounter itself, and the Encounter of a MedicationRequest or DiagnosticReport', async () => {
    const db = tempDb();
    const hiv = { meta: { source: SOURCE_A, security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HIV' }] } };
    await run(
      testDeps(db),
      bundle('transaction', [
        putEntry(encounter('e-1', hiv)),
        putEntry({
          resourceType: 'DiagnosticReport',
          id: 'dr-1',
          meta: { source: SOURCE_A },
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '24323-8' }] },
          subject: { reference: 'Patient/pa-1' },
          encounter: { reference: 'Encounter/e-1' },
        }),
      ]),
    );
    expect((await securityOf(db, 'DiagnosticReport', 'dr-1')).meta).toEqual(['HIV', 'R']);
  });

  it('labels the claims that cite a sensitive Condition of their own source', async () => {
    const db = tempDb();
    const deps = testDeps(db);
    await run(deps, bundle('transaction', [putEntry({ ...condition('c-1', 'pb-1', { system: ICD, code: 'B20' }, SOURCE_B) })]));
    await run(deps, bundle('transaction', [putEntry(claim('eob-1', 'c-1'))]));
    expect((await securityOf(db, 'ExplanationOfBenefit', 'eob-1')).meta).toEqual(['HIV', 'R']);
  });

  // The dishonest source: it cites another source's records to read their labels back from its
  // own write (and from what its readers could then see). Red team: a hospital with no read
  // rights learned which visits at a clinic were Part 2 or behavioural health this way.
  it("does not inherit another source's labels, so citing a record tells the sender nothing about it", async () => {
    const db = tempDb();
    const deps = testDeps(db);
    await run(
      deps,
      bundle('transaction', [
        putEntry(condition('c-hiv', 'pa-1', { system: ICD, code: 'B20' })),
        putEntry(condition('c-plain', 'pa-1', { system: ICD, code: 'J06.9' })),
      ]),
    );
    await run(deps, bundle('transaction', [putEntry(encounter('e-oud', oudReason))]));
    const answers = [];
    for (const [id, cited] of [
      ['eob-hiv', 'c-hiv'],
      ['eob-plain', 'c-plain'],
    ] as const) {
      const result = await run(deps, bundle('transaction', [putEntry(claim(id, cited))]));
      answers.push({ stored: (await securityOf(db, 'ExplanationOfBenefit', id)).meta, answered: JSON.stringify(result).includes('"HIV"') });
    }
    const obs = await run(deps, bundle('transaction', [putEntry(observation('o-at-oud', 'pb-1', { encounter: { reference: 'Encounter/e-oud' } }, SOURCE_B))]));
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]!.answered).toBe(false);
    expect((await securityOf(db, 'Observation', 'o-at-oud')).meta).toEqual([]);
    expect(JSON.stringify(obs)).not.toMatch(/42CFRPart2|"ETH"/);
  });

  it('labels an Encounter by the sensitive Conditions it lists as diagnoses, and then what was recorded at it', async () => {
    const db = tempDb();
    await run(
      testDeps(db),
      bundle('transaction', [
        putEntry(observation('o-1', 'pa-1', { encounter: { reference: 'Encounter/e-1' } })),
        putEntry(encounter('e-1', { diagnosis: [{ condition: { reference: 'Condition/c-1' } }] })),
        putEntry(condition('c-1', 'pa-1', { system: ICD, code: 'F32.9' })),
      ]),
    );
    expect((await securityOf(db, 'Encounter', 'e-1')).column).toBe(' PSY BH R ');
    expect((await securityOf(db, 'Observation', 'o-1')).column).toBe(' PSY BH R ');
  });

  it('is idempotent: the same Bundle again writes nothing', async () => {
    const db = tempDb();
    const deps = testDeps(db);
    const body = bundle('transaction', [
      putEntry(encounter('e-1', oudReason)),
      putEntry(observation('o-1', 'pa-1', { encounter: { reference: 'Encounter/e-1' } })),
    ]);
    await run(deps, structuredClone(body));
    const again = await run(deps, structuredClone(body));
    expect(again.outcomes.map((o) => o.ok && o.changed)).toEqual([false, false]);
  });

  it('documents the limit: a dependent stored before its Encounter was labelled keeps its labels until it is sent again', async () => {
    const db = tempDb();
    const deps = testDeps(db);
    await run(deps, bundle('transaction', [putEntry(encounter('e-1')), putEntry(observation('o-1', 'pa-1', { encounter: { reference: 'Encounter/e-1' } }))]));
    await run(deps, bundle('transaction', [putEntry(encounter('e-1', oudReason))]));
    expect((await securityOf(db, 'Observation', 'o-1')).column).toBe('');
    await run(deps, bundle('transaction', [putEntry(observation('o-1', 'pa-1', { encounter: { reference: 'Encounter/e-1' } }))]));
    expect((await securityOf(db, 'Observation', 'o-1')).column).toBe(' ETH 42CFRPart2 R ');
  });
});
