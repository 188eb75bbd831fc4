import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { createTokenVerifier, type TokenVerifier } from '../../src/auth/verify.js';

export const ISSUER = 'http://gateway.test/oidc';
export const AUDIENCE = 'http://gateway.test/fhir';

export interface TestIssuer {
  verifier: TokenVerifier;
  jwks: { keys: object[] };
  /** The private key, for a deployment that holds the gateway's key itself (the Worker's GATEWAY_SIGNING_JWK). */
  privateJwk: JWK;
  /** Signs an access token as the gateway's authorization server would. */
  mint(claims: JWTPayload, ttlSeconds?: number): Promise<string>;
}

/**
 * A signing key and verifier for tests that exercise the resource server without running the
 * authorization server (the end-to-end tests run the real one).
 */
export async function testIssuer(clock: () => Date = () => new Date()): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' };
  const jwks = { keys: [publicJwk] };
  return {
    jwks,
    privateJwk: { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'ES256' },
    verifier: createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: createLocalJWKSet(jwks), clock }),
    mint: (claims, ttlSeconds = 300) => {
      const now = Math.floor(clock().getTime() / 1000);
      return new SignJWT({ jti: crypto.randomUUID(), ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: 'test-key', typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + ttlSeconds)
        .sign(privateKey);
    },
  };
}

/** Claims of a source system's backend-services token. */
export function sourceClaims(source: string, scope = 'system/*.cu') {
  return {
    sub: 'hospital-a',
    client_id: 'hospital-a',
    client_kind: 'source',
    source,
    organization: 'Organization/hospital-a-org',
    dua: 'dua-hospital-a',
    scope,
    purpose_of_use: ['TREAT'],
  };
}

/** Claims of a patient's own token (the portal's), for Patient/{id}. */
export function patientClaims(id: string) {
  return {
    sub: `u-${id}`,
    client_id: 'portal',
    role: 'patient',
    fhirUser: `Patient/${id}`,
    patient: id,
    scope: 'patient/*.* openid',
    purpose_of_use: ['PATRQT'],
  };
}

/** Claims of an operator's token (the console's). */
export const OPERATOR_CLAIMS = { sub: 'ops', client_id: 'console', role: 'operator', scope: 'openid', purpose_of_use: ['HOPERAT'] };

/** Claims of a clinician's token at Oakwood (whose data use agreement in policies/duas.csv lets its clinicians read for treatment). */
export function clinicianClaims(sub: string, practitioner: string, extra: Record<string, unknown> = {}) {
  return {
    sub,
    client_id: 'ehr',
    role: 'clinician',
    fhirUser: `Practitioner/${practitioner}`,
    organization: 'Organization/clinic-oak-org',
    scope: 'user/*.rs openid',
    purpose_of_use: ['TREAT'],
    ...extra,
  };
}
