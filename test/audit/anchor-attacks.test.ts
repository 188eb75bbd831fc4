/**
 * The audit trail's tamper evidence (hash chain and signed anchors), attacked by the red team. The attacker can
 * write audit.db but has no signing key. Each test FAILS when the attack gets past the check
 * (`verifyTrail`: what `npm run audit:verify` and the console's check run).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchorNow, anchorSigner, listAnchors } from '../../src/audit/anchors.js';
import { chainHash } from '../../src/audit/chain.js';
import { AuditLog, countEventsAbout, eventsAboutAt } from '../../src/audit/log.js';
import { verifyTrail } from '../../src/audit/verify.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { addSigningKey, loadSigningKeys } from '../../src/entry/keys-on-disk.js';
import { generateSigningKey, publicJwks } from '../../src/keys/index.js';
import { chainStatus } from '../../src/operations/chain.js';
import { tempDb } from '../helpers/db.js';

const ISSUER = 'https://gateway.example.org';
const clock = () => new Date('2026-12-02T12:00:00.000Z');

async function trail(events: number) {
  const db = tempDb();
  const log = new AuditLog(db);
  for (let i = 0; i < events; i++)
    await log.access({
      id: `ev-${i}`,
      when: `2026-12-02T10:00:${String(i % 60).padStart(2, '0')}.000Z`,
      requester: {
        kind: 'person',
        subject: 'dr.chen',
        clientId: 'portal',
        role: 'clinician',
        fhirUser: 'Practitioner/p',
        organization: 'Organization/o',
        purposes: ['TREAT'],
        scopes: [],
        scope: '',
        tokenId: 't',
        expiresAt: 9e9,
      },
      interaction: 'read',
      query: 'Condition/c1',
      outcome: 'permit',
      person: 'maria',
    } as never);
  const key = await generateSigningKey(new Date());
  const sign = anchorSigner(key.privateJwk, ISSUER);
  return { db, log, sign, jwks: publicJwks([key]) };
}

const problemsOf = async (v: Awaited<ReturnType<typeof verifyTrail>>) => [...v.problems, ...v.anchors.problems];

describe('audit trail tamper evidence against the anchors (attacks by the red team)', () => {
  it('A1: an event inserted at seq 0 (or below) is seen by verify (it is in her accounting)', async () => {
    const { db, sign, jwks } = await trail(4);
    await anchorNow(db, sign, clock);
    const before = await countEventsAbout({ db } as unknown as AuditLog, 'maria');
    // A fabricated disclosure, in front of the chain: any hash will do, verify starts at seq > 0.
    db.sqlite
      .prepare(
        `INSERT INTO audit_events (seq, id, recorded, person, kind, resource, prev_hash, hash) VALUES (0, 'forged', '2026-12-01T09:00:00.000Z', 'maria', 'event', ?, 'x', 'y')`,
      )
      .run(JSON.stringify({ resourceType: 'AuditEvent', id: 'forged', recorded: '2026-12-01T09:00:00.000Z', outcomeDesc: 'disclosed to Organization/evil' }));
    db.sqlite
      .prepare(
        `INSERT INTO audit_events (seq, id, recorded, person, kind, resource, prev_hash, hash) VALUES (-7, 'forged2', '2026-12-01T08:00:00.000Z', 'maria', 'event', ?, 'x', 'y')`,
      )
      .run(JSON.stringify({ resourceType: 'AuditEvent', id: 'forged2' }));
    // Her accounting now shows them first...
    expect(await countEventsAbout({ db } as unknown as AuditLog, 'maria')).toBe(before + 2);
    const first = await eventsAboutAt({ db } as unknown as AuditLog, 'maria', 0, 1);
    expect(first[0]!.content).toContain('"id":"forged2"');
    // ...and the check must say so.
    const verdict = await verifyTrail(db, jwks);
    expect(await problemsOf(verdict), 'rows at seq <= 0 are never walked by verifyWholeChain (gt(seq, 0))').not.toEqual([]);
  });

  it('A1 (CLI): npm run audit:verify exits 1 on an event inserted at seq 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rt3-data-'));
    const keysDir = mkdtempSync(join(tmpdir(), 'rt3-keys-'));
    await addSigningKey(keysDir, new Date());
    const ring = await loadSigningKeys(keysDir, new Date(), 0);
    const db = openSqlite(join(dataDir, 'audit.db'));
    const log = new AuditLog(db);
    for (let i = 0; i < 3; i++) await log.record({ id: `e${i}`, recorded: '2026-12-02T10:00:00.000Z' }, 'maria');
    await anchorNow(db, anchorSigner(ring.signing.privateJwk, ISSUER), clock);
    db.sqlite
      .prepare(
        `INSERT INTO audit_events (seq, id, recorded, person, kind, resource, prev_hash, hash) VALUES (0, 'forged', '2026-12-01T09:00:00.000Z', 'maria', 'event', '{}', 'x', 'y')`,
      )
      .run();
    db.close();
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/audit-verify.ts'], {
      env: { ...process.env, DATA_DIR: dataDir, KEYS_DIR: keysDir },
      encoding: 'utf8',
    });
    expect(run.status, `CLI said: ${run.stdout}${run.stderr}`).toBe(1);
  });

  it('A2: an anchor row whose seq column is raised (its JWS untouched) stops all later anchoring, and a later cut goes unseen', async () => {
    const { db, log, sign, jwks } = await trail(3);
    await anchorNow(db, sign, clock);
    // The attacker re-files the (valid) anchor under a huge sequence number.
    db.sqlite.prepare('UPDATE audit_anchors SET seq = 1000000000').run();
    for (let i = 0; i < 5; i++) await log.record({ id: `later-${i}`, recorded: '2026-12-02T11:00:00.000Z' }, 'maria');
    const anchored = await anchorNow(db, sign, clock);
    // Later the events written since are cut off; nothing anchored them.
    db.sqlite.prepare('DELETE FROM audit_events WHERE seq > 3').run();
    const verdict = await verifyTrail(db, jwks);
    expect(
      { anchoredAfterGrowth: anchored, problems: await problemsOf(verdict) },
      'the row seq column is trusted by anchorNow and never compared with the JWS claims by verify',
    ).not.toMatchObject({ anchoredAfterGrowth: undefined, problems: [] });
  });

  it('A3: an old anchor replayed into the newest anchor row (events after it cut) is seen by verify', async () => {
    const { db, log, sign, jwks } = await trail(3);
    await anchorNow(db, sign, clock);
    for (let i = 0; i < 3; i++) await log.record({ id: `later-${i}`, recorded: '2026-12-02T11:00:00.000Z' }, 'maria');
    await anchorNow(db, sign, clock);
    const [newest, oldest] = await listAnchors(db);
    expect(newest!.seq).toBe(6);
    db.sqlite.prepare('UPDATE audit_anchors SET jws = ? WHERE seq = 6').run(oldest!.jws);
    db.sqlite.prepare('DELETE FROM audit_events WHERE seq > 3').run();
    const verdict = await verifyTrail(db, jwks);
    expect(await problemsOf(verdict), 'row 6 now holds the anchor of seq 3; verify reads only the JWS').not.toEqual([]);
  });

  it('A4: a forged "audit-verify ok" in the unhashed resource column of an access row is not shown by the console, and verify reports it', async () => {
    const { db, sign, jwks } = await trail(4);
    await anchorNow(db, sign, clock);
    const fake = {
      resourceType: 'AuditEvent',
      recorded: '2026-12-02T11:59:00.000Z',
      type: { code: 'audit-verify' },
      subtype: [{ code: 'audit-verify' }],
      outcomeDesc: 'intact: 4 events, 1 anchor(s) hold',
      agent: [{ who: { identifier: { value: 'alice-the-auditor' } } }],
    };
    db.sqlite.prepare('UPDATE audit_events SET resource = ? WHERE seq = 2').run(JSON.stringify(fake));
    const status = await chainStatus({ audit: new AuditLog(db) } as never, {} as never);
    expect(status.lastVerification?.by).toBeUndefined();
    const verdict = await verifyTrail(db, jwks);
    expect(await problemsOf(verdict), 'an anchored access row was changed (its resource column) and verify passed').not.toEqual([]);
  });

  it('A5: a row of an unknown kind is reported (its columns are hashed as the text "undefined")', async () => {
    const { db, sign, jwks } = await trail(2);
    await anchorNow(db, sign, clock);
    const prev = db.sqlite.prepare('SELECT hash FROM audit_events WHERE seq = 2').pluck().get() as string;
    const hash = chainHash(prev, undefined as unknown as string);
    db.sqlite
      .prepare(
        `INSERT INTO audit_events (seq, id, recorded, person, kind, resource, prev_hash, hash) VALUES (3, 'x', '2026-12-02T11:00:00.000Z', 'maria', 'bogus', '{"anything":1}', ?, ?)`,
      )
      .run(prev, hash);
    const verdict = await verifyTrail(db, jwks);
    expect(await problemsOf(verdict), 'kind is not checked: a row whose content no hash covers verifies').not.toEqual([]);
  });
});
