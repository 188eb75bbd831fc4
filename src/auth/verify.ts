import { errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ClaimsError, requesterFromClaims, type Requester } from './requester.js';

/** Why a token was refused. The message goes in WWW-Authenticate; it never says more than the RFC 6750 error. */
/**
 * The issuer's keys could not be had (a remote JWKS that timed out, failed, or was not a key
 * set): the token may be perfectly good, so this is the server's problem, not the client's.
 */
export class KeysUnavailable extends Error {
  override name = 'KeysUnavailable';
}

export class TokenError extends Error {
  constructor(
    readonly code: 'invalid_token' | 'insufficient_scope' | 'missing_token',
    message: string,
  ) {
    super(message);
  }
}

/** No access token we issue lives longer than this (they live minutes), so an older one is not ours to honour. */
const MAX_TOKEN_AGE_SECONDS = 3600;

export interface VerifierOptions {
  issuer: string;
  /** The FHIR base URL: access tokens are issued for it as a resource indicator. */
  audience: string;
  keys: JWTVerifyGetKey;
  clock: () => Date;
  /** Seconds of skew allowed on exp, nbf and iat. */
  clockTolerance?: number;
  /** Most tokens kept verified at once; the oldest goes first. */
  cacheSize?: number;
}

export interface TokenVerifier {
  verify(token: string): Promise<Requester>;
  /** The Requester of a token verified before and not yet expired, without waiting. */
  cached(token: string): Requester | undefined;
  /** Forget every verified token, e.g. when a signing key is withdrawn. */
  clear(): void;
}

/**
 * Verifies access tokens: ES256 only (so neither `none` nor an HMAC keyed with our public key
 * can pass), our issuer, the FHIR audience, RFC 9068's `at+jwt` type (so an ID token is not an
 * access token), and time within the tolerance.
 *
 * Verified tokens are cached by the whole token string until their own `exp`: the same bytes
 * verified once need no second signature check, and nothing outlives the token.
 */
export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  const tolerance = options.clockTolerance ?? 30;
  const max = options.cacheSize ?? 10_000;
  const cache = new Map<string, Requester>();

  async function verifyUncached(token: string): Promise<Requester> {
    try {
      const { payload } = await jwtVerify(token, options.keys, {
        algorithms: ['ES256'],
        issuer: options.issuer,
        audience: options.audience,
        typ: 'at+jwt',
        clockTolerance: tolerance,
        currentDate: options.clock(),
        requiredClaims: ['exp', 'iat', 'jti', 'sub'],
        // Also makes jose check iat: a token issued in the future, or more than an hour ago, is refused.
        maxTokenAge: MAX_TOKEN_AGE_SECONDS,
      });
      return requesterFromClaims(payload);
    } catch (err) {
      if (keysFailed(err)) throw new KeysUnavailable('the issuer’s keys could not be fetched');
      if (err instanceof errors.JOSEError || err instanceof ClaimsError) throw new TokenError('invalid_token', describe(err));
      throw err;
    }
  }

  function cached(token: string): Requester | undefined {
    const hit = cache.get(token);
    if (!hit) return undefined;
    if (hit.expiresAt + tolerance > options.clock().getTime() / 1000) return hit;
    cache.delete(token);
    return undefined;
  }

  return {
    cached,
    async verify(token) {
      const hit = cached(token);
      if (hit) return hit;
      const requester = await verifyUncached(token);
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(token, requester);
      return requester;
    },
    clear: () => cache.clear(),
  };
}

/**
 * Whether verification failed for want of keys rather than because of the token: jose's remote
 * key set timed out, got a non-200 answer (a generic JOSEError with that message) or something
 * that is not a key set; or anything that is not a JOSE error at all: what a token can be wrong
 * about jose reports as a JOSE error, so anything else is the fetch (a network error, which
 * workerd throws as a plain Error) or a published key that cannot be imported (red team 6).
 */
function keysFailed(err: unknown): boolean {
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return true;
  if (err instanceof errors.JOSEError) return err.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set/.test(err.message);
  return !(err instanceof ClaimsError);
}

function describe(err: Error): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `the token's ${err.claim} claim is not valid here`;
  if (err instanceof errors.JWKSNoMatchingKey) return 'the token was not signed by a current key';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is not valid';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'the token algorithm is not accepted';
  if (err instanceof ClaimsError) return err.message;
  return 'the token is not valid';
}
