import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anchorNow, anchorSigner, listAnchors, merkleRoot, verifyAnchors } from '../../src/audit/anchors.js';
import { chainHash } from '../../src/audit/chain.js';
import { AuditLog } from '../../src/audit/log.js';
import { chainedText } from '../../src/audit/rows.js';
import { verifyTrail, verifyWholeChain } from '../../src/audit/verify.js';
import type { SqliteDatabase } from '../../src/db/sqlite.js';
import { generateSigningKey, publicJwks } from '../../src/keys/index.js';
import { createApp } from '../../src/app.js';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { tempDb, testDeps } from '../helpers/db.js';

const ISSUER = 'https://gateway.example.org';
const clock = () => new Date('2026-12-02T12:00:00.000Z');

async function trail(events: number) {
  const db = tempDb();
  const log = new AuditLog(db);
  for (let i = 0; i < events; i++) await log.record({ id: `ev-${i}`, recorded: `2026-12-02T10:00:${String(i % 60).padStart(2, '0')}.000Z` }, `person-${i % 3}`);
  const key = await generateSigningKey(new Date());
  const sign = anchorSigner(key.privateJwk, ISSUER);
  return { db, log, sign, jwks: publicJwks([key]) };
}

const saved = async (db: SqliteDatabase) => (await listAnchors(db)).map((a) => a.jws);

/** The attack the red team made: edit one row, then recompute every later hash, so the chain verifies. */
function rewriteFrom(db: SqliteDatabase, seq: number, edit: string) {
  db.sqlite.prepare(edit).run();
  const rows = db.sqlite.prepare('SELECT * FROM audit_events WHERE seq >= ? ORDER BY seq').all(seq) as Record<string, unknown>[];
  let prev =
    (db.sqlite
      .prepare('SELECT hash FROM audit_events WHERE seq = ?')
      .pluck()
      .get(seq - 1) as string | undefined) ?? '0'.repeat(64);
  for (const row of rows) {
    const camel = Object.fromEntries(Object.entries(row).map(([k, v]) => [k.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()), v]));
    const hash = chainHash(prev, chainedText(camel as never));
    db.sqlite.prepare('UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?').run(prev, hash, row.seq);
    prev = hash;
  }
}

describe('the Merkle root of chain heads (RFC 6962)', () => {
  it('is the RFC 6962 tree hash: empty, one leaf, and a split at the largest power of two', () => {
    const leaf = (s: string) => sha256(concatBytes(new Uint8Array([0]), utf8ToBytes(s)));
    const node = (l: Uint8Array, r: Uint8Array) => sha256(concatBytes(new Uint8Array([1]), l, r));
    expect(merkleRoot([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(merkleRoot(['a'])).toBe(bytesToHex(leaf('a')));
    expect(merkleRoot(['a', 'b', 'c'])).toBe(bytesToHex(node(node(leaf('a'), leaf('b')), leaf('c'))));
  });

  it('changes when any head changes', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 12 }), fc.nat(), (leaves, pick) => {
        const changed = [...leaves];
        changed[pick % leaves.length] += 'x';
        expect(merkleRoot(changed)).not.toBe(merkleRoot(leaves));
      }),
    );
  });
});

