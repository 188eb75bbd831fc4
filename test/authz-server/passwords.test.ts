import { beforeAll, describe, expect, it } from 'vitest';
import { DUMMY_HASH, hashPassword, verifyPassword } from '../../src/authz-server/passwords.js';

const PASSWORD = 'correct horse battery staple';
let first: string;
let second: string;

beforeAll(async () => {
  [first, second] = await Promise.all([hashPassword(PASSWORD), hashPassword(PASSWORD)]);
});

describe('passwords', () => {
  it('uses the self-describing scrypt format with OWASP costs', () => {
    expect(first.startsWith('scrypt$32768$8$1$')).toBe(true);
    const [, , , , salt, hash] = first.split('$');
    expect(Buffer.from(salt!, 'base64url')).toHaveLength(16);
    expect(Buffer.from(hash!, 'base64url')).toHaveLength(32);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const [right, wrong, prefix] = await Promise.all([
      verifyPassword(PASSWORD, first),
      verifyPassword('correct horse battery stapler', first),
      verifyPassword('correct horse', first),
    ]);
    expect(right).toBe(true);
    expect(wrong).toBe(false);
    expect(prefix).toBe(false);
  });

  it('salts: two hashes of one password differ, and each verifies', async () => {
    expect(second).not.toBe(first);
    expect(second.split('$')[4]).not.toBe(first.split('$')[4]);
    expect(await verifyPassword(PASSWORD, second)).toBe(true);
  });

  it('normalises the password (NFKC) before hashing', async () => {
    const composed = await hashPassword('caf\u00e9');
    expect(await verifyPassword('cafe\u0301', composed)).toBe(true);
  });

  it('returns false for a malformed stored hash', async () => {
    for (const stored of [
      '',
      'not a hash',
      'bcrypt$32768$8$1$AAAA$AAAA',
      'scrypt$32768$8$1$',
      'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$',
      first.replace(/\$[^$]+$/, '$c2hvcnQ'),
    ]) {
      expect(await verifyPassword(PASSWORD, stored), JSON.stringify(stored)).toBe(false);
    }
  });

  it('returns false (does not throw) when the stored cost parameters are malformed', async () => {
    const [, , , , salt, hash] = first.split('$');
    for (const params of ['abc$8$1', '1000$8$1', '$8$1', '0$8$1']) {
      await expect(verifyPassword(PASSWORD, `scrypt$${params}$${salt}$${hash}`), params).resolves.toBe(false);
    }
  });

  it('never matches the dummy hash used for unknown accounts', async () => {
    expect(DUMMY_HASH.startsWith('scrypt$32768$8$1$')).toBe(true);
    expect(await verifyPassword('', DUMMY_HASH)).toBe(false);
  });
});
