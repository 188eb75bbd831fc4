import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { generateKeyPair, exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anchorClaims, anchorSigner } from '../../src/audit/anchors.js';
import { coveredBy, startRig, until, type Rig } from './helpers.js';

/**
 * Guarantee 2, attacked by someone who can write the objects' SQLite files (the anchor object's
 * included), once signed anchors published at /public/audit-anchors cover the chain.
 */
describe('red team 5: the anchor object under an attacker with storage access', () => {
  let r: Rig;
  const persons: Record<string, string> = {};
  const ids = ['an-1', 'an-2', 'an-3', 'an-4', 'an-5', 'an-6'];

  const readHer = async (id: string, times: number) => {
    const t = await r.patientToken(id);
    for (let i = 0; i < times; i++) expect((await r.send(i % 2 ? r.w.replica! : r.w.primary, `/fhir/Patient/${id}`, t)).status).toBe(200);
  };
  const headOf = (chain: string) => {
    const db = new Database(r.objectFile(chain), { readonly: true });
    try {
      return (db.prepare('SELECT max(seq) AS s FROM audit_chain').get() as { s: number }).s;
    } finally {
      db.close();
    }
  };
  const anchoredAtHead = (chain: string) => until(async () => (await r.anchoredHeads()).get(chain) === headOf(chain));

  beforeAll(async () => {
    r = await startRig();
    await r.seedPatients(ids);
    for (const id of ids) persons[id] = await r.personOf(id);
    for (const id of ids) await readHer(id, 3);
    for (const id of ids) await anchoredAtHead(`patient:${persons[id]}`);
    const v = await r.verify();
    expect(v.intact, JSON.stringify(v)).toBe(true);
  }, 240_000);

  afterAll(async () => {
    await r?.w.stop();
  });

  it('A1: a whole chain deleted with its heads row AND the anchor rows that name it is still found (the anchors were published)', async () => {
    const chain = `patient:${persons['an-1']}`;
    const published = await r.anchorJws();
    expect((await r.anchoredHeads()).has(chain)).toBe(true);
    await r.w.restart(() => {
      let db = new Database(r.objectFile(chain));
      db.prepare('DELETE FROM audit_chain').run();
      db.close();
      db = new Database(r.anchorFile());
      db.prepare('DELETE FROM heads WHERE chain = ?').run(chain);
      const rows = db.prepare('SELECT * FROM anchors').all() as { n: number; jws: string; heads?: string | null }[];
      for (const row of rows) if (coveredBy(row).some((h) => h.chain === chain)) db.prepare('DELETE FROM anchors WHERE n = ?').run(row.n);
      db.close();
    });
    // The verifier is even handed the published copies (if it accepts any).
    const verdict = await r.verify(JSON.stringify({ anchors: published }));
    expect(verdict.intact, 'deleted chain + its anchors went unnoticed').toBe(false);
  }, 90_000);

  it('A2: a chain truncated back to an older anchored head, the newer anchors covering it replaced by copies of other anchors (no gap in numbering), is found', async () => {
    const chain = `patient:${persons['an-2']}`;
    // (A1 removed the anchors that covered every chain at once: anchor her afresh, twice.)
    await readHer('an-2', 2);
    await anchoredAtHead(chain);
    const firstAnchored = headOf(chain);
    await readHer('an-2', 4);
    await anchoredAtHead(chain);
    const head = headOf(chain);
    expect(head).toBeGreaterThan(firstAnchored);
    await r.w.restart(() => {
      let db = new Database(r.objectFile(chain));
      db.prepare('DELETE FROM audit_chain WHERE seq > ?').run(firstAnchored);
      db.close();
      db = new Database(r.anchorFile());
      db.prepare('UPDATE heads SET seq = ?, hash = (SELECT hash FROM heads WHERE chain = ?), anchored_seq = ? WHERE chain = ?').run(
        firstAnchored,
        chain,
        firstAnchored,
        chain,
      );
      const rows = db.prepare('SELECT * FROM anchors ORDER BY n').all() as { n: number; jws: string; heads?: string | null }[];
      const innocent = rows.find((row) => !coveredBy(row).some((h) => h.chain === chain))!;
      const sealed = 'heads' in innocent;
      for (const row of rows)
        if (coveredBy(row).some((h) => h.chain === chain && h.seq > firstAnchored))
          if (sealed) db.prepare('UPDATE anchors SET jws = ?, heads = ? WHERE n = ?').run(innocent.jws, innocent.heads ?? null, row.n);
          else db.prepare('UPDATE anchors SET jws = ? WHERE n = ?').run(innocent.jws, row.n);
      db.close();
    });
    const verdict = await r.verify();
    expect(verdict.intact, `chain cut from ${head} to ${firstAnchored} went unnoticed`).toBe(false);
  }, 90_000);

  it('A3: a heads row pushed far ahead (so the chain is never anchored again) is noticed, or the truncation of later events is', async () => {
    const chain = `patient:${persons['an-3']}`;
    await readHer('an-3', 2);
    await anchoredAtHead(chain);
    const anchoredBefore = (await r.anchoredHeads()).get(chain)!;
    await r.w.restart(() => {
      const db = new Database(r.anchorFile());
      db.prepare('UPDATE heads SET seq = 1000000000, anchored_seq = 1000000000 WHERE chain = ?').run(chain);
      db.close();
    });
    await readHer('an-3', 6);
    // Plenty of report (200 ms) and anchor (500 ms) intervals.
    await new Promise((res) => setTimeout(res, 4_000));
    const anchoredAfter = (await r.anchoredHeads()).get(chain)!;
    const head = headOf(chain);
    const v1 = await r.verify();
    // Then the events since are cut off.
    await r.w.restart(() => {
      const db = new Database(r.objectFile(chain));
      db.prepare('DELETE FROM audit_chain WHERE seq > ?').run(anchoredBefore);
      db.close();
    });
    const v2 = await r.verify();
    expect(
      anchoredAfter >= head || !v1.intact || !v2.intact,
      `anchoring of ${chain} silently stopped at ${anchoredAfter}; ${head - anchoredBefore} later events cut unseen`,
    ).toBe(true);
  }, 90_000);

  it('A4: an anchor forged with another key and planted in the anchor object is reported', async () => {
    const chain = `patient:${persons['an-4']}`;
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const forged = await anchorSigner(
      { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'ES256' },
      'http://gateway.test',
    )(anchorClaims([{ chain, seq: 1, hash: 'f'.repeat(64) }]));
    await r.w.restart(() => {
      const db = new Database(r.anchorFile());
      db.prepare('INSERT INTO anchors (issued_at, jws) VALUES (?, ?)').run(new Date().toISOString(), forged);
      db.close();
    });
    const verdict = await r.verify();
    expect(verdict.intact).toBe(false);
    expect(verdict.anchors.problems.map((p) => p.problem)).toContain('signature');
  }, 90_000);

  it('A5: a chain rewritten with every hash recomputed AND its object renamed is found', async () => {
    // Rows of an-5 replaced by a copy of an-6's whole (validly hashed) chain.
    const victim = `patient:${persons['an-5']}`;
    const donor = `patient:${persons['an-6']}`;
    await r.w.restart(() => {
      const from = new Database(r.objectFile(donor), { readonly: true });
      const rows = from.prepare('SELECT seq, id, row, prev_hash, hash FROM audit_chain ORDER BY seq').all() as Record<string, unknown>[];
      from.close();
      const db = new Database(r.objectFile(victim));
      db.prepare('DELETE FROM audit_chain').run();
      for (const x of rows)
        db.prepare('INSERT INTO audit_chain (seq, id, row, prev_hash, hash) VALUES (?, ?, ?, ?, ?)').run(x.seq, `${String(x.id)}x`, x.row, x.prev_hash, x.hash);
      db.close();
    });
    const verdict = await r.verify();
    expect(verdict.intact).toBe(false);
  }, 90_000);

  it('A6 (last: destroys the anchor object): the anchor object wiped and one patient chain deleted is still found', async () => {
    const chain = `patient:${persons['an-6']}`;
    const published = await r.anchorJws();
    await r.w.restart(() => {
      const db = new Database(r.objectFile(chain));
      db.prepare('DELETE FROM audit_chain').run();
      db.close();
      const f = r.anchorFile();
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${f}${suffix}`, { force: true });
    });
    const verdict = await r.verify(JSON.stringify({ anchors: published }));
    expect(verdict.intact, 'anchor object wiped + chain deleted went unnoticed').toBe(false);
  }, 90_000);
});
