import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

export const SIGNING_ALG = 'ES256';

export interface SigningKey {
  kid: string;
  alg: typeof SIGNING_ALG;
  createdAt: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** A new ES256 key pair, its kid the RFC 7638 thumbprint so the id cannot drift from the key. */
export async function generateSigningKey(now: Date): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const meta = { kid, alg: SIGNING_ALG, use: 'sig' };
  return { kid, alg: SIGNING_ALG, createdAt: now.toISOString(), privateJwk: { ...(await exportJWK(privateKey)), ...meta }, publicJwk: { ...publicJwk, ...meta } };
}

/** The public JWKS: public members only, whatever was passed in. */
export function publicJwks(keys: readonly SigningKey[]): { keys: JWK[] } {
  return { keys: keys.map(({ publicJwk: { kty, crv, x, y, n, e, kid, alg, use } }) => ({ kty, crv, x, y, n, e, kid, alg, use }) as JWK).map(stripUndefined) };
}

function stripUndefined(jwk: JWK): JWK {
  return Object.fromEntries(Object.entries(jwk).filter(([, v]) => v !== undefined)) as JWK;
}
