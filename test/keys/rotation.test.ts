import { createLocalJWKSet, importJWK, jwtVerify, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { keyRing } from '../../src/keys/rotation.js';
import { generateSigningKey, publicJwks, type SigningKey } from '../../src/keys/signing-keys.js';

const HOUR = 3600;
const MAX_LIFETIME = HOUR; // seconds
const day = (n: number) => new Date(Date.UTC(2026, 0, n));
const at = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000);
const kids = (keys: readonly SigningKey[]) => keys.map((k) => k.kid);

let k1: SigningKey;
let k2: SigningKey;
let k3: SigningKey;

beforeAll(async () => {
  [k1, k2, k3] = await Promise.all([generateSigningKey(day(1)), generateSigningKey(day(10)), generateSigningKey(day(20))]);
});

describe('generateSigningKey and publicJwks', () => {
  it('makes an ES256 key whose published JWK has no private member', () => {
    expect(k1.alg).toBe('ES256');
    expect(k1.createdAt).toBe(day(1).toISOString());
    expect(k1.privateJwk.d).toBeDefined();
    const [pub] = publicJwks([k1]).keys;
    expect(pub).toEqual({ kty: 'EC', crv: 'P-256', x: k1.publicJwk.x, y: k1.publicJwk.y, kid: k1.kid, alg: 'ES256', use: 'sig' });
  });

  it('strips private members even if handed a private JWK as public', () => {
    const leaky = { ...k1, publicJwk: k1.privateJwk };
    expect(publicJwks([leaky]).keys[0]).not.toHaveProperty('d');
  });

  it('gives distinct keys distinct kids', () => {
    expect(new Set([k1.kid, k2.kid, k3.kid]).size).toBe(3);
  });
});

