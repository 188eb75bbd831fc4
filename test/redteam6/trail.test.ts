import Database from 'better-sqlite3';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, until, type Rig } from '../redteam5/helpers.js';

/** Guarantees 1 and 2 on the Worker: the public anchors, the verifier's body, and edits of the chains' storage. */
describe('red team 6: the Worker audit trail', () => {
  let r: Rig;
  const ids = ['rt6-a', 'rt6-b', 'rt6-c'];
  const persons: Record<string, string> = {};
  const headOf = (chain: string) => {
    const db = new Database(r.objectFile(chain), { readonly: true });
    try {
      return (db.prepare('SELECT max(seq) AS s FROM audit_chain').get() as { s: number }).s;
    } finally {
      db.close();
    }
  };
  const readHer = async (id: string, times: number) => {
    const t = await r.patientToken(id);
    for (let i = 0; i < times; i++) expect((await r.send(r.w.primary, `/fhir/Patient/${id}`, t)).status).toBe(200);
  };

  beforeAll(async () => {
    r = await startRig();
    await r.seedPatients(ids);
    for (const id of ids) persons[id] = await r.personOf(id);
    await readHer('rt6-a', 7);
    await readHer('rt6-b', 2);
    await readHer('rt6-c', 1);
    for (const id of ids) await until(async () => (await r.anchoredHeads()).get(`patient:${persons[id]}`) === headOf(`patient:${persons[id]}`));
    const v = await r.verify();
    expect(v.intact, JSON.stringify(v)).toBe(true);
  }, 240_000);

  afterAll(async () => {
    await r?.w.stop();
  });

  it('P1: /public/audit-anchors names no patient, person, chain or per-chain count', async () => {
    const res = await r.w.fetch(`${r.w.primary}/public/audit-anchors`);
    const text = await res.text();
    const body = JSON.parse(text) as { anchors: { seq: number; jws: string }[] };
    const decoded = body.anchors.map((a) => JSON.stringify([decodeProtectedHeader(a.jws), decodeJwt(a.jws)]));
    const all = [text, ...decoded].join('\n');
    for (const needle of [...ids, ...Object.values(persons), 'patient:', 'shard:', '"chains"', '"heads"', '"hash"'])
      expect(all.includes(needle), `public anchors contain ${needle}`).toBe(false);
    for (const a of body.anchors) {
      const claims = decodeJwt(a.jws) as Record<string, unknown>;
      expect(Object.keys(claims).sort()).toEqual(['iat', 'iss', 'n', 'prev', 'root', 'size']);
    }
  });

  it('V1: malformed bodies to /admin/audit/verify are 4xx OperationOutcomes, never 500', async () => {
    const deep = `{"anchors":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const cases: { body?: string; type?: string; method?: string }[] = [
      { body: '{"anchors":"x"}' },
      { body: '[]' },
      { body: 'null' },
      { body: '"x"' },
      { body: '7' },
      { body: '{"anchors":[1]}' },
      { body: '{"anchors":[null]}' },
      { body: '{"anchors":[{}]}' },
      { body: '{"anchors":[["a.b.c"]]}' },
      { body: '{"anchors":["a.b"]}' },
      { body: '{"anchors":["ａ.b.c"]}' },
      { body: '{"anchors":[' },
      { body: '{"anchors":["a.b.c"]' },
      { body: '', type: 'application/json' },
      { body: '   ', type: 'application/json' },
      { body: '{"anchors":[]}', type: 'text/plain' },
      { body: '{"anchors":[]}', type: 'application/x-www-form-urlencoded' },
      { body: 'anchors=a.b.c', type: 'application/x-www-form-urlencoded' },
      { body: deep },
      { body: '{"__proto__":{"anchors":["a.b.c"]}}' },
      { body: '{"constructor":{"prototype":{"x":1}},"anchors":{}}' },
      { body: `{"anchors":${JSON.stringify(Array.from({ length: 100_001 }, () => 'a.b.c'))}}` },
      { body: `{"anchors":["${'a'.repeat(9_000_000)}.b.c"]}` },
      { body: '{"anchors":[]}\u0000' },
    ];
    const wrong: string[] = [];
    for (const c of cases) {
      const res = await r.w.fetch(`${r.w.primary}/admin/audit/verify`, {
        method: c.method ?? 'POST',
        headers: { authorization: `Bearer ${r.operator}`, 'content-type': c.type ?? 'application/json' },
        body: c.body,
      });
      const text = await res.text();
      let rt: unknown;
      try {
        rt = (JSON.parse(text) as { resourceType?: string }).resourceType;
      } catch {
        rt = undefined;
      }
      if (res.status < 400 || res.status >= 500 || rt !== 'OperationOutcome')
        wrong.push(`${(c.body ?? '').slice(0, 40)} [${c.type ?? 'json'}]: ${res.status} ${text.slice(0, 100)}`);
    }
    // Well-formed but not anchors (a JWS-shaped string that is none of ours) is a verdict, not an error.
    const ok = await r.w.fetch(`${r.w.primary}/admin/audit/verify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${r.operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ anchors: ['eyJhbGciOiJFUzI1NiJ9.bnVsbA.AAAA', 'e30.e30.e30'] }),
    });
    if (ok.status !== 200) wrong.push(`garbage JWS list: ${ok.status} ${(await ok.text()).slice(0, 100)}`);
    else expect(((await ok.json()) as { intact: boolean }).intact).toBe(false);
    expect(wrong).toEqual([]);
  }, 120_000);

  it('E1: two anchored events of her chain have their stored ids swapped: the verifier reports it', async () => {
    const chain = `patient:${persons['rt6-a']}`;
    let swapped: { a: string; b: string } | undefined;
    await r.w.restart(() => {
      const db = new Database(r.objectFile(chain));
      const rows = db.prepare('SELECT seq, id FROM audit_chain ORDER BY seq LIMIT 3').all() as { seq: number; id: string }[];
      const [x, , y] = rows;
      db.prepare('UPDATE audit_chain SET id = ? WHERE seq = ?').run('tmp-rt6', x!.seq);
      db.prepare('UPDATE audit_chain SET id = ? WHERE seq = ?').run(x!.id, y!.seq);
      db.prepare('UPDATE audit_chain SET id = ? WHERE seq = ?').run(y!.id, x!.seq);
      db.close();
      swapped = { a: x!.id, b: y!.id };
    });
    // What she now reads by id: event a's address answers with event b.
    const t = await r.patientToken('rt6-a');
    const res = await r.send(r.w.primary, `/fhir/AuditEvent/${swapped!.a}`, t);
    const readBack = res.status === 200 ? ((await res.json()) as { id: string }).id : `status ${res.status}`;
    const v = await r.verify();
    expect(v.intact, `ids of stored audit rows swapped went unnoticed (GET AuditEvent/${swapped!.a} now gives ${readBack})`).toBe(false);
  }, 90_000);

  it('E2: her heads row marked anchored far ahead: her later events are never anchored, and cutting them off is silent', async () => {
    const chain = `patient:${persons['rt6-b']}`;
    const anchoredBefore = (await r.anchoredHeads()).get(chain)!;
    await r.w.restart(() => {
      const db = new Database(r.anchorFile());
      db.prepare('UPDATE heads SET anchored_seq = 1000000000 WHERE chain = ?').run(chain);
      db.close();
    });
    await readHer('rt6-b', 5);
    await new Promise((res) => setTimeout(res, 4_000));
    const anchoredAfter = (await r.anchoredHeads()).get(chain)!;
    const head = headOf(chain);
    const v1 = await r.verify();
    expect(
      anchoredAfter >= head || !v1.intact,
      `anchoring of ${chain} silently stopped at ${anchoredAfter} (head ${head}, was ${anchoredBefore}); the verifier says intact`,
    ).toBe(true);
  }, 90_000);

  it('E3: the newest anchors and the events they covered cut off, the heads rolled back: found with the saved copies', async () => {
    const chain = `patient:${persons['rt6-c']}`;
    const before = headOf(chain);
    await readHer('rt6-c', 3);
    await until(async () => (await r.anchoredHeads()).get(chain) === headOf(chain));
    const published = await r.anchorJws();
    await r.w.restart(() => {
      let db = new Database(r.objectFile(chain));
      db.prepare('DELETE FROM audit_chain WHERE seq > ?').run(before);
      db.close();
      db = new Database(r.anchorFile());
      const rows = db.prepare('SELECT n, heads FROM anchors ORDER BY n DESC').all() as { n: number; heads: string }[];
      for (const row of rows) {
        const heads = JSON.parse(row.heads) as { chain: string; seq: number }[];
        if (!heads.some((h) => h.chain === chain && h.seq > before)) break;
        db.prepare('DELETE FROM anchors WHERE n = ?').run(row.n);
      }
      const hash = (new Database(r.objectFile(chain), { readonly: true }).prepare('SELECT hash FROM audit_chain WHERE seq = ?').get(before) as { hash: string })
        .hash;
      db.prepare('UPDATE heads SET seq = ?, hash = ?, anchored_seq = ? WHERE chain = ?').run(before, hash, before, chain);
      db.prepare("DELETE FROM sqlite_sequence WHERE name = 'anchors'").run();
      db.close();
    });
    const v = await r.verify(JSON.stringify({ anchors: published }));
    expect(v.intact, 'newest anchors + their events cut, with saved copies given').toBe(false);
  }, 90_000);
});
