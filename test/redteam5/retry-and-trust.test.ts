import { describe, expect, it } from 'vitest';
import { callObject, shouldRetry } from '../../src/entry/worker/retry.js';
import { loadConfig } from '../../src/config/config.js';
import { resourceNamed } from '../../src/authz-server/resource-servers.js';
import { ChainStore } from '../../src/audit/chain-store.js';
import { eventRow } from '../../src/audit/rows.js';
import Database from 'better-sqlite3';

describe('red team 5: object-call retry policy (guarantee 5) and trusted gateways (guarantee 7)', () => {
  const run = async (err: object, idempotent: boolean) => {
    let calls = 0;
    await callObject(
      async () => {
        calls++;
        throw Object.assign(new Error('x'), err);
      },
      { idempotent, sleep: async () => {} },
    ).catch(() => undefined);
    return calls;
  };

  it('R1: overloaded is never retried, even when also marked retryable; retryable only when idempotent; a non-boolean "true" is not retried', async () => {
    expect(await run({ overloaded: true }, true)).toBe(1);
    expect(await run({ overloaded: true, retryable: true }, true)).toBe(1);
    expect(await run({ retryable: true }, false)).toBe(1);
    expect(await run({ retryable: true }, true)).toBeGreaterThan(1);
    expect(await run({ retryable: 'true' }, true)).toBe(1);
    expect(await run({}, true)).toBe(1);
    expect(shouldRetry(null, true)).toBe(false);
    expect(shouldRetry(undefined, true)).toBe(false);
    expect(shouldRetry('retryable', true)).toBe(false);
  });

  it('R2: a retried append (same ids, in any order, duplicated within one call) adds nothing twice', () => {
    const db = new Database(':memory:');
    const sql = {
      exec: (q: string, ...p: (string | number | null)[]) =>
        (q.trim().toUpperCase().startsWith('SELECT') ? db.prepare(q).all(...p) : (db.prepare(q).run(...p), [])) as Record<string, unknown>[],
    };
    const store = new ChainStore(sql);
    const rows = ['a', 'b', 'c'].map((id) => eventRow({ id, recorded: '2026-01-01T00:00:00.000Z' }, 'p'));
    expect(store.append(rows).added).toBe(3);
    expect(store.append([...rows].reverse()).added).toBe(0);
    expect(
      store.append([
        rows[0]!,
        rows[0]!,
        eventRow({ id: 'd', recorded: '2026-01-01T00:00:00.000Z' }, 'p'),
        eventRow({ id: 'd', recorded: '2026-01-02T00:00:00.000Z' }, 'p'),
      ]).added,
    ).toBe(1);
    // A fresh store over the same file (the object restarted) still refuses the replay.
    expect(new ChainStore(sql).append(rows).added).toBe(0);
    expect(store.count()).toBe(4);
  });

  it('T1: TRUSTED_GATEWAYS accepts only exact http(s) origins', () => {
    const bad = [
      'https://worker.example.org/fhir',
      'https://user@worker.example.org',
      'https://worker.example.org?x=1',
      'https://worker.example.org#f',
      'javascript:alert(1)',
      'worker.example.org',
      'https://WORKER.example.org',
      'https://worker.example.org:443',
      'ftp://worker.example.org',
      'https://worker.example.org/.',
    ];
    const rejected = bad.filter((o) => {
      try {
        loadConfig({ TRUSTED_GATEWAYS: o });
        return false;
      } catch {
        return true;
      }
    });
    expect(bad.filter((b) => !rejected.includes(b))).toEqual([]);
    expect(loadConfig({ TRUSTED_GATEWAYS: 'https://worker.example.org/ , http://127.0.0.1:8787' }).trustedGateways).toEqual([
      'https://worker.example.org',
      'http://127.0.0.1:8787',
    ]);
  });

  it('T1b (note): a "wildcard" origin is taken literally, never as a pattern', () => {
    // Accepted by the config (URL parses * as a host), but matched only as the exact string.
    const servers = new Set(loadConfig({ TRUSTED_GATEWAYS: 'https://*.example.org' }).trustedGateways.map((o) => `${o}/fhir`));
    expect(resourceNamed('https://evil.example.org/fhir', servers, 'http://gw.test/fhir')).toBe('http://gw.test/fhir');
  });

  it('T2: an aud naming no trusted server exactly falls back to this gateway, never to a near match', () => {
    const servers = new Set(['http://gw.test/fhir', 'https://worker.example.org/fhir']);
    for (const aud of [
      'https://worker.example.org/fhir//',
      'https://worker.example.org.evil.test/fhir',
      'https://WORKER.example.org/fhir',
      'https://worker.example.org:443/fhir',
      'https://worker.example.org/fhir?x',
      'https://worker.example.org/FHIR',
      ['https://worker.example.org/fhir'],
      { toString: () => 'https://worker.example.org/fhir' },
      null,
    ])
      expect(resourceNamed(aud, servers, 'http://gw.test/fhir'), String(aud)).toBe('http://gw.test/fhir');
    expect(resourceNamed('https://worker.example.org/fhir/', servers, 'http://gw.test/fhir')).toBe('https://worker.example.org/fhir');
  });
});
