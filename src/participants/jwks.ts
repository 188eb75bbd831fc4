import { createLocalJWKSet, importJWK, type JWK } from 'jose';

// Members that only a private (or symmetric) key has: RFC 7518 section 6.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
// What oidc-provider accepts for private_key_jwt (provider.ts enabledJWA), by key type.
const ALGORITHMS: Record<string, readonly string[]> = { EC: ['ES256', 'ES384'], RSA: ['RS384'] };
const EC_ALG: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384' };

/**
 * The problems with a backend client's key set, none if it is a usable public JWKS: an object
 * with a non-empty `keys` array of EC (P-256, P-384) or RSA public keys that jose can import.
 * A key carrying private material is refused outright: the gateway must never hold a client's
 * private key, and one sent here has leaked. Messages never echo key material.
 */
export async function checkJwks(jwks: unknown): Promise<string[]> {
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray((jwks as { keys?: unknown }).keys)) return ['the JWKS must be an object with a "keys" array'];
  const keys = (jwks as { keys: unknown[] }).keys;
  if (keys.length === 0) return ['the JWKS has no keys'];
  const problems: string[] = [];
  for (const [i, key] of keys.entries()) {
    const at = `key ${i + 1}${typeof (key as JWK)?.kid === 'string' ? ` (kid ${(key as JWK).kid})` : ''}`;
    if (typeof key !== 'object' || key === null) {
      problems.push(`${at} is not a JWK object`);
      continue;
    }
    const jwk = key as JWK;
    const secret = PRIVATE_MEMBERS.filter((m) => m in jwk);
    if (secret.length > 0) {
      problems.push(`${at} contains private key material (${secret.join(', ')}): register the public key only, and treat this private key as compromised`);
      continue;
    }
    const allowed = ALGORITHMS[jwk.kty ?? ''];
    if (!allowed) {
      problems.push(`${at}: key type '${String(jwk.kty)}' is not accepted (EC or RSA public keys)`);
      continue;
    }
    const alg = jwk.alg ?? (jwk.kty === 'EC' ? EC_ALG[jwk.crv ?? ''] : 'RS384');
    if (!alg || !allowed.includes(alg)) {
      problems.push(`${at}: algorithm '${String(alg ?? jwk.crv)}' is not accepted (${allowed.join(', ')})`);
      continue;
    }
    if (jwk.use !== undefined && jwk.use !== 'sig') problems.push(`${at}: "use" must be "sig"`);
    try {
      await importJWK(jwk, alg);
    } catch {
      problems.push(`${at} is not a valid ${jwk.kty} public key`);
    }
  }
  if (problems.length === 0) {
    try {
      createLocalJWKSet(jwks as { keys: JWK[] });
    } catch {
      problems.push('the JWKS is not a valid key set');
    }
  }
  return problems;
}
