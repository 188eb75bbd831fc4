import { describe, expect, it } from 'vitest';
import { asc } from 'drizzle-orm';
import { verifyChain } from '../../src/audit/chain.js';
import { auditEvents } from '../../src/db/schema.js';
import { chainedText } from '../../src/audit/rows.js';
import { consentFor, scenario } from '../helpers/scenario.js';

type BundleJson = { total: number; entry: { resource: { resourceType: string; id: string } }[]; link: { relation: string; url: string }[] };
const ids = (b: BundleJson) => b.entry.map((e) => `${e.resource.resourceType}/${e.resource.id}`).sort();

describe('reads under consent', () => {
  it('serves a permitted resource, and answers a withheld one exactly like a missing one', async () => {
    const { get, tokens } = await scenario();
    expect((await get('/fhir/Condition/c-diabetes', tokens.chen)).status).toBe(200);
    const withheld = await get('/fhir/Condition/c-oud', tokens.chen); // 42 CFR Part 2, no consent naming Dr Chen
    const missing = await get('/fhir/Condition/c-nope', tokens.chen);
    expect(withheld.status).toBe(404);
    expect(missing.status).toBe(404);
    const [a, b] = [await withheld.json(), await missing.json()];
    expect(a.issue[0].code).toBe(b.issue[0].code);
    expect(a.issue[0].diagnostics.replace('c-oud', 'X')).toBe(b.issue[0].diagnostics.replace('c-nope', 'X'));
  });

  it('lets the patient read everything about herself, from every source', async () => {
    const { get, tokens } = await scenario();
    for (const path of ['/fhir/Condition/c-oud', '/fhir/Observation/o-hiv', '/fhir/Observation/o-a1c-b', '/fhir/Patient/pa-2'])
      expect((await get(path, tokens.maria)).status, path).toBe(200);
    expect((await get('/fhir/Condition/c-other', tokens.maria)).status).toBe(404);
  });

  it('shows a payer its member’s claims only, and the research client nothing', async () => {
    const { get, tokens } = await scenario();
    expect((await get('/fhir/ExplanationOfBenefit/eob-1', tokens.payer)).status).toBe(200);
    expect((await get('/fhir/ExplanationOfBenefit/eob-1', tokens.otherPayer)).status).toBe(404);
    expect((await get('/fhir/Condition/c-diabetes', tokens.payer)).status).toBe(200); // operations on members' conditions: duas.csv
    expect((await get('/fhir/Condition/c-oud', tokens.payer)).status).toBe(404); // never 42 CFR Part 2
    expect((await get('/fhir/Observation/o-hiv', tokens.payer)).status).toBe(404); // its DUA names only ordinary observations
    expect((await get('/fhir/Observation/o-a1c-1', tokens.analytics)).status).toBe(404);
  });
});

