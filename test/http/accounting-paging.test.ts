import { asc, eq } from 'drizzle-orm';
import fc from 'fast-check';
import { Client } from 'fhir-kit-client';
import { describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/db/schema.js';
import { consentFor, scenario } from '../helpers/scenario.js';
import { onLoopback } from './loopback.js';

type Page = { total: number; entry?: { resource: { id: string; recorded: string } }[]; link?: { relation: string; url: string }[] };

/** Maria's record with 23 clinician reads in her accounting, served on loopback for a real client. */
async function setup() {
  const s = await scenario();
  for (let i = 0; i < 20; i++) await s.get('/fhir/Condition/c-diabetes', s.tokens.chen);
  for (let i = 0; i < 3; i++) await s.get('/fhir/Condition/c-oud', s.tokens.chen);
  const server = await onLoopback(s.deps);
  const person = s.personOf('pa-1');
  /** Her events in the trail right now, oldest first. */
  const hers = async () =>
    (await s.db.orm.select({ id: auditEvents.id }).from(auditEvents).where(eq(auditEvents.person, person)).orderBy(asc(auditEvents.seq))).map((r) => r.id);
  const client = (token: string) => new Client({ baseUrl: server.fhir, bearerToken: token });
  return { ...s, server, hers, client };
}

/** Every page, following next links as the client does, with each page's own total. */
async function walk(client: Client, params: Record<string, string>): Promise<{ ids: string[]; totals: number[]; pages: Page[] }> {
  const pages: Page[] = [];
  let page = (await client.search({ resourceType: 'AuditEvent', searchParams: params })) as unknown as Page | undefined;
  while (page) {
    pages.push(page);
    if (pages.length > 100) throw new Error('the walk does not end');
    page = (await client.nextPage({ bundle: page as never })) as unknown as Page | undefined;
  }
  return { ids: pages.flatMap((p) => (p.entry ?? []).map((e) => e.resource.id)), totals: pages.map((p) => p.total), pages };
}

describe('the accounting of disclosures, walked page by page by a real client', () => {
  it('has no duplicates and no gaps, and its total is the number of events walked', async () => {
    const { server, hers, client, tokens } = await setup();
    try {
      const before = await hers();
      const first = await walk(client(tokens.maria), { patient: 'Patient/pa-1', _count: '5' });
      expect(new Set(first.ids).size, 'duplicates').toBe(first.ids.length);
      // Exactly the events recorded before the walk began: none missing, none of the walk's own.
      expect([...first.ids].sort()).toEqual([...before].sort());
      expect(first.totals.every((t) => t === first.ids.length)).toBe(true);
      expect(first.pages.length).toBe(Math.ceil(before.length / 5));
      // Newest first: the most recent disclosure is what a patient looks for.
      expect(first.ids).toEqual([...before].reverse());

      // The walk's own page views are in the accounting, seen by the next walk.
      const after = await hers();
      expect(after.length).toBe(before.length + first.pages.length);
      const second = await walk(client(tokens.maria), { patient: 'Patient/pa-1', _count: '7' });
      expect([...second.ids].sort()).toEqual([...after].sort());
      expect(second.totals.every((t) => t === after.length)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('stays stable while others read her record between pages', async () => {
    const { server, hers, client, tokens, get } = await setup();
    try {
      const before = await hers();
      const maria = client(tokens.maria);
      const ids: string[] = [];
      let page = (await maria.search({ resourceType: 'AuditEvent', searchParams: { patient: 'pa-1', _count: '4' } })) as unknown as Page | undefined;
      while (page) {
        ids.push(...(page.entry ?? []).map((e) => e.resource.id));
        expect(page.total).toBe(before.length);
        await get('/fhir/Condition/c-diabetes', tokens.chen);
        page = (await maria.nextPage({ bundle: page as never })) as unknown as Page | undefined;
      }
      expect(ids).toEqual([...before].reverse());
    } finally {
      await server.close();
    }
  });

  it('gives a caregiver she delegated AuditEvent to the same stable walk, without consent details', async () => {
    const { server, hers, client, tokens, consent } = await setup();
    try {
      const granted = await consent(
        'c1',
        tokens.maria,
        consentFor('c1', {
          type: 'permit',
          actor: [{ role: { text: 'recipient' }, reference: { reference: 'RelatedPerson/rp1' } }],
          class: [{ code: 'AuditEvent' }],
        }),
      );
      expect(granted.status).toBe(201);
      const before = await hers();
      const walked = await walk(client(tokens.daniel), { patient: 'Patient/pa-1', _count: '6' });
      expect(walked.ids).toEqual([...before].reverse());
      expect(JSON.stringify(walked.pages)).not.toMatch(/Consent\/|"decision"/);
    } finally {
      await server.close();
    }
  });
});

describe('a forged or altered cursor', () => {
  it('gives a 400 or a correct page of her own events, never anyone else’s', async () => {
    const { get, hers, tokens, personOf } = await setup();
    // Another patient's events exist too: Olga's record is read.
    await get('/fhir/Patient/pb-1', tokens.chen);
    const first = (await (await get('/fhir/AuditEvent?patient=Patient/pa-1&_count=5', tokens.maria)).json()) as Page;
    const next = new URL(first.link!.find((l) => l.relation === 'next')!.url);
    const cursorName = [...next.searchParams.keys()].find((k) => !['patient', '_count'].includes(k))!;
    expect(cursorName).toBeDefined();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.tuple(fc.integer({ min: -5, max: 200 }), fc.integer({ min: -5, max: 200 })).map(([a, b]) => `${a}.${b}`),
          fc.tuple(fc.nat(60), fc.nat(60)).map(([a, b]) => `${a}.${b}`),
        ),
        async (cursor) => {
          const mine = new Set(await hers());
          const url = new URL(next);
          url.searchParams.set(cursorName, cursor);
          const res = await get(`${url.pathname}${url.search}`, tokens.maria);
          if (res.status === 400) {
            expect((await res.json()).resourceType).toBe('OperationOutcome');
            return;
          }
          expect(res.status).toBe(200);
          const page = (await res.json()) as Page;
          for (const e of page.entry ?? []) expect(mine.has(e.resource.id)).toBe(true);
          expect(page.total).toBeLessThanOrEqual(mine.size);
        },
      ),
      { numRuns: 60 },
    );
    // Nobody else gets anything with her cursor: the same empty answer an unknown patient gets.
    const theirs = (await (await get(`${next.pathname}${next.search}`, tokens.chen)).json()) as Page;
    expect(theirs.total).toBe(0);
    expect(theirs.entry ?? []).toEqual([]);
    const stranger = (await (await get(`${next.pathname}${next.search}`, tokens.stranger)).json()) as Page;
    expect(stranger.total).toBe(0);
    expect(personOf('pb-1')).not.toBe(personOf('pa-1'));
  });

  it('refuses _offset with a 400 that names it, since offsets over a growing trail repeat and skip', async () => {
    const { get, tokens } = await setup();
    const res = await get('/fhir/AuditEvent?patient=Patient/pa-1&_offset=5', tokens.maria);
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.issue[0].expression).toEqual(['_offset']);
  });
});