describe('signed anchors of the audit trail', () => {
  it('hold for an untouched trail, and a new one is made only when the trail has grown', async () => {
    const { db, log, sign, jwks } = await trail(5);
    expect(await anchorNow(db, sign, clock)).toBe(5);
    expect(await anchorNow(db, sign, clock)).toBeUndefined();
    await log.record({ id: 'ev-late', recorded: '2026-12-02T11:00:00.000Z' }, undefined);
    expect(await anchorNow(db, sign, clock)).toBe(6);
    expect(await verifyAnchors(db, await saved(db), jwks, ISSUER)).toEqual([]);
  });

  it('show the newest events cut off, which the chain alone does not (red team)', async () => {
    const { db, sign, jwks } = await trail(6);
    await anchorNow(db, sign, clock);
    db.sqlite.prepare('DELETE FROM audit_events WHERE seq > 3').run();
    expect((await verifyWholeChain(db)).problems).toEqual([]);
    expect(await verifyAnchors(db, await saved(db), jwks, ISSUER)).toEqual([{ anchor: 0, seq: 6, problem: 'missing' }]);
    // What the CLI and the console run: the chain, then the trail's own anchors.
    expect((await verifyTrail(db, jwks)).anchors).toEqual({ checked: 1, problems: [{ anchor: 0, seq: 6, problem: 'missing' }] });
  });

  it('show an event edited and every later hash recomputed (red team)', async () => {
    const { db, sign, jwks } = await trail(6);
    await anchorNow(db, sign, clock);
    rewriteFrom(db, 2, "UPDATE audit_events SET person = 'someone-else' WHERE seq = 2");
    expect((await verifyWholeChain(db)).problems).toEqual([]);
    expect(await verifyAnchors(db, await saved(db), jwks, ISSUER)).toEqual([{ anchor: 0, seq: 6, problem: 'changed' }]);
  });

  it('kept elsewhere, show an emptied trail whose own anchors were deleted too', async () => {
    const { db, sign, jwks } = await trail(4);
    await anchorNow(db, sign, clock);
    const copy = await saved(db);
    db.sqlite.exec('DELETE FROM audit_events; DELETE FROM audit_anchors');
    expect((await verifyWholeChain(db)).problems).toEqual([]);
    expect(await verifyAnchors(db, await saved(db), jwks, ISSUER)).toEqual([]);
    expect(await verifyAnchors(db, copy, jwks, ISSUER)).toEqual([{ anchor: 0, seq: 4, problem: 'missing' }]);
  });

  it('are refused when signed by another key, for another issuer, or with a root that is not their heads', async () => {
    const { db, jwks } = await trail(3);
    const other = await generateSigningKey(new Date());
    const forged = await anchorSigner(other.privateJwk, ISSUER)({ chains: [{ chain: 'gateway', seq: 3, hash: 'f'.repeat(64) }], root: merkleRoot([]) });
    expect(await verifyAnchors(db, [forged], jwks, ISSUER)).toEqual([{ anchor: 0, problem: 'signature' }]);
    const key = await generateSigningKey(new Date());
    const elsewhere = await anchorSigner(key.privateJwk, 'https://other.example.org')({ chains: [], root: merkleRoot([]) });
    expect(await verifyAnchors(db, [elsewhere], publicJwks([key]), ISSUER)).toEqual([{ anchor: 0, problem: 'signature' }]);
    const badRoot = await anchorSigner(key.privateJwk, ISSUER)({ chains: [{ chain: 'gateway', seq: 1, hash: 'a'.repeat(64) }], root: merkleRoot([]) });
    expect(await verifyAnchors(db, [badRoot], publicJwks([key]), ISSUER)).toEqual([{ anchor: 0, problem: 'root' }]);
  });

  it('are published at /public/audit-anchors, newest first, verifiable with the gateway\u2019s keys', async () => {
    const { db, log, sign, jwks } = await trail(2);
    await anchorNow(db, sign, clock);
    await log.record({ id: 'ev-more', recorded: '2026-12-02T11:00:00.000Z' }, undefined);
    await anchorNow(db, sign, clock);
    const app = createApp(testDeps(db, { audit: log, config: { ...testDeps(db).config, baseUrl: ISSUER } }));
    const res = await app.request('/public/audit-anchors');
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const body = (await res.json()) as { issuer: string; anchors: { seq: number; jws: string }[] };
    expect(body.issuer).toBe(ISSUER);
    expect(body.anchors.map((a) => a.seq)).toEqual([3, 2]);
    const { payload } = await jwtVerify(body.anchors[0]!.jws, createLocalJWKSet(jwks), { issuer: ISSUER, typ: 'audit-anchor+jwt' });
    expect(payload).toMatchObject({ chains: [{ chain: 'gateway', seq: 3 }] });
  });
});