describe('search and $everything filter before paging', () => {
  it('counts and pages only what the requester may see', async () => {
    const { get, tokens } = await scenario();
    const asMaria = (await (await get('/fhir/Observation?patient=pa-1', tokens.maria)).json()) as BundleJson;
    const asChen = (await (await get('/fhir/Observation?patient=pa-2', tokens.chen)).json()) as BundleJson;
    expect(ids(asMaria)).toEqual(['Observation/o-a1c-1', 'Observation/o-a1c-2', 'Observation/o-a1c-b', 'Observation/o-hiv']);
    // Default treatment access opens HIV data for treatment (defaults.json), so Chen sees the same four here.
    expect(asChen.total).toBe(4);
    const page = (await (await get('/fhir/Observation?patient=pa-1&_count=3', tokens.chen)).json()) as BundleJson;
    expect(page.entry).toHaveLength(3);
    expect(page.total).toBe(4);
    const next = page.link.find((l) => l.relation === 'next')!.url.replace('http://gateway.test', '');
    const second = (await (await get(next, tokens.chen)).json()) as BundleJson;
    expect(second.entry).toHaveLength(1);
    expect(second.link.find((l) => l.relation === 'next')).toBeUndefined();
    const conditions = (await (await get('/fhir/Condition?patient=pa-1', tokens.chen)).json()) as BundleJson;
    expect(ids(conditions)).toEqual(['Condition/c-diabetes']); // the Part 2 one is not counted
  });

  it('gives a denied requester exactly what an unknown patient gives', async () => {
    const { get, send, consent, tokens } = await scenario();
    await consent(
      'c1',
      tokens.maria,
      consentFor('c1', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }] }),
    );
    const denied = await (await get('/fhir/Observation?patient=pa-1', tokens.chen)).json();
    const unknown = await (await get('/fhir/Observation?patient=nobody', tokens.chen)).json();
    expect(denied.total).toBe(0);
    expect({ ...denied, link: [] }).toEqual({ ...unknown, link: [] });
    expect((await get('/fhir/Patient/pa-1/$everything', tokens.chen)).status).toBe(404);
    expect((await get('/fhir/Patient/nobody/$everything', tokens.chen)).status).toBe(404);
  });

  it('returns the longitudinal record across sources with $everything, filtered by class and date', async () => {
    const { get, tokens } = await scenario();
    const all = (await (await get('/fhir/Patient/pa-1/$everything?_count=200', tokens.chen)).json()) as BundleJson;
    expect(ids(all)).toEqual(expect.arrayContaining(['Patient/pa-1', 'Patient/pa-2', 'Observation/o-a1c-b', 'Condition/c-diabetes']));
    expect(ids(all)).not.toContain('Condition/c-oud');
    expect(ids(all)).not.toContain('Condition/c-other');
    const typed = (await (await get('/fhir/Patient/pa-1/$everything?_type=Observation&start=2025-04-01', tokens.chen)).json()) as BundleJson;
    expect(ids(typed)).toEqual(['Observation/o-a1c-2', 'Observation/o-a1c-b']);
  });

  it('filters by code and date, and a SQL injection attempt finds nothing extra', async () => {
    const { get, tokens } = await scenario();
    const a1c = (await (await get('/fhir/Observation?patient=pa-1&code=http://loinc.org|4548-4&date=ge2025-03-01', tokens.maria)).json()) as BundleJson;
    expect(ids(a1c)).toEqual(['Observation/o-a1c-2', 'Observation/o-a1c-b']);
    const injected = (await (await get(`/fhir/Observation?patient=pa-1&code=${encodeURIComponent("x' OR '1'='1")}`, tokens.maria)).json()) as BundleJson;
    expect(injected.total).toBe(0);
    expect((await get(`/fhir/Observation?patient=${encodeURIComponent("pa-1' OR 1=1--")}`, tokens.maria)).status).toBe(400);
  });

  it('answers malformed parameters with 400 and ignores unknown ones unless strict', async () => {
    const { get, tokens } = await scenario();
    // _count above the maximum is capped and ne is a supported prefix (test/search/review-findings.test.ts), so neither is here.
    for (const q of ['date=yesterday', '_count=-1', '_count=ten', '_sort=name', 'date=ne2025-13-01', 'code:below=4548']) {
      const res = await get(`/fhir/Observation?patient=pa-1&${q}`, tokens.maria);
      expect(res.status, q).toBe(400);
      expect((await res.json()).resourceType).toBe('OperationOutcome');
    }
    expect((await get('/fhir/Observation?patient=pa-1&flavour=mint', tokens.maria)).status).toBe(200);
    expect((await get('/fhir/Observation?patient=pa-1&flavour=mint', tokens.maria, { prefer: 'handling=strict' })).status).toBe(400);
    expect((await get('/fhir/Patient/pa-1/$everything?_type=Spaceship', tokens.maria)).status).toBe(400);
  });
});

describe('the audit trail', () => {
  it('records every access, permitted or not, in an intact hash chain, and shows the patient her accounting of disclosures', async () => {
    const { get, tokens, db } = await scenario();
    await get('/fhir/Condition/c-diabetes', tokens.chen);
    await get('/fhir/Condition/c-oud', tokens.chen);
    await get('/fhir/Observation?patient=pa-1', tokens.payer);
    const mine = (await (await get('/fhir/AuditEvent?patient=Patient/pa-2', tokens.maria)).json()) as {
      entry: { resource: { outcome: string; agent: { who: { reference?: string } }[]; entity: { what: { identifier?: { value: string } } }[] } }[];
    };
    const reads = mine.entry.map((e) => [e.resource.agent[0]!.who.reference, e.resource.entity.at(-1)!.what.identifier?.value, e.resource.outcome]);
    expect(reads).toEqual(
      expect.arrayContaining([
        ['Practitioner/clinic-oak-prac-chen', 'Condition/c-diabetes', '0'],
        ['Practitioner/clinic-oak-prac-chen', 'Condition/c-oud', '4'],
      ]),
    );
    // Nobody else reads it, and they cannot tell whether there is anything to read.
    const theirs = await (await get('/fhir/AuditEvent?patient=Patient/pa-1', tokens.chen)).json();
    expect(theirs.total).toBe(0);
    const rows = (await db.orm.select().from(auditEvents).orderBy(asc(auditEvents.seq))).map((r) => ({ ...r, content: chainedText(r) }));
    expect(rows.length).toBeGreaterThanOrEqual(5);
    expect((await verifyChain(rows)).problems).toEqual([]);
    const tampered = rows.map((r, i) => (i === 1 ? { ...r, content: chainedText({ ...r, recorded: ` ${r.recorded}` }) } : r));
    expect((await verifyChain(tampered)).problems.map((p) => p.problem)).toContain('hash');
    expect((await verifyChain(rows.filter((_, i) => i !== 2))).problems.map((p) => p.problem)).toContain('gap');
  });
});

