import { importJWK, SignJWT, type JWK } from 'jose';

export interface ReceiptSigner {
  /** A compact JWS over the receipt claims, signed with the gateway's key and checkable against its published JWKS. */
  sign(claims: Record<string, unknown>): Promise<string>;
}

export function createReceiptSigner(privateJwk: JWK, issuer: string): ReceiptSigner {
  const key = importJWK(privateJwk, 'ES256');
  return {
    async sign(claims) {
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: privateJwk.kid!, typ: 'consent-receipt+jwt' })
        .setIssuer(issuer)
        .setIssuedAt()
        .setJti(crypto.randomUUID())
        .sign(await key);
    },
  };
}

/** SHA-256 of the stored Consent, so a receipt pins exactly what was agreed. */
export async function digest(text: string): Promise<string> {
  const hash = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return btoa(String.fromCharCode(...new Uint8Array(hash)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
