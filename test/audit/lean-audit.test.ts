import fc from 'fast-check';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chainHash, GENESIS } from '../../src/audit/chain.js';
import { auditEvent, type AccessRecord } from '../../src/audit/event.js';
import { AuditLog, eventsAboutAt } from '../../src/audit/log.js';
import { verifyWholeChain } from '../../src/audit/verify.js';
import { parseScopes } from '../../src/auth/scopes.js';
import type { Requester } from '../../src/auth/requester.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { auditRows, auditTexts } from '../helpers/audit.js';
import { tempDb, tempDir } from '../helpers/db.js';

const chen: Requester = {
  kind: 'person',
  subject: 'dr.chen',
  clientId: 'clinic-oak-ehr',
  role: 'clinician',
  fhirUser: 'Practitioner/clinic-oak-prac-chen',
  organization: 'Organization/clinic-oak-org',
  scopes: parseScopes('user/*.rs'),
  scope: 'user/*.rs',
  purposes: ['TREAT'],
  tokenId: 'jti-1',
  expiresAt: 2_000_000_000,
};

const read = (id: string, person = 'person-maria', extra: Partial<AccessRecord> = {}): AccessRecord => ({
  requester: chen,
  interaction: 'read',
  query: `Observation/${id}`,
  person,
  outcome: 'permit',
  reasons: [{ layer: 'dua', effect: 'permit', ref: 'dua-oak-treat#line-1', detail: 'Treatment under the DUA' }],
  purpose: 'TREAT',
  when: '2026-12-02T10:00:00.000Z',
  id: `ev-${id}`,
  ...extra,
});

describe('the compact audit record', () => {
  it('renders, when read back from the file, exactly the BALP AuditEvent of the access it records', async () => {
    const reason = fc.record({
      layer: fc.constantFrom('self', 'law', 'dua', 'consent', 'default', 'break-glass', 'role'),
      effect: fc.constantFrom('permit', 'deny'),
      ref: fc.string({ minLength: 1, maxLength: 40 }),
      detail: fc.string(),
    });
    const requester = fc.option(
      fc.record({
        fhirUser: fc.option(fc.constantFrom('Practitioner/p1', 'Patient/pa-1', 'RelatedPerson/rp-1'), { nil: undefined }),
        organization: fc.option(fc.constantFrom('Organization/o1'), { nil: undefined }),
        role: fc.option(fc.constantFrom('clinician', 'patient', 'caregiver'), { nil: undefined }),
        clientId: fc.string({ minLength: 1, maxLength: 20 }),
        tokenId: fc.uuid(),
      }),
      { nil: undefined },
    );
    const record = fc.record({
      requester,
      interaction: fc.constantFrom('read', 'vread', 'history-instance', 'search-type', 'operation', 'create', 'update'),
      query: fc.string({ maxLength: 80 }),
      person: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
      outcome: fc.constantFrom('permit', 'deny', 'not-found', 'error'),
      reasons: fc.option(fc.array(reason, { maxLength: 9 }), { nil: undefined }),
      purpose: fc.option(fc.constantFrom('TREAT', 'HPAYMT', 'ETREAT'), { nil: undefined }),
      breakGlass: fc.option(fc.boolean(), { nil: undefined }),
      written: fc.option(fc.record({ source: fc.webUrl(), created: fc.nat(), updated: fc.nat() }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 5 }), async (records) => {
        const db = openSqlite(':memory:');
        try {
          const log = new AuditLog(db);
          const accesses = records.map((r, i) => ({
            ...r,
            requester: r.requester ? ({ ...chen, ...r.requester, kind: 'person' } as Requester) : undefined,
            when: `2026-12-02T10:00:0${i}.000Z`,
            id: `ev-${i}`,
          })) as AccessRecord[];
          await Promise.all(accesses.map((a) => log.access(a)));
          expect(auditTexts(db.sqlite).map((t) => JSON.parse(t))).toEqual(accesses.map((a) => JSON.parse(JSON.stringify(auditEvent(a)))));
          expect((await verifyWholeChain(db)).problems).toEqual([]);
        } finally {
          db.close();
        }
      }),
      { numRuns: 150 },
    );
  });

  it('stores a read in a few hundred bytes, under a third of its whole AuditEvent', async () => {
    const db = tempDb();
    await new AuditLog(db).access(read('o1'));
    const [row] = auditRows(db.sqlite);
    const stored = Object.values(row!).reduce((n: number, v) => n + String(v ?? '').length, 0);
    expect(stored).toBeLessThan(500);
    expect(JSON.stringify(auditEvent(read('o1'))).length).toBeGreaterThan(3 * stored);
  });
});