describe('_include', () => {
  it('adds referenced Encounters only when the requester may see them, and refuses unknown types', async () => {
    const { get, send, consent, tokens, deps } = await scenario();
    const { ingest, readBundle } = await import('../../src/ingest/index.js');
    const b = readBundle({
      resourceType: 'Bundle',
      type: 'transaction',
      meta: { source: 'https://hospital-a.example.org/fhir' },
      entry: [
        {
          resource: {
            resourceType: 'Encounter',
            id: 'enc-1',
            meta: { source: 'https://hospital-a.example.org/fhir' },
            status: 'finished',
            class: { code: 'AMB' },
            subject: { reference: 'Patient/pa-1' },
            serviceProvider: { reference: 'Organization/clinic-oak-org' },
          },
          request: { method: 'PUT', url: 'Encounter/enc-1' },
        },
        {
          resource: {
            resourceType: 'Observation',
            id: 'o-enc',
            meta: { source: 'https://hospital-a.example.org/fhir' },
            status: 'final',
            code: { text: 'x' },
            subject: { reference: 'Patient/pa-1' },
            encounter: { reference: 'Encounter/enc-1' },
            performer: [{ reference: 'Practitioner/clinic-oak-prac-chen' }],
          },
          request: { method: 'PUT', url: 'Observation/o-enc' },
        },
      ],
    });
    if (Array.isArray(b)) throw new Error('bad');
    await ingest(deps, { source: 'https://hospital-a.example.org/fhir', channel: 'cli', mode: 'transaction', entries: b.entries });
    const query = '/fhir/Observation?patient=pa-1&_id=o-enc&_include=Observation:encounter&_include=Observation:performer';
    const asChen = (await (await get(query, tokens.chen)).json()) as BundleJson;
    expect(ids(asChen)).toEqual(['Encounter/enc-1', 'Observation/o-enc', 'Practitioner/clinic-oak-prac-chen']);
    expect(asChen.total).toBe(1);
    // Maria denies Dr Chen's organization Encounters only: the Observation stays, its Encounter may not ride along.
    await consent(
      'c1',
      tokens.maria,
      consentFor('c1', {
        type: 'deny',
        actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }],
        class: [{ code: 'Encounter' }],
      }),
    );
    const after = (await (await get(query, tokens.chen)).json()) as BundleJson;
    expect(ids(after)).toEqual(['Observation/o-enc', 'Practitioner/clinic-oak-prac-chen']);
    expect((await get('/fhir/Observation?patient=pa-1&_include=Spaceship:encounter', tokens.chen)).status).toBe(400);
  });
});

describe('vread', () => {
  it('serves an earlier version only while the current one may be seen, each version judged on its own labels', async () => {
    const { get, tokens, deps } = await scenario();
    const { ingest, readBundle } = await import('../../src/ingest/index.js');
    const source = 'https://hospital-a.example.org/fhir';
    // Version 2 of a condition is recoded to opioid use disorder (42 CFR Part 2); version 1 was ordinary.
    const b = readBundle({
      resourceType: 'Bundle',
      type: 'transaction',
      meta: { source },
      entry: [
        {
          resource: {
            resourceType: 'Condition',
            id: 'c-diabetes',
            meta: { source },
            subject: { reference: 'Patient/pa-1' },
            code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'F11.20' }] },
            recordedDate: '2025-01-10',
          },
          request: { method: 'PUT', url: 'Condition/c-diabetes' },
        },
      ],
    });
    if (Array.isArray(b)) throw new Error('bad');
    await ingest(deps, { source, channel: 'cli', mode: 'transaction', entries: b.entries });
    // Version 1 alone was ordinary, but answering it would show that the record Dr Chen is told
    // does not exist does exist, and was recoded into something withheld from her.
    expect((await get('/fhir/Condition/c-diabetes/_history/1', tokens.chen)).status).toBe(404);
    expect((await get('/fhir/Condition/c-diabetes/_history/2', tokens.chen)).status).toBe(404);
    expect((await get('/fhir/Condition/c-diabetes/_history/1', tokens.maria)).status).toBe(200);
    expect((await get('/fhir/Condition/c-diabetes', tokens.chen)).status).toBe(404);
    expect((await get('/fhir/Condition/c-diabetes/_history/2', tokens.maria)).status).toBe(200);
    expect((await get('/fhir/Condition/c-diabetes/_history/7', tokens.maria)).status).toBe(404);
  });
});

describe('the accounting of disclosures for a caregiver', () => {
  it('is closed to a caregiver until the patient delegates it', async () => {
    const { get, send, consent, tokens } = await scenario();
    await get('/fhir/Condition/c-diabetes', tokens.chen);
    expect((await (await get('/fhir/AuditEvent?patient=Patient/pa-1', tokens.daniel)).json()).total).toBe(0);
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
    const seen = (await (await get('/fhir/AuditEvent?patient=Patient/pa-1', tokens.daniel)).json()) as BundleJson;
    expect(seen.entry.length).toBeGreaterThan(0);
  });
});
