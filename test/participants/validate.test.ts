import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { checkJwks, findOverlap, normalisePeriod, parseDuaCsv, validateDuaLines } from '../../src/participants/index.js';

const period = (start: string, end: string) => normalisePeriod(start, end);

describe('effective periods of DUA versions', () => {
  it('reads a date-only start as the start of that day and a date-only end as its end (UTC)', () => {
    expect(period('2026-01-01', '2026-06-30')).toEqual({ start: '2026-01-01T00:00:00.000Z', end: '2026-06-30T23:59:59.999Z' });
    expect(period('2026-01-01T08:00:00+02:00', '')).toEqual({ start: '2026-01-01T06:00:00.000Z', end: '' });
  });

  it('refuses a start after the end, and what is not a date', () => {
    expect(() => period('2026-07-01', '2026-06-30')).toThrow(/after its end/);
    expect(() => period('July', '')).toThrow(/not a date/);
    expect(() => period('2026-02-30', '')).toThrow(/not a date/);
  });

  it('finds the version a new period overlaps, including at one shared day and with open ends', () => {
    const versions = [
      { version: 1, ...period('2024-01-01', '2025-12-31') },
      { version: 2, ...period('2026-01-01', '2026-06-30') },
    ];
    expect(findOverlap(versions, period('2026-07-01', ''))).toBeUndefined();
    expect(findOverlap(versions, period('2026-06-30', '2027-01-01'))?.version).toBe(2);
    expect(findOverlap(versions, period('2020-01-01', '2024-01-01'))?.version).toBe(1);
    expect(findOverlap([{ version: 3, start: '', end: '' }], period('1999-01-01', '1999-01-02'))?.version).toBe(3);
    // A version is compared with the others, not itself (ending a version early).
    expect(findOverlap(versions, period('2026-01-01', '2026-03-31'), 2)).toBeUndefined();
  });
});

describe('backend client key sets', () => {
  it('accepts public EC and RSA keys', async () => {
    const ec = await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey);
    const rsa = await exportJWK((await generateKeyPair('RS384', { extractable: true })).publicKey);
    expect(
      await checkJwks({
        keys: [
          { ...ec, kid: 'a' },
          { ...rsa, kid: 'b', alg: 'RS384' },
        ],
      }),
    ).toEqual([]);
  });

  it('refuses private key material, and says so without echoing it', async () => {
    const privateJwk = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
    const problems = await checkJwks({ keys: [privateJwk] });
    expect(problems.join()).toMatch(/private key material/);
    expect(problems.join()).not.toContain(privateJwk.d);
  });

  it('refuses what is not a usable key set', async () => {
    for (const bad of [
      null,
      {},
      { keys: [] },
      { keys: 'x' },
      { keys: [{ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }] },
      { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] },
      { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }] },
    ]) {
      expect((await checkJwks(bad)).length, JSON.stringify(bad)).toBeGreaterThan(0);
    }
  });
});

describe('DUA lines', () => {
  it('reads policies/duas.csv lines grouped by agreement', () => {
    const groups = parseDuaCsv(`# comment
p, dua-a, Organization/a, TREAT, *, *, any, 2024-01-01, 2028-12-31, active
p, dua-a, Organization/a, ETREAT, *, *, any, 2024-01-01, 2028-12-31, active
p, dua-b, Organization/b, HPAYMT, Coverage, normal, member, 2024-01-01, 2028-12-31, active`);
    expect(groups).toEqual([
      {
        dua: 'dua-a',
        organization: 'Organization/a',
        start: '2024-01-01',
        end: '2028-12-31',
        status: 'active',
        lines: [
          { purpose: 'TREAT', cls: '*', category: '*', scope: 'any' },
          { purpose: 'ETREAT', cls: '*', category: '*', scope: 'any' },
        ],
      },
      {
        dua: 'dua-b',
        organization: 'Organization/b',
        start: '2024-01-01',
        end: '2028-12-31',
        status: 'active',
        lines: [{ purpose: 'HPAYMT', cls: 'Coverage', category: 'normal', scope: 'member' }],
      },
    ]);
    expect(() => parseDuaCsv('p, dua-a, Organization/a, TREAT')).toThrow(/line 1/);
  });

  it('refuses an unknown purpose, class, category or scope, naming the line', () => {
    expect(validateDuaLines([{ purpose: 'TREAT', cls: 'Observation', category: 'normal', scope: 'any' }])).toEqual([]);
    const problems = validateDuaLines([
      { purpose: 'MARKETING', cls: '*', category: '*', scope: 'any' },
      { purpose: 'TREAT', cls: 'observation', category: 'secret', scope: 'everyone' },
    ]);
    expect(problems.join('\n')).toMatch(/line 1: unknown purpose 'MARKETING'/);
    expect(problems.join('\n')).toMatch(/line 2: .*class/);
    expect(problems.join('\n')).toMatch(/line 2: .*category/);
    expect(problems.join('\n')).toMatch(/line 2: .*scope/);
    expect(validateDuaLines([])).toEqual(['a DUA version needs at least one line']);
  });
});