describe('keyRing', () => {
  it('refuses an empty key list', () => {
    expect(() => keyRing([], day(1), MAX_LIFETIME)).toThrow();
  });

  it('with a single key: it signs and is published', () => {
    const ring = keyRing([k1], day(5), MAX_LIFETIME);
    expect(ring.signing.kid).toBe(k1.kid);
    expect(kids(ring.live)).toEqual([k1.kid]);
    expect(ring.retired).toEqual([]);
  });

  it('a single key is never retired, however old', () => {
    const ring = keyRing([k1], day(300), MAX_LIFETIME);
    expect(kids(ring.live)).toEqual([k1.kid]);
    expect(ring.retired).toEqual([]);
  });

  it('the newest key signs; the old one stays published until newer.createdAt + max lifetime, then retires', () => {
    const replacedAt = day(10); // k2's creation
    for (const keys of [
      [k1, k2],
      [k2, k1],
    ]) {
      const justAfter = keyRing(keys, at(replacedAt, 1), MAX_LIFETIME);
      expect(justAfter.signing.kid).toBe(k2.kid);
      expect(kids(justAfter.live)).toEqual([k2.kid, k1.kid]);
      expect(justAfter.retired).toEqual([]);

      const atLimit = keyRing(keys, at(replacedAt, MAX_LIFETIME), MAX_LIFETIME);
      expect(kids(atLimit.live)).toEqual([k2.kid, k1.kid]);

      const after = keyRing(keys, at(replacedAt, MAX_LIFETIME + 1), MAX_LIFETIME);
      expect(after.signing.kid).toBe(k2.kid);
      expect(kids(after.live)).toEqual([k2.kid]);
      expect(kids(after.retired)).toEqual([k1.kid]);
    }
  });

  it('keeps the old key published for a whole token lifetime, not from its own creation', () => {
    // k1 is 9 days old, far older than a token lifetime, but only stopped signing an instant ago.
    const ring = keyRing([k1, k2], at(day(10), 10), MAX_LIFETIME);
    expect(kids(ring.live)).toContain(k1.kid);
  });

  it('with three keys: each older key retires a lifetime after the key that replaced it', () => {
    const keys = [k2, k3, k1];
    // Shortly after k3 appears: k2 was replaced by k3 just now; k1 was replaced by k2 ten days ago.
    const ring = keyRing(keys, at(day(20), 60), MAX_LIFETIME);
    expect(ring.signing.kid).toBe(k3.kid);
    expect(kids(ring.live)).toEqual([k3.kid, k2.kid]);
    expect(kids(ring.retired)).toEqual([k1.kid]);

    // With a lifetime longer than ten days, k1 would still be published.
    const longLived = keyRing(keys, at(day(20), 60), 11 * 24 * HOUR);
    expect(kids(longLived.live)).toEqual([k3.kid, k2.kid, k1.kid]);

    // A lifetime after k3 appeared, only k3 is left.
    const later = keyRing(keys, at(day(20), MAX_LIFETIME + 1), MAX_LIFETIME);
    expect(kids(later.live)).toEqual([k3.kid]);
    expect(kids(later.retired)).toEqual([k2.kid, k1.kid]);
  });

  it('end to end: a token signed by the old key verifies until that key retires', async () => {
    const signedAt = at(day(10), -60); // k1 was still the signing key
    const before = keyRing([k1], signedAt, MAX_LIFETIME);
    expect(before.signing.kid).toBe(k1.kid);
    const iat = Math.floor(signedAt.getTime() / 1000);
    const token = await new SignJWT({ sub: 'hosp-mercy' })
      .setProtectedHeader({ alg: 'ES256', kid: before.signing.kid, typ: 'at+jwt' })
      .setIssuedAt(iat)
      .setExpirationTime(iat + MAX_LIFETIME)
      .sign(await importJWK(before.signing.privateJwk, 'ES256'));

    const verifyAt = (now: Date) => {
      const jwks = createLocalJWKSet(publicJwks(keyRing([k1, k2], now, MAX_LIFETIME).live));
      return jwtVerify(token, jwks, { algorithms: ['ES256'], currentDate: now, clockTolerance: 0 });
    };

    // After rotation, while k1 is still published and the token still alive.
    await expect(verifyAt(at(day(10), 30))).resolves.toMatchObject({ payload: { sub: 'hosp-mercy' } });
    // After k1 retires, the JWKS no longer has it (checked here with a clock that ignores exp, so only the key is at stake).
    const retiredAt = at(day(10), MAX_LIFETIME + 1);
    const jwks = createLocalJWKSet(publicJwks(keyRing([k1, k2], retiredAt, MAX_LIFETIME).live));
    await expect(jwtVerify(token, jwks, { algorithms: ['ES256'], currentDate: at(day(10), 30) })).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    // And a token signed by the new key verifies against the same JWKS.
    const fresh = await new SignJWT({ sub: 'hosp-mercy' })
      .setProtectedHeader({ alg: 'ES256', kid: k2.kid, typ: 'at+jwt' })
      .sign(await importJWK(k2.privateJwk, 'ES256'));
    await expect(jwtVerify(fresh, jwks, { algorithms: ['ES256'] })).resolves.toMatchObject({ payload: { sub: 'hosp-mercy' } });
  });

  it('a retired key stays published, verification only: a receipt it signed years ago still verifies', async () => {
    const signedAt = day(5); // k1 signs a consent receipt
    const receipt = await new SignJWT({ consent: 'Consent/c1' })
      .setProtectedHeader({ alg: 'ES256', kid: k1.kid, typ: 'consent-receipt+jwt' })
      .setIssuedAt(Math.floor(signedAt.getTime() / 1000))
      .sign(await importJWK(k1.privateJwk, 'ES256'));
    const muchLater = new Date(Date.UTC(2029, 0, 1));
    const ring = keyRing([k3, k1, k2], muchLater, MAX_LIFETIME);
    expect(ring.signing.kid).toBe(k3.kid);
    expect(kids(ring.live)).toEqual([k3.kid]);
    expect(kids(ring.retired)).toEqual([k2.kid, k1.kid]);
    // Newest first, so whatever signs with the first key signs with the signing key.
    expect(kids(ring.published)).toEqual([k3.kid, k2.kid, k1.kid]);
    await expect(jwtVerify(receipt, createLocalJWKSet(publicJwks(ring.published)), { algorithms: ['ES256'], currentDate: muchLater })).resolves.toMatchObject({ payload: { consent: 'Consent/c1' } });
  });

  it('invariant: a token signed by any key at any instant stays verifiable for its whole lifetime', () => {
    const keys = [k1, k2, k3];
    // Sample signing instants around each rotation, and check the signer is published until the token expires.
    for (const signedAt of [at(day(1), 1), at(day(10), -1), at(day(10), 0), at(day(20), -1), at(day(20), 1)]) {
      const live = keys.filter((k) => Date.parse(k.createdAt) <= signedAt.getTime());
      const signer = keyRing(live, signedAt, MAX_LIFETIME).signing;
      for (const offset of [0, 1, MAX_LIFETIME / 2, MAX_LIFETIME]) {
        const now = at(signedAt, offset);
        const created = keys.filter((k) => Date.parse(k.createdAt) <= now.getTime());
        expect(kids(keyRing(created, now, MAX_LIFETIME).live), `${signedAt.toISOString()} + ${offset}s`).toContain(signer.kid);
      }
    }
  });
});
