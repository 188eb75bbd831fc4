import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, TokenError, type TokenVerifier } from '../../src/auth/verify.js';

const ISSUER = 'https://issuer.test/oidc';
const AUDIENCE = 'https://gateway.test/fhir';
const KID = 'test-key-1';
/** A fixed instant, whole seconds, so tolerance boundaries are exact. */
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0) / 1000;

interface TestKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function makeKey(kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return { kid, privateKey, publicJwk };
}

let key: TestKey;
let otherKey: TestKey;

beforeAll(async () => {
  key = await makeKey(KID);
  otherKey = await makeKey('not-in-the-set');
});

let jtiCounter = 0;

function systemClaims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'hosp-mercy',
    client_id: 'hosp-mercy',
    client_kind: 'source',
    jti: `jti-${++jtiCounter}`,
    iat: T0,
    exp: T0 + 300,
    scope: 'system/*.cu',
    source: 'mercy-ehr',
    organization: 'Organization/mercy',
    purpose_of_use: ['TREAT'],
    ...overrides,
  };
}

function personClaims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'maria',
    client_id: 'smart-demo',
    role: 'patient',
    fhirUser: 'Patient/p1',
    patient: 'p1',
    jti: `jti-${++jtiCounter}`,
    iat: T0,
    exp: T0 + 300,
    scope: 'openid patient/*.rs',
    purpose_of_use: ['PATRQT'],
    ...overrides,
  };
}

/** Drops claims whose value is undefined, so an override of `undefined` removes the claim. */
function defined(claims: JWTPayload): JWTPayload {
  return Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
}

async function mint(claims: JWTPayload, signer: TestKey = key, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(defined(claims)).setProtectedHeader({ alg: 'ES256', kid: signer.kid, typ: 'at+jwt', ...header }).sign(signer.privateKey);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

interface Harness {
  verifier: TokenVerifier;
  /** How many times the verifier asked for a key: one per signature check. */
  keyLookups: () => number;
  setClock: (epochSeconds: number) => void;
}

function harness(options: { jwks?: JWK[]; cacheSize?: number } = {}): Harness {
  let now = T0;
  let lookups = 0;
  const jwks = createLocalJWKSet({ keys: options.jwks ?? [key.publicJwk] });
  const keys: JWTVerifyGetKey = (header, token) => {
    lookups++;
    return jwks(header, token);
  };
  const verifier = createTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys,
    clock: () => new Date(now * 1000),
    ...(options.cacheSize === undefined ? {} : { cacheSize: options.cacheSize }),
  });
  return { verifier, keyLookups: () => lookups, setClock: (s) => (now = s) };
}

async function expectInvalid(promise: Promise<unknown>, message?: RegExp): Promise<TokenError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the token should have been refused').toBeInstanceOf(TokenError);
  const tokenError = err as TokenError;
  expect(tokenError.code).toBe('invalid_token');
  if (message) expect(tokenError.message).toMatch(message);
  return tokenError;
}

