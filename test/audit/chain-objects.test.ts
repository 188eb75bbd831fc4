import Database from 'better-sqlite3';
import fc from 'fast-check';
import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { anchorSigner, sealedAnchorClaims, type ChainHead } from '../../src/audit/anchors.js';
import { ChainStore, type SqlExec } from '../../src/audit/chain-store.js';
import { verifyChains, type ChainSource } from '../../src/audit/chains.js';
import { eventRow } from '../../src/audit/rows.js';
import { VersionStore } from '../../src/consent/versions-store.js';
import { callObject, shouldRetry } from '../../src/entry/worker/retry.js';

/**
 * The Worker's chain and version stores, on the same SQLite a Durable Object has (better-sqlite3
 * in place of ctx.storage.sql, same statements), attacked where the object cannot help: a
 * retried append, a row edited at rest, a writer that dies between its two calls.
 */
const sqlOf = (db: Database.Database): SqlExec => ({
  exec: (q, ...p) => {
    const s = db.prepare(q);
    return s.reader ? (s.all(...p) as Record<string, unknown>[]) : (s.run(...p), []);
  },
});
const event = (id: string) => eventRow({ id, recorded: '2026-12-03T10:00:00.000Z' }, 'person-1');

function trail(
  stores: Map<string, ChainStore>,
  anchors: { seq: number; jws: string; heads?: ChainHead[] }[] = [],
  reported = new Map<string, { seq: number; anchored: number }>(),
): ChainSource {
  return {
    chainNames: async () => [...stores.keys()],
    rows: async (chain, after, limit) => stores.get(chain)?.rows(after, limit) ?? [],
    hashAt: async (chain, seq) => stores.get(chain)?.hashAt(seq),
    anchors: async () => anchors,
    reported: async () => reported,
  };
}

describe('a chain in an object', () => {
  it('adds a retried append once: the same ids again, in any split, leave the same chain', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 30 }), (ids) => {
        const store = new ChainStore(sqlOf(new Database(':memory:')));
        for (const id of ids) store.append([event(`e-${id}`), event(`e-${id}`)]);
        expect(store.count()).toBe(new Set(ids).size);
        // A store opened afresh over the same rows (the object evicted) ends where this one does.
        return true;
      }),
    );
  });

  it('a fresh object over the same file continues the chain, and the verifier finds an edit and a rewrite under an anchor', async () => {
    const db = new Database(':memory:');
    const a = new ChainStore(sqlOf(db));
    a.append([event('e-1'), event('e-2')]);
    const b = new ChainStore(sqlOf(db)); // evicted and started again
    expect(b.head()).toEqual(a.head());
    b.append([event('e-3')]);
    const other = new ChainStore(sqlOf(new Database(':memory:')));
    other.append([event('x-1')]);
    const stores = new Map([
      ['patient:p1', b],
      ['patient:p2', other],
    ]);
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: 'k1', alg: 'ES256' };
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] };
    const heads = [...stores].map(([chain, s]) => ({ chain, ...s.head() }));
    const sign = anchorSigner(jwk, 'https://gateway.test');
    const jws = await sign(sealedAnchorClaims(heads, 1, undefined));
    const anchor = { seq: 1, jws, heads };
    const clean = await verifyChains(trail(stores, [anchor]), jwks);
    expect([clean.checked, clean.problems, clean.anchors.problems]).toEqual([4, [], []]);
    // What is published names no patient: only the root and how many heads it covers.
    expect(Buffer.from(jws.split('.')[1]!, 'base64url').toString()).not.toMatch(/patient|p1|p2/);

    // The kept heads edited (a chain cut back, its head moved down with it), or deleted: the signed root no longer matches.
    for (const kept of [[{ ...heads[0]!, seq: 1 }, heads[1]!], [heads[0]!], [], undefined]) {
      const verdict = await verifyChains(trail(stores, [{ seq: 1, jws, ...(kept ? { heads: kept } : {}) }]), jwks);
      expect(verdict.anchors.problems, JSON.stringify(kept)).toEqual([{ anchor: 0, problem: 'heads' }]);
    }
    // A copy saved by someone else, after the trail's own anchor was deleted with its heads: found.
    const deleted = await verifyChains(trail(stores, []), jwks, [jws]);
    expect(deleted.anchors.problems).toEqual([{ anchor: 0, problem: 'heads' }]);

    // The anchors chain among themselves: the second names the first. One deleted, or replaced by a copy of another, breaks it.
    b.append([event('e-4')]);
    const heads2 = [{ chain: 'patient:p1', ...b.head() }];
    const second = { seq: 2, jws: await sign(sealedAnchorClaims(heads2, 2, jws)), heads: heads2 };
    const both = await verifyChains(trail(stores, [second, anchor]), jwks);
    expect(both.anchors.problems).toEqual([]);
    expect((await verifyChains(trail(stores, [second]), jwks)).anchors.problems).toEqual([{ anchor: 0, seq: 2, problem: 'sequence' }]);
    const copied = await verifyChains(trail(stores, [{ ...anchor, seq: 2 }, anchor]), jwks);
    expect(copied.anchors.problems).toEqual(expect.arrayContaining([{ anchor: 0, seq: 2, problem: 'row' }]));

    // A head reported past the chain's end (a forged report that would stop her chain being anchored again): found.
    const ahead = await verifyChains(trail(stores, [second, anchor], new Map([['patient:p1', { seq: 1e9, anchored: 0 }]])), jwks);
    expect(ahead.problems).toContainEqual({ chain: 'patient:p1', seq: 1e9, problem: 'ahead' });
    // Or marked as anchored further than any anchor covers it (so her later events would never be anchored): found.
    const marked = await verifyChains(trail(stores, [second, anchor], new Map([['patient:p1', { seq: 4, anchored: 1e9 }]])), jwks);
    expect(marked.problems).toContainEqual({ chain: 'patient:p1', seq: 1e9, problem: 'ahead' });
    expect((await verifyChains(trail(stores, [second, anchor], new Map([['patient:p1', { seq: 4, anchored: 4 }]])), jwks)).problems).toEqual([]);

    // The id column, which event(id) finds a row by, swapped between two rows apart from the hashed row: found.
    const ids = db.prepare('SELECT seq, id FROM audit_chain WHERE seq IN (1, 3) ORDER BY seq').all() as { seq: number; id: string }[];
    db.prepare('UPDATE audit_chain SET id = ? WHERE seq = ?').run('swap', 1);
    db.prepare('UPDATE audit_chain SET id = ? WHERE seq = ?').run(ids[0]!.id, 3);
    db.prepare('UPDATE audit_chain SET id = ? WHERE seq = ?').run(ids[1]!.id, 1);
    const swapped = await verifyChains(trail(new Map([['patient:p1', new ChainStore(sqlOf(db))]])), jwks);
    expect(swapped.problems.filter((p) => p.problem === 'hash').map((p) => p.seq)).toEqual(expect.arrayContaining([1, 3]));

    // At rest, one field of the second row changed, and every hash after it recomputed would not help: the anchor holds the old head.
    const row = db.prepare('SELECT row FROM audit_chain WHERE seq = 2').get() as { row: string };
    db.prepare('UPDATE audit_chain SET row = ? WHERE seq = 2').run(row.row.replace('person-1', 'person-2'));
    const edited = await verifyChains(trail(new Map([...stores, ['patient:p1', new ChainStore(sqlOf(db))]]), [anchor]), jwks);
    expect(edited.problems).toContainEqual(expect.objectContaining({ chain: 'patient:p1', seq: 2 }));

    // A chain struck from the list (and its rows deleted) is still walked: the anchor names it.
    const gone = await verifyChains(trail(new Map([['patient:p1', b]]), [anchor]), jwks);
    expect(gone.anchors.problems).toContainEqual(expect.objectContaining({ chain: 'patient:p2', problem: 'missing' }));
  });
});