describe('the chain over compact rows', () => {
  it('detects an event moved out of her accounting by editing who it is about', async () => {
    const db = tempDb();
    const log = new AuditLog(db);
    for (const id of ['o1', 'o2', 'o3']) await log.access(read(id));
    expect((await verifyWholeChain(db)).problems).toEqual([]);
    db.sqlite.prepare("update audit_events set person = 'someone-else' where seq = 2").run();
    expect((await eventsAboutAt(log, 'person-maria', 0, 10)).length).toBe(2);
    expect((await verifyWholeChain(db)).problems).toEqual([{ seq: 2, problem: 'hash' }]);
  });

  it('detects a change to any one column a reader relies on', async () => {
    const columns = ['recorded', 'interaction', 'query', 'outcome', 'purpose', 'agent', 'role', 'organization', 'client', 'token', 'reasons', 'id'];
    for (const column of columns) {
      const db = tempDb();
      const log = new AuditLog(db);
      for (const id of ['o1', 'o2']) await log.access(read(id));
      db.sqlite.prepare(`update audit_events set ${column} = coalesce(${column}, '') || 'x' where seq = 1`).run();
      expect((await verifyWholeChain(db)).problems, column).toContainEqual({ seq: 1, problem: 'hash' });
    }
    const db = tempDb();
    const log = new AuditLog(db);
    await log.access(read('o1'));
    db.sqlite.prepare('update audit_events set break_glass = 1 where seq = 1').run();
    expect((await verifyWholeChain(db)).problems).toContainEqual({ seq: 1, problem: 'hash' });
  });

  it('detects two events swapped, and one removed', async () => {
    const db = tempDb();
    const log = new AuditLog(db);
    for (const id of ['o1', 'o2', 'o3', 'o4']) await log.access(read(id));
    db.sqlite.exec(
      `update audit_events set query = case seq when 2 then 'Observation/o3' when 3 then 'Observation/o2' end, id = case seq when 2 then 'ev-o3' when 3 then 'ev-o2' end where seq in (2, 3)`,
    );
    expect((await verifyWholeChain(db)).problems.map((p) => p.seq)).toEqual([2, 3]);
    const db2 = tempDb();
    const log2 = new AuditLog(db2);
    for (const id of ['o1', 'o2', 'o3']) await log2.access(read(id));
    db2.sqlite.prepare('delete from audit_events where seq = 2').run();
    expect((await verifyWholeChain(db2)).problems).toEqual([
      { seq: 3, problem: 'gap' },
      { seq: 3, problem: 'prev-hash' },
    ]);
  });

  it('refuses an access passed off as an event of the old form, whose hash covers only its text', async () => {
    const db = tempDb();
    const log = new AuditLog(db);
    for (const id of ['o1', 'o2']) await log.access(read(id));
    // The hash of a v1 row is over its text alone: rewrite row 2 as v1 with that text being the
    // compact row's own chained text, so the hash still matches, and move it off her record.
    const row = auditRows(db.sqlite)[1]!;
    const { chainedText } = await import('../../src/audit/rows.js');
    db.sqlite.prepare("update audit_events set kind = 'v1', resource = ?, person = null, query = null where seq = 2").run(chainedText(row));
    expect((await verifyWholeChain(db)).problems).toContainEqual({ seq: 2, problem: 'kind' });
  });

  it('verifies a trail written before the compact form and continued in it', async () => {
    const db = tempDb();
    // Two events as the gateway stored them before issue 18: the whole AuditEvent, hashed as text.
    let prev = GENESIS;
    for (const [seq, id] of [
      [1, 'old-1'],
      [2, 'old-2'],
    ] as const) {
      const content = JSON.stringify(auditEvent(read(id)));
      const hash = chainHash(prev, content);
      db.sqlite
        .prepare("insert into audit_events (seq, id, recorded, person, kind, resource, prev_hash, hash) values (?, ?, ?, 'person-maria', 'v1', ?, ?, ?)")
        .run(seq, `ev-${id}`, '2026-12-02T10:00:00.000Z', content, prev, hash);
      prev = hash;
    }
    const log = new AuditLog(db);
    await log.access(read('new-1'));
    expect((await verifyWholeChain(db)).problems).toEqual([]);
    expect((await eventsAboutAt(log, 'person-maria', 0, 10)).map((r) => JSON.parse(r.content).id)).toEqual(['ev-old-1', 'ev-old-2', 'ev-new-1']);
  });

  it.each(['here', 'thread'] as const)(
    'two writers on one file (the gateway and a CLI) never fork the chain, though each keeps the end it wrote (gateway commits %s)',
    async (commits) => {
      const dir = tempDir();
      const a = openSqlite(join(dir, 'audit.db'), { commits });
      const b = openSqlite(join(dir, 'audit.db'));
      try {
        const gateway = new AuditLog(a);
        const cli = new AuditLog(b);
        for (let i = 0; i < 20; i++) {
          await gateway.access(read(`g${i}`));
          if (i % 3 === 0) await cli.record({ id: `cli-${i}`, recorded: '2026-12-02T10:00:00.000Z' }, undefined);
          if (i % 5 === 0)
            await Promise.all([gateway.access(read(`g${i}b`)), cli.record({ id: `cli-${i}b`, recorded: '2026-12-02T10:00:00.000Z' }, undefined)]);
        }
        const verdict = await verifyWholeChain(a);
        expect(verdict.problems).toEqual([]);
        expect(verdict.checked).toBe(20 + 7 + 4 * 2);
      } finally {
        a.close();
        b.close();
      }
    },
  );

  it('detects a legacy row whose columns no longer say what its hashed event says (person, time, id)', async () => {
    // Found by the red team: a legacy row is hashed as its AuditEvent text alone, so an edit of its
    // person column took the event out of her accounting unseen.
    const edits = [
      "update audit_events set person = 'someone-else' where seq = 1",
      'update audit_events set person = null where seq = 1',
      "update audit_events set recorded = '2020-01-01T00:00:00.000Z' where seq = 1",
      "update audit_events set id = 'ev-other' where seq = 1",
    ];
    for (const edit of edits) {
      const db = tempDb();
      const content = JSON.stringify(auditEvent(read('old-1')));
      db.sqlite
        .prepare(
          "insert into audit_events (seq, id, recorded, person, kind, resource, prev_hash, hash) values (1, 'ev-old-1', ?, 'person-maria', 'v1', ?, ?, ?)",
        )
        .run('2026-12-02T10:00:00.000Z', content, GENESIS, chainHash(GENESIS, content));
      expect((await verifyWholeChain(db)).problems, 'the untouched legacy row').toEqual([]);
      db.sqlite.prepare(edit).run();
      expect((await verifyWholeChain(db)).problems, edit).toEqual([{ seq: 1, problem: 'columns' }]);
    }
  });
});