describe('createTokenVerifier: valid tokens', () => {
  it('accepts a system token and builds a system Requester', async () => {
    const { verifier } = harness();
    const claims = systemClaims();
    const requester = await verifier.verify(await mint(claims));
    expect(requester).toMatchObject({
      kind: 'system',
      subject: 'hosp-mercy',
      clientId: 'hosp-mercy',
      clientKind: 'source',
      source: 'mercy-ehr',
      organization: 'Organization/mercy',
      scope: 'system/*.cu',
      purposes: ['TREAT'],
      tokenId: claims.jti,
      expiresAt: T0 + 300,
    });
    expect(requester.role).toBeUndefined();
    expect(requester.patient).toBeUndefined();
    expect(requester.scopes).toHaveLength(1);
    expect(requester.scopes[0]).toMatchObject({ context: 'system', type: '*' });
    expect([...requester.scopes[0]!.permissions].sort()).toEqual(['c', 'u']);
  });

  it('accepts a person token and builds a person Requester', async () => {
    const { verifier } = harness();
    const claims = personClaims();
    const requester = await verifier.verify(await mint(claims));
    expect(requester).toMatchObject({
      kind: 'person',
      subject: 'maria',
      clientId: 'smart-demo',
      role: 'patient',
      fhirUser: 'Patient/p1',
      patient: 'p1',
      scope: 'openid patient/*.rs',
      purposes: ['PATRQT'],
      tokenId: claims.jti,
      expiresAt: T0 + 300,
    });
    expect(requester.clientKind).toBeUndefined();
    // openid is not a resource scope: only patient/*.rs is parsed.
    expect(requester.scopes).toHaveLength(1);
    expect(requester.scopes[0]).toMatchObject({ context: 'patient', type: '*' });
    expect([...requester.scopes[0]!.permissions].sort()).toEqual(['r', 's']);
  });

  it('refuses a token with client_kind but a subject other than the client: a backend client never acts as a person', async () => {
    const { verifier } = harness();
    await expect(verifier.verify(await mint(personClaims({ client_kind: 'source' })))).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('drops unknown purposes of use rather than passing them on', async () => {
    const { verifier } = harness();
    const requester = await verifier.verify(await mint(systemClaims({ purpose_of_use: ['TREAT', 'BOGUS', 42] })));
    expect(requester.purposes).toEqual(['TREAT']);
  });
});

describe('createTokenVerifier: attacks and invalid tokens', () => {
  it('refuses an unsecured token (alg: none)', async () => {
    const { verifier } = harness();
    const token = `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(systemClaims())}.`;
    await expectInvalid(verifier.verify(token), /algorithm/);
  });

  it('refuses alg: none even when it names our kid', async () => {
    const { verifier } = harness();
    const token = `${b64({ alg: 'none', typ: 'at+jwt', kid: KID })}.${b64(systemClaims())}.`;
    await expectInvalid(verifier.verify(token));
  });

  it('refuses HS256 keyed with the public JWK (algorithm confusion)', async () => {
    const { verifier } = harness();
    for (const secret of [JSON.stringify(key.publicJwk), key.publicJwk.x!]) {
      const token = await new SignJWT(systemClaims()).setProtectedHeader({ alg: 'HS256', kid: KID, typ: 'at+jwt' }).sign(new TextEncoder().encode(secret));
      await expectInvalid(verifier.verify(token), /algorithm/);
    }
  });

  it('refuses a token whose kid is not in the key set', async () => {
    const { verifier } = harness();
    await expectInvalid(verifier.verify(await mint(systemClaims(), otherKey)), /current key/);
  });

  it('refuses a token signed by another key that claims our kid', async () => {
    const { verifier } = harness();
    const impostor = { ...otherKey, kid: KID };
    await expectInvalid(verifier.verify(await mint(systemClaims(), impostor)), /signature/);
  });

  it('refuses a token whose payload was altered after signing', async () => {
    const { verifier } = harness();
    const token = await mint(personClaims());
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'maria' });
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as JWTPayload;
    const altered = { ...claims, patient: 'p2', fhirUser: 'Patient/p2' };
    await expectInvalid(verifier.verify(`${header}.${b64(altered)}.${signature}`), /signature/);
  });

  it('refuses an expired token beyond the 30 s tolerance, and accepts one just inside it', async () => {
    const { verifier } = harness();
    await expectInvalid(verifier.verify(await mint(systemClaims({ iat: T0 - 400, exp: T0 - 31 }))), /expired/);
    await expectInvalid(verifier.verify(await mint(systemClaims({ iat: T0 - 400, exp: T0 - 30 }))), /expired/);
    await expect(verifier.verify(await mint(systemClaims({ iat: T0 - 400, exp: T0 - 29 })))).resolves.toMatchObject({ kind: 'system' });
  });

  it('refuses a token not yet valid (nbf beyond the tolerance), and accepts one just inside it', async () => {
    const { verifier } = harness();
    await expectInvalid(verifier.verify(await mint(systemClaims({ nbf: T0 + 31 }))), /nbf/);
    await expect(verifier.verify(await mint(systemClaims({ nbf: T0 + 30 })))).resolves.toMatchObject({ kind: 'system' });
  });

  it('refuses a token issued in the future beyond the tolerance, or too long ago whatever its exp says', async () => {
    const { verifier } = harness();
    await expectInvalid(verifier.verify(await mint(systemClaims({ iat: T0 + 86_400, exp: T0 + 86_700 }))), /iat/);
    await expectInvalid(verifier.verify(await mint(systemClaims({ iat: T0 - 7200, exp: T0 + 300 }))), /expired/);
    await expect(verifier.verify(await mint(systemClaims({ iat: T0 + 20, exp: T0 + 300 })))).resolves.toMatchObject({ kind: 'system' });
  });

  it('refuses a token from another issuer', async () => {
    const { verifier } = harness();
    await expectInvalid(verifier.verify(await mint(systemClaims({ iss: 'https://evil.test/oidc' }))), /iss/);
  });

  it('refuses a token with no issuer', async () => {
    const { verifier } = harness();
    await expectInvalid(verifier.verify(await mint(systemClaims({ iss: undefined }))), /iss/);
  });

  it('refuses a token for another audience', async () => {
    const { verifier } = harness();
    await expectInvalid(verifier.verify(await mint(systemClaims({ aud: 'https://other.test/fhir' }))), /aud/);
  });

  it('refuses an ID token presented as an access token', async () => {
    const { verifier } = harness();
    const idClaims = { ...personClaims({ aud: 'smart-demo', client_id: undefined }), nonce: 'n-1', auth_time: T0 - 10 };
    await expectInvalid(verifier.verify(await mint(idClaims, key, { typ: 'JWT' })));
    // Each check holds on its own: with the access-token typ, the audience (the client id) still refuses it,
    await expectInvalid(verifier.verify(await mint(idClaims)), /aud/);
    // and with the FHIR audience, the missing client_id does.
    await expectInvalid(verifier.verify(await mint({ ...idClaims, aud: AUDIENCE })), /client_id/);
  });

  it('refuses a JWT typed token even with access-token claims (RFC 9068 typ check)', async () => {
    const { verifier } = harness();
    await expectInvalid(verifier.verify(await mint(personClaims(), key, { typ: 'JWT' })), /typ/);
  });

  it('refuses a token with no typ header', async () => {
    const { verifier } = harness();
    const token = await new SignJWT(personClaims()).setProtectedHeader({ alg: 'ES256', kid: KID }).sign(key.privateKey);
    await expectInvalid(verifier.verify(token), /typ/);
  });

  it('refuses a token signed by a key that has since left the JWKS', async () => {
    const token = await mint(systemClaims());
    // Before the withdrawal, the key is published and the token passes.
    await expect(harness({ jwks: [otherKey.publicJwk, key.publicJwk] }).verifier.verify(token)).resolves.toMatchObject({ kind: 'system' });
    // After, the key set holds only the newer key.
    await expectInvalid(harness({ jwks: [otherKey.publicJwk] }).verifier.verify(token), /current key/);
  });

  it('refuses a token missing client_id', async () => {
    const { verifier } = harness();
    await expectInvalid(verifier.verify(await mint(systemClaims({ client_id: undefined }))));
    await expectInvalid(verifier.verify(await mint(personClaims({ client_id: undefined }))));
  });

  it('refuses a token missing jti', async () => {
    const { verifier } = harness();
    await expectInvalid(verifier.verify(await mint(systemClaims({ jti: undefined }))), /jti/);
  });

  it('refuses a token missing exp, iat or sub', async () => {
    const { verifier } = harness();
    await expectInvalid(verifier.verify(await mint(systemClaims({ exp: undefined }))), /exp/);
    await expectInvalid(verifier.verify(await mint(systemClaims({ iat: undefined }))), /iat/);
    await expectInvalid(verifier.verify(await mint(personClaims({ sub: undefined }))), /sub/);
  });

  it('refuses a person token with an unknown role, or none', async () => {
    const { verifier } = harness();
    await expectInvalid(verifier.verify(await mint(personClaims({ role: 'admin' }))), /role/);
    await expectInvalid(verifier.verify(await mint(personClaims({ role: undefined }))), /role/);
  });

  it('refuses garbage that is not a JWT', async () => {
    const { verifier } = harness();
    for (const token of ['', 'abc', 'a.b.c', `${b64({ alg: 'ES256', kid: KID, typ: 'at+jwt' })}.not-json.AAAA`]) {
      await expectInvalid(verifier.verify(token));
    }
  });
});