describe('her consent version in her object', () => {
  it('never lets a view read during a write be kept: any interleaving of writers, readers and deaths', () => {
    // Each step: a writer starts, a writer ends (its second call), a writer dies (never ends), a reader reads, time passes.
    const step = fc.oneof(
      fc.constant({ k: 'start' as const }),
      fc.constant({ k: 'end' as const }),
      fc.constant({ k: 'die' as const }),
      fc.constant({ k: 'read' as const }),
      fc.integer({ min: 1, max: 40_000 }).map((ms) => ({ k: 'wait' as const, ms })),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const v = new VersionStore(sqlOf(new Database(':memory:')), 30_000);
        let now = 1_000_000;
        const live: number[] = []; // versions seen by readers while each live writer is in
        let inWrite = 0;
        const seenDuring: { version: number }[] = [];
        for (const s of steps) {
          if (s.k === 'start') {
            v.changing(now);
            inWrite++;
            live.push(now);
          } else if ((s.k === 'end' || s.k === 'die') && live.length > 0) {
            live.pop();
            if (s.k === 'end') v.changed();
            inWrite = live.length;
          } else if (s.k === 'read') {
            // A writer past its lease (30 s; a write takes milliseconds) is counted out: the
            // guarantee is for writes that finish within it, and the store cannot tell one still
            // running from one that died.
            for (let i = live.length - 1; i >= 0; i--) if (live[i]! + 30_000 <= now) live.splice(i, 1);
            inWrite = live.length;
            const c = v.current(now);
            // While a live writer is within its lease, no view is kept.
            if (live.some((t) => t + 30_000 > now)) expect(c.settled).toBe(false);
            if (inWrite > 0) seenDuring.push({ version: c.version });
            // A view kept now carries a version newer than anything read during a write that has since ended or died.
            if (c.settled && live.length === 0) for (const seen of seenDuring) expect(c.version).toBeGreaterThan(seen.version);
          } else if (s.k === 'wait') now += s.ms;
        }
      }),
    );
  });

  it('a writer killed between its two calls is counted out when its lease runs out, and the version moves then', () => {
    const v = new VersionStore(sqlOf(new Database(':memory:')), 30_000);
    v.changing(0);
    const during = v.current(10_000);
    expect(during.settled).toBe(false);
    const after = v.current(30_001);
    expect(after).toEqual({ version: during.version + 1, settled: true });
  });
});

describe('calls to an object', () => {
  const failing = (err: object) => {
    let calls = 0;
    return {
      call: async () => {
        calls++;
        throw Object.assign(new Error('object error'), err);
      },
      calls: () => calls,
    };
  };
  const noSleep = async () => undefined;

  it('retries a retryable error of an idempotent call, with backoff, then gives up', async () => {
    const f = failing({ retryable: true });
    const waits: number[] = [];
    await expect(callObject(f.call, { idempotent: true, attempts: 4, sleep: async (ms) => void waits.push(ms), random: () => 0.5 })).rejects.toThrow(
      'object error',
    );
    expect(f.calls()).toBe(4);
    expect(waits).toEqual([25, 50, 100]);
  });

  it('never retries an overloaded object, nor a call that is not idempotent', async () => {
    for (const [err, idempotent] of [
      [{ retryable: true, overloaded: true }, true],
      [{ retryable: true }, false],
      [{}, true],
    ] as const) {
      const f = failing(err);
      await expect(callObject(f.call, { idempotent, sleep: noSleep })).rejects.toThrow();
      expect(f.calls()).toBe(1);
      expect(shouldRetry(err, idempotent)).toBe(false);
    }
  });
});
