import Database from 'better-sqlite3';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainHash } from '../../src/audit/chain.js';
import { chainedText, type UnchainedRow } from '../../src/audit/rows.js';
import { clinicianClaims, OPERATOR_CLAIMS, patientClaims, sourceClaims } from '../helpers/tokens.js';
import { startWorkers, type LocalWorkers } from '../helpers/wrangler.js';

/**
 * The Worker's guarantees at scale, black box: two wrangler processes (two sets of isolates)
 * over one local D1 and one set of Durable Objects, as two Cloudflare locations would be.
 * Every request is real HTTP; the audit trail is checked by the gateway's verifier and by
 * reading the objects' own SQLite files, where an attacker with storage access would edit.
 */
describe('Worker scale-out: per-patient objects, anchors, revocation across isolates', () => {
  let w: LocalWorkers;
  let source: string;
  let operator: string;
  const N = 1000;
  const HOT = 500;
  const patientToken = (id: string) => w.issuer.mint(patientClaims(id));
  const put = (path: string, token: string, body: object, method = 'PUT') =>
    w.fetch(`${w.primary}/fhir${path ? `/${path}` : ''}`, {
      method,
      headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
  const verify = async () => {
    const res = await w.fetch(`${w.primary}/admin/audit/verify`, { method: 'POST', headers: { authorization: `Bearer ${operator}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as {
      intact: boolean;
      checked: number;
      chains: number;
      problems: { chain: string; seq: number; problem: string }[];
      anchors: { checked: number; problems: { chain?: string; problem: string }[] };
    };
  };
  /** The operator's status: events reported to the anchor object, and chains with events not yet anchored. */
  const status = async () => {
    const res = await w.fetch(`${w.primary}/admin/audit`, { headers: { authorization: `Bearer ${operator}` } });
    const { events, unanchored } = (await res.json()) as { events: number; unanchored: number };
    return { events, unanchored };
  };
  /** Waits until every stored event is reported and every head anchored: `stored` is what a verify just walked, plus its own event. */
  const allAnchored = (stored: number, timeout = 20_000) => expect.poll(status, { timeout, interval: 250 }).toEqual({ events: stored + 1, unanchored: 0 });
  /** Her read made to look like a search, and every hash after it recomputed: the chain alone still verifies. Returns seq -> new hash. */
  const rewrite = (chain: string) => {
    const db = new Database(w.objectFile(chain));
    const rows = db.prepare('SELECT seq, row FROM audit_chain ORDER BY seq').all() as { seq: number; row: string }[];
    const hashes = new Map<number, string>();
    let prev = '0'.repeat(64);
    for (const r of rows) {
      const parsed = JSON.parse(r.row) as UnchainedRow;
      const row = parsed.interaction === 'read' ? { ...parsed, interaction: 'search-type' } : parsed;
      const hash = chainHash(prev, chainedText(row));
      db.prepare('UPDATE audit_chain SET row = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(JSON.stringify(row), prev, hash, r.seq);
      hashes.set(r.seq, hash);
      prev = hash;
    }
    db.close();
    return hashes;
  };
  const personOf = async (id: string) => {
    const res = await w.fetch(`${w.primary}/fhir/AuditEvent?patient=Patient/${id}&_count=1`, {
      headers: { authorization: `Bearer ${await patientToken(id)}` },
    });
    const event = (await res.json()).entry[0].resource as { entity: { what: { reference: string }; role?: { code: string } }[] };
    return event.entity.find((e) => e.role?.code === '1')!.what.reference.replace('Patient/', '');
  };

  beforeAll(async () => {
    w = await startWorkers({ replica: true, vars: { AUDIT_REPORT_MS: '200', ANCHOR_EVERY_MS: '500' } });
    source = await w.issuer.mint(sourceClaims('urn:test:worker'));
    operator = await w.issuer.mint(OPERATOR_CLAIMS);
    const ids = [...Array.from({ length: N }, (_, i) => `sp-${i}`), 'hot-1'];
    for (let i = 0; i < ids.length; i += 100) {
      const entry = ids.slice(i, i + 100).map((id) => ({
        resource: { resourceType: 'Patient', id, meta: { source: 'urn:test:worker' }, name: [{ family: `Scale${id}` }] },
        request: { method: 'PUT', url: `Patient/${id}` },
      }));
      const res = await put('', source, { resourceType: 'Bundle', type: 'transaction', meta: { source: 'urn:test:worker' }, entry }, 'POST');
      expect(res.status, await res.clone().text()).toBe(200);
    }
  }, 240_000);

  afterAll(async () => {
    if (process.env.WORKER_LOGS) (await import('node:fs')).writeFileSync(process.env.WORKER_LOGS, w?.logs() ?? '');
    await w?.stop();
  });

  it(`serves ${N} concurrent reads across ${N} patients and ${HOT} to one patient through two workers, and every AuditEvent is in a chain that verifies, under anchors`, async () => {
    // Each isolate fetches the issuer's JWKS once; under a cold burst that fetch can exceed jose's
    // 5 s timeout (every request then waits on it), so each worker is warmed, as a deployment is.
    for (const base of [w.primary, w.replica!])
      expect((await w.fetch(`${base}/auth/me`, { headers: { authorization: `Bearer ${operator}` } })).status).toBe(200);
    const before = await verify();
    expect(before.intact, JSON.stringify(before.problems.slice(0, 5))).toBe(true);
    const tokens = await Promise.all(Array.from({ length: N }, (_, i) => patientToken(`sp-${i}`)));
    const hot = await patientToken('hot-1');
    const read = (base: string, id: string, token: string) =>
      w
        .fetch(`${base}/fhir/Patient/${id}`, { headers: { authorization: `Bearer ${token}` } })
        .then(async (r) => (r.status === 200 ? 200 : `${r.status} ${await r.text()}`));
    const statuses = await Promise.all([
      ...tokens.map((t, i) => read(i % 2 ? w.replica! : w.primary, `sp-${i}`, t)),
      ...Array.from({ length: HOT }, (_, i) => read(i % 2 ? w.replica! : w.primary, 'hot-1', hot)),
    ]);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    // Her accounting holds every read: the ingest, and the 500.
    const mine = await w.fetch(`${w.replica}/fhir/AuditEvent?patient=Patient/hot-1&_count=1`, { headers: { authorization: `Bearer ${hot}` } });
    expect((await mine.json()).total).toBe(1 + HOT);

    // Every chain's newest event is anchored once the heads are reported and the alarm runs.
    const walked = await verify();
    await allAnchored(walked.checked);
    // What is published names no patient: sealed anchors sign only the root and the count of heads.
    const published = await (await w.fetch(`${w.primary}/public/audit-anchors`)).text();
    expect(published).not.toMatch(/patient:|sp-|hot-/);
    for (const { jws } of (JSON.parse(published) as { anchors: { jws: string }[] }).anchors) expect(decodeJwt(jws)).not.toHaveProperty('chains');
    const after = await verify();
    expect(after.intact, JSON.stringify([after.problems.slice(0, 5), after.anchors.problems.slice(0, 5)])).toBe(true);
    // Nothing lost: every read and search made one event, and the check before made its own.
    expect(after.checked - before.checked).toBe(1 + N + HOT + 1 + 1); // the check before, the reads, her accounting search, the walk above
    expect(after.chains).toBeGreaterThanOrEqual(N + 1);
    expect(after.anchors.checked).toBeGreaterThan(0);
  }, 240_000);

  it('makes a revocation through one worker effective on the next read through the other', async () => {
    for (const [type, id] of [
      ['Patient', 'rv-1'],
      ['Organization', 'clinic-oak-org'],
      ['Practitioner', 'dr-w'],
    ] as const)
      expect((await put(`${type}/${id}`, source, { resourceType: type, id, meta: { source: 'urn:test:worker' } })).status).toBeLessThan(300);
    const patient = await patientToken('rv-1');
    const clinician = await w.issuer.mint(clinicianClaims('dr.w', 'dr-w'));
    const readThroughReplica = async () => (await w.fetch(`${w.replica}/fhir/Patient/rv-1`, { headers: { authorization: `Bearer ${clinician}` } })).status;
    // The replica has decided (and remembered) her view: permitted by her clinic's agreement.
    expect(await readThroughReplica()).toBe(200);
    expect(await readThroughReplica()).toBe(200);
    const consent = {
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ text: 'privacy' }],
      patient: { reference: 'Patient/rv-1' },
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
      provision: { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Practitioner/dr-w' } }] },
    };
    const written = await put('Consent', patient, consent, 'POST');
    expect(written.status).toBe(201);
    const id = ((await written.json()) as { id: string }).id;
    // The very next read through the other process: refused, as if she had no record.
    expect(await readThroughReplica()).toBe(404);
    const revoked = await put(`Consent/${id}`, patient, { ...consent, id, status: 'inactive' });
    expect(revoked.status).toBe(200);
    expect(await readThroughReplica()).toBe(200);
  }, 60_000);

  it('finds an edited row, a chain rewritten with its hashes recomputed, and a patient’s chain deleted whole', async () => {
    const [edited, rewritten, deleted, resealed] = await Promise.all(['sp-1', 'sp-2', 'sp-3', 'sp-4'].map(personOf));
    // Every chain is anchored as it stands now (the searches that found their persons included).
    await allAnchored((await verify()).checked, 10_000);

    let editedSeq = 0;
    // An attacker at the objects' storage, while the gateway is down (a running object keeps its pages cached).
    await w.restart(() => {
      // 1. One column of one row changed: her read made to look like a search.
      let db = new Database(w.objectFile(`patient:${edited}`));
      const read = (db.prepare('SELECT seq, row FROM audit_chain ORDER BY seq').all() as { seq: number; row: string }[]).find(
        (r) => (JSON.parse(r.row) as UnchainedRow).interaction === 'read',
      )!;
      editedSeq = read.seq;
      db.prepare('UPDATE audit_chain SET row = ? WHERE seq = ?').run(JSON.stringify({ ...JSON.parse(read.row), interaction: 'search-type' }), read.seq);
      db.close();

      // 2. The same edit, then every hash after it recomputed: the chain alone still verifies.
      rewrite(`patient:${rewritten}`);

      // 3. Her events deleted, and her chain struck from the anchor object's list.
      db = new Database(w.objectFile(`patient:${deleted}`));
      db.prepare('DELETE FROM audit_chain').run();
      db.close();
      db = new Database(w.anchorFile());
      db.prepare('DELETE FROM heads WHERE chain = ?').run(`patient:${deleted}`);

      db.close();
    });

    const verdict = await verify();
    expect(verdict.intact).toBe(false);
    expect(verdict.problems).toContainEqual({ chain: `patient:${edited}`, seq: editedSeq, problem: 'hash' });
    expect(verdict.problems.filter((p) => p.chain !== `patient:${edited}`)).toEqual([]);
    const anchorProblems = verdict.anchors.problems.map((p) => `${p.chain} ${p.problem}`);
    expect(anchorProblems).toContain(`patient:${rewritten} changed`);
    expect(anchorProblems).toContain(`patient:${deleted} missing`);
    // 4. Then a chain rewritten, and the heads the anchor object keeps beside its sealed anchors
    // rewritten to match: its rows verify alone, no kept head names its old hashes, but the
    // signed roots no longer match what is kept.
    await w.restart(() => {
      const forged = rewrite(`patient:${resealed}`);
      const db = new Database(w.anchorFile());
      for (const a of db.prepare('SELECT n, heads FROM anchors').all() as { n: number; heads: string }[]) {
        const heads = (JSON.parse(a.heads) as { chain: string; seq: number; hash: string }[]).map((h) =>
          h.chain === `patient:${resealed}` ? { ...h, hash: forged.get(h.seq)! } : h,
        );
        db.prepare('UPDATE anchors SET heads = ? WHERE n = ?').run(JSON.stringify(heads), a.n);
      }
      db.close();
    });
    const resealedVerdict = await verify();
    expect(resealedVerdict.intact).toBe(false);
    // Its rows verify alone (no hash problem); what gives it away is the anchors, and the anchored
    // mark the anchor object keeps for it, which no anchor that still opens covers.
    expect(resealedVerdict.problems.filter((p) => p.chain === `patient:${resealed}`).map((p) => p.problem)).toEqual(['ahead']);
    expect(resealedVerdict.anchors.problems.map((p) => p.problem)).toContain('heads');
  }, 60_000);
});