describe('createTokenVerifier: cache', () => {
  it('checks the signature of the same token only once', async () => {
    const { verifier, keyLookups } = harness();
    const token = await mint(systemClaims());
    const first = await verifier.verify(token);
    expect(keyLookups()).toBe(1);
    const second = await verifier.verify(token);
    expect(second).toEqual(first);
    expect(keyLookups()).toBe(1);
  });

  it('stops accepting a cached token once the clock passes its exp plus tolerance', async () => {
    const { verifier, keyLookups, setClock } = harness();
    const token = await mint(systemClaims());
    await verifier.verify(token);
    // Still within exp + tolerance: served from the cache.
    setClock(T0 + 300 + 29);
    await expect(verifier.verify(token)).resolves.toMatchObject({ kind: 'system' });
    expect(keyLookups()).toBe(1);
    // Beyond it: refused, even though it was cached.
    setClock(T0 + 300 + 31);
    await expectInvalid(verifier.verify(token), /expired/);
    // And it stays refused.
    await expectInvalid(verifier.verify(token), /expired/);
  });

  it('clear() forgets every verified token', async () => {
    const { verifier, keyLookups } = harness();
    const a = await mint(systemClaims());
    const b = await mint(personClaims());
    await verifier.verify(a);
    await verifier.verify(b);
    expect(keyLookups()).toBe(2);
    verifier.clear();
    await verifier.verify(a);
    await verifier.verify(b);
    expect(keyLookups()).toBe(4);
  });

  it('is bounded: past cacheSize the oldest token is verified again', async () => {
    const { verifier, keyLookups } = harness({ cacheSize: 2 });
    const [a, b, c] = await Promise.all([mint(systemClaims()), mint(systemClaims()), mint(personClaims())]);
    await verifier.verify(a!);
    await verifier.verify(b!);
    await verifier.verify(c!);
    expect(keyLookups()).toBe(3);
    // b and c are still cached.
    await verifier.verify(c!);
    await verifier.verify(b!);
    expect(keyLookups()).toBe(3);
    // a was evicted: its signature is checked again.
    await verifier.verify(a!);
    expect(keyLookups()).toBe(4);
  });

  it('never caches a refused token', async () => {
    const { verifier, keyLookups } = harness();
    const token = await mint(personClaims({ role: 'admin' }));
    await expectInvalid(verifier.verify(token));
    await expectInvalid(verifier.verify(token));
    expect(keyLookups()).toBe(2);
  });
});
