import type { SigningKey } from './signing-keys.js';

export interface KeyRing {
  /** The newest key: it signs everything new. */
  signing: SigningKey;
  /** Keys an access-token verifier accepts: the signing key and older ones whose tokens may be alive. */
  live: SigningKey[];
  /**
   * Keys whose every token has expired. They never sign again, but stay published: consent
   * receipts and release manifests they signed are verified against the JWKS for years.
   */
  retired: SigningKey[];
  /** The public JWKS, newest first: live, then retired keys. Nothing is ever dropped from it. */
  published: SigningKey[];
}

/**
 * Rotation without breaking anyone: a new key signs from the moment it exists, the key it
 * replaced stays live for tokens until the longest-lived token it could have signed has expired,
 * and then stays published, verification only, for everything else it signed.
 */
export function keyRing(keys: readonly SigningKey[], now: Date, maxTokenLifetimeSeconds: number): KeyRing {
  if (keys.length === 0) throw new Error('no signing keys');
  const newestFirst = [...keys].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.kid.localeCompare(b.kid));
  const live: SigningKey[] = [newestFirst[0]!];
  const retired: SigningKey[] = [];
  for (let i = 1; i < newestFirst.length; i++) {
    // A key stopped signing when the next newer key was created.
    const replacedAt = Date.parse(newestFirst[i - 1]!.createdAt);
    (replacedAt + maxTokenLifetimeSeconds * 1000 < now.getTime() ? retired : live).push(newestFirst[i]!);
  }
  return { signing: newestFirst[0]!, live, retired, published: [...live, ...retired] };
}
