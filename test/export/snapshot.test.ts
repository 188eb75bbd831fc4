import { describe, expect, it } from 'vitest';
import { consentFor, scenario } from '../helpers/scenario.js';
import { observation, putEntry, SOURCE_A } from '../helpers/fhir.js';
import { download, ids, kickOff, manifestOf, tick } from './bulk-client.js';

const GROUP = '/fhir/Group/payer-lakeshore-org/$export?_type=Observation';

describe('bulk files are a snapshot as of transactionTime', () => {
  it('serves a resource changed after kick-off at its version then, leaves out one created after, and counts what it serves', async () => {
    const s = await scenario();
    const { manifest } = await manifestOf(s, s.tokens.payer, await kickOff(s, s.tokens.payer, GROUP));
    await tick();
    // After the manifest, before the download: one Observation changes, one is new.
    await s.seed(SOURCE_A, [
      putEntry(observation('o-a1c-1', 'pa-1', { status: 'amended', effectiveDateTime: '2025-01-10T09:00:00Z' })),
      putEntry(observation('o-late', 'pa-1')),
    ]);
    const [file] = manifest.output;
    const rows = await download(s, s.tokens.payer, file!.url);
    expect(ids(rows)).toEqual(['o-a1c-1', 'o-a1c-2', 'o-a1c-b']);
    const changed = rows.find((r) => r.id === 'o-a1c-1') as { status: string; meta: { versionId: string; lastUpdated: string } };
    expect(changed.status).toBe('final');
    expect(changed.meta.versionId).toBe('1');
    for (const r of rows) expect((r.meta as { lastUpdated: string }).lastUpdated <= manifest.transactionTime).toBe(true);
    expect(file!.count).toBe(rows.length);
  });

  it('stays the same snapshot however often it is downloaded, while writes go on', async () => {
    const s = await scenario();
    const { manifest } = await manifestOf(s, s.tokens.payer, await kickOff(s, s.tokens.payer, GROUP));
    const first = await download(s, s.tokens.payer, manifest.output[0]!.url);
    for (let i = 0; i < 3; i++) {
      await s.seed(SOURCE_A, [putEntry(observation(`o-more-${i}`, 'pa-1')), putEntry(observation('o-a1c-2', 'pa-1', { status: i % 2 ? 'final' : 'amended' }))]);
      expect(await download(s, s.tokens.payer, manifest.output[0]!.url)).toEqual(first);
    }
  });

  it('puts a write racing the kick-off either in the snapshot (stamped at or before transactionTime) or after it, never both or neither', async () => {
    const s = await scenario();
    for (let round = 0; round < 5; round++) {
      const writes = Array.from({ length: 4 }, (_, i) => s.seed(SOURCE_A, [putEntry(observation(`o-race-${round}-${i}`, 'pa-1'))]));
      const kick = kickOff(s, s.tokens.payer, GROUP);
      await Promise.all(writes);
      const { manifest } = await manifestOf(s, s.tokens.payer, await kick);
      const served = ids(await download(s, s.tokens.payer, manifest.output[0]!.url));
      const stamped = s.db.sqlite
        .prepare("select id, last_updated as lastUpdated from resources where type = 'Observation' and id like ?")
        .all(`o-race-${round}-%`) as { id: string; lastUpdated: string }[];
      for (const w of stamped) expect({ id: w.id, served: served.includes(w.id) }).toEqual({ id: w.id, served: w.lastUpdated <= manifest.transactionTime });
      // Nothing is stamped in the same millisecond as transactionTime after it was taken.
      expect(stamped.filter((w) => w.lastUpdated === manifest.transactionTime && !served.includes(w.id))).toEqual([]);
    }
  });

  it('decides each version on its own labels: one relabelled HIV after kick-off is served as it was, one unlabelled after is still withheld', async () => {
    const s = await scenario();
    const { manifest } = await manifestOf(s, s.tokens.payer, await kickOff(s, s.tokens.payer, GROUP));
    await tick();
    await s.seed(SOURCE_A, [
      // o-a1c-2 becomes an HIV test (labelled on write); o-hiv becomes an ordinary A1c.
      putEntry(observation('o-a1c-2', 'pa-1', { code: { coding: [{ system: 'http://loinc.org', code: '20447-9' }] } })),
      putEntry(observation('o-hiv', 'pa-1', { code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] } })),
    ]);
    const security = (id: string) => s.db.sqlite.prepare("select security from resources where type = 'Observation' and id = ?").pluck().get(id) as string;
    expect(security('o-a1c-2')).toMatch(/ HIV /);
    expect(security('o-hiv')).not.toMatch(/ HIV /);
    const rows = await download(s, s.tokens.payer, manifest.output[0]!.url);
    expect(ids(rows)).toEqual(['o-a1c-1', 'o-a1c-2', 'o-a1c-b']);
    expect((rows.find((r) => r.id === 'o-a1c-2')!.code as { coding: { code: string }[] }).coding[0]!.code).toBe('4548-4');
  });

  it('is never more permissive than the gate at file time: a member who left the roster after the manifest is left out', async () => {
    const s = await scenario();
    const eob = '/fhir/Group/payer-lakeshore-org/$export?_type=ExplanationOfBenefit';
    const left = await manifestOf(s, s.tokens.payer, await kickOff(s, s.tokens.payer, eob));
    expect(left.manifest.output[0]!.count).toBe(1);
    await s.seed('https://payer-lakeshore.example.org/fhir', [
      putEntry({
        resourceType: 'Coverage',
        id: 'cov-1',
        meta: { source: 'https://payer-lakeshore.example.org/fhir' },
        status: 'cancelled',
        beneficiary: { reference: 'Patient/pay-1' },
        payor: [{ reference: 'Organization/payer-lakeshore-org' }],
        period: { start: '2024-01-01' },
      }),
    ]);
    expect(await download(s, s.tokens.payer, left.manifest.output[0]!.url)).toEqual([]);
  });

  it('leaves out a member who denies the payer after the manifest', async () => {
    const s = await scenario();
    const { manifest } = await manifestOf(
      s,
      s.tokens.payer,
      await kickOff(s, s.tokens.payer, '/fhir/Group/payer-lakeshore-org/$export?_type=ExplanationOfBenefit'),
    );
    const consent = await s.consent(
      'c1',
      s.tokens.maria,
      consentFor('c1', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/payer-lakeshore-org' } }] }),
    );
    expect(consent.status).toBe(201);
    expect(await download(s, s.tokens.payer, manifest.output[0]!.url)).toEqual([]);
  });
});
