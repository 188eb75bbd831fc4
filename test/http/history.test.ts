import { eq } from 'drizzle-orm';
import { Client } from 'fhir-kit-client';
import { describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/db/schema.js';
import { putEntry, SOURCE_A } from '../helpers/fhir.js';
import { scenario } from '../helpers/scenario.js';
import { onLoopback } from './loopback.js';
import { auditTexts } from '../helpers/audit.js';

const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';
type HistoryBundle = {
  type: string;
  total: number;
  link: { relation: string; url: string }[];
  entry: { fullUrl: string; resource: { id: string; meta: { versionId: string }; code?: unknown }; request: { method: string }; response: { etag: string } }[];
};

/** Condition c-flip in three versions: ordinary, then 42 CFR Part 2 (opioid use disorder), then ordinary again. */
async function setup() {
  const s = await scenario();
  const version = (code: string) =>
    putEntry({
      resourceType: 'Condition',
      id: 'c-flip',
      meta: { source: SOURCE_A },
      subject: { reference: 'Patient/pa-1' },
      code: { coding: [{ system: ICD, code }] },
      recordedDate: '2025-05-01',
    });
  for (const code of ['E11.9', 'F11.20', 'E10.9']) await s.seed(SOURCE_A, [version(code)]);
  return s;
}

const versionsOf = (b: HistoryBundle) => b.entry.map((e) => Number(e.resource.meta.versionId));

describe('instance history', () => {
  // Red team: a Condition recoded from chest pain into opioid dependence read 404, while its
  // history and its first version still answered, showing the record exists and was recoded.
  it('answers every version of a resource whose current version is withheld exactly as a missing one', async () => {
    const s = await scenario();
    const version = (code: string) =>
      putEntry({
        resourceType: 'Condition',
        id: 'c-recoded',
        meta: { source: SOURCE_A },
        subject: { reference: 'Patient/pa-1' },
        code: { coding: [{ system: ICD, code }] },
        recordedDate: '2025-05-01',
      });
    for (const code of ['R07.9', 'F11.20']) await s.seed(SOURCE_A, [version(code)]);
    let withheldFrom = 0;
    for (const token of Object.values(s.tokens)) {
      if ((await s.get('/fhir/Condition/c-recoded', token)).status !== 404) continue;
      withheldFrom++;
      const missing = await s.get('/fhir/Condition/no-such/_history', token);
      for (const path of ['/fhir/Condition/c-recoded/_history', '/fhir/Condition/c-recoded/_history/1', '/fhir/Condition/c-recoded/_history/2']) {
        const res = await s.get(path, token);
        expect(res.status, path).toBe(404);
        expect(res.status).toBe(missing.status);
      }
    }
    expect(withheldFrom).toBeGreaterThan(0);
  });

  it('shows each requester exactly the versions vread shows them, newest first', async () => {
    const { get, tokens } = await setup();
    for (const [name, token] of Object.entries(tokens)) {
      const res = await get('/fhir/Condition/c-flip/_history', token);
      const vreads: number[] = [];
      const statuses = new Set<number>();
      for (const v of [3, 2, 1]) {
        const status = (await get(`/fhir/Condition/c-flip/_history/${v}`, token)).status;
        statuses.add(status);
        if (status === 200) vreads.push(v);
      }
      // A token without read scope on the type is refused before any lookup, as vread refuses it.
      if (statuses.has(403)) {
        expect(res.status, name).toBe(403);
        continue;
      }
      if (vreads.length === 0) {
        expect(res.status, name).toBe(404);
        continue;
      }
      expect(res.status, name).toBe(200);
      const bundle = (await res.json()) as HistoryBundle;
      expect(bundle.type).toBe('history');
      expect(versionsOf(bundle), name).toEqual(vreads);
      expect(bundle.total).toBe(vreads.length);
      for (const e of bundle.entry) {
        const vread = await (await get(`/fhir/Condition/c-flip/_history/${e.resource.meta.versionId}`, token)).json();
        expect(e.resource, name).toEqual(vread);
        expect(e.response.etag).toBe(`W/"${e.resource.meta.versionId}"`);
        expect(e.request.method).toBe('PUT');
      }
    }
  });

  it('withholds the Part 2 version from a clinician she has not named, and shows her all three', async () => {
    const { get, tokens } = await setup();
    const chen = (await (await get('/fhir/Condition/c-flip/_history', tokens.chen)).json()) as HistoryBundle;
    expect(versionsOf(chen)).not.toContain(2);
    expect(versionsOf(chen)).toContain(1);
    expect(JSON.stringify(chen)).not.toContain('F11.20');
    const maria = (await (await get('/fhir/Condition/c-flip/_history', tokens.maria)).json()) as HistoryBundle;
    expect(versionsOf(maria)).toEqual([3, 2, 1]);
  });

  it('answers a history the requester may see none of exactly as a missing id', async () => {
    const { get, tokens } = await setup();
    for (const token of [tokens.chen, tokens.stranger, tokens.analytics]) {
      const hidden = await get('/fhir/Condition/c-oud/_history', token);
      const missing = await get('/fhir/Condition/c-nope/_history', token);
      expect(hidden.status).toBe(404);
      expect(missing.status).toBe(404);
      expect((await hidden.text()).replace('c-oud', 'X')).toBe((await missing.text()).replace('c-nope', 'X'));
    }
    expect((await get('/fhir/Spaceship/x/_history', tokens.chen)).status).toBe(404);
  });

  it('is audited in her accounting of disclosures, permitted or not', async () => {
    const { get, tokens, db, personOf } = await setup();
    await get('/fhir/Condition/c-flip/_history', tokens.chen);
    await get('/fhir/Condition/c-oud/_history', tokens.chen);
    const events = auditTexts(db.sqlite, { person: personOf('pa-1') })
      .map((c) => JSON.parse(c))
      .filter((e) => e.subtype[0].code === 'history-instance');
    expect(events.map((e) => [e.entity.at(-1).what.identifier.value, e.outcome])).toEqual([
      ['Condition/c-flip/_history', '0'],
      ['Condition/c-oud/_history', '4'],
    ]);
  });

  it('pages with _count and filters with _since, walked by a real client', async () => {
    const s = await setup();
    const server = await onLoopback(s.deps);
    try {
      const client = new Client({ baseUrl: server.fhir, bearerToken: s.tokens.maria });
      const seen: number[] = [];
      let page = (await client.request('Condition/c-flip/_history?_count=1')) as unknown as HistoryBundle | undefined;
      while (page) {
        expect(page.total).toBe(3);
        expect(page.entry).toHaveLength(1);
        seen.push(...versionsOf(page));
        page = (await client.nextPage({ bundle: page as never })) as unknown as HistoryBundle | undefined;
      }
      expect(seen).toEqual([3, 2, 1]);
      const all = (await client.resourceHistory({ resourceType: 'Condition', id: 'c-flip' })) as unknown as HistoryBundle;
      const second = all.entry.find((e) => e.resource.meta.versionId === '2')!;
      const since = (await (
        await s.get(
          `/fhir/Condition/c-flip/_history?_since=${encodeURIComponent((second.resource.meta as { lastUpdated?: string }).lastUpdated!)}`,
          s.tokens.maria,
        )
      ).json()) as HistoryBundle;
      expect(versionsOf(since)).toEqual([3, 2]);
      for (const bad of ['_count=0', '_count=x', '_since=yesterday', '_cursor=abc'])
        expect((await s.get(`/fhir/Condition/c-flip/_history?${bad}`, s.tokens.maria)).status, bad).toBe(400);
    } finally {
      await server.close();
    }
  });

  it('decides a version moved between patients on its own compartment, and tells each of them', async () => {
    const { get, seed, tokens, db, personOf } = await scenario();
    const about = (pid: string) =>
      putEntry({
        resourceType: 'Condition',
        id: 'c-moved',
        meta: { source: SOURCE_A },
        subject: { reference: `Patient/${pid}` },
        code: { coding: [{ system: ICD, code: 'I10' }] },
        recordedDate: '2025-05-01',
      });
    await seed(SOURCE_A, [about('pb-1')]);
    await seed(SOURCE_A, [about('pa-1')]);
    expect(versionsOf((await (await get('/fhir/Condition/c-moved/_history', tokens.maria)).json()) as HistoryBundle)).toEqual([2]);
    expect(versionsOf((await (await get('/fhir/Condition/c-moved/_history', tokens.chen)).json()) as HistoryBundle)).toEqual([2, 1]);
    for (const pid of ['pa-1', 'pb-1']) {
      const told = auditTexts(db.sqlite, { person: personOf(pid) }).filter((c) => c.includes('"Condition/c-moved/_history"'));
      expect(told.length, pid).toBeGreaterThan(0);
    }
  });
});
