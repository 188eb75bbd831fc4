import type { SigningKey } from './signing-keys.js';

export interface KeyRing {
  /** The newest key: it signs everything new. */
  signing: SigningKey;
  /** Keys verifiers must still accept: the signing key and older ones whose tokens may be alive. */
  published: SigningKey[];
  /** Keys whose every token has expired: they leave the JWKS. */
  retired: SigningKey[];
}

/**
 * Rotation without breaking anyone: a new key signs from the moment it exists, and the key it
 * replaced stays published until the longest-lived token it could have signed has expired.
 */
export function keyRing(keys: readonly SigningKey[], now: Date, maxTokenLifetimeSeconds: number): KeyRing {
  if (keys.length === 0) throw new Error('no signing keys');
  const newestFirst = [...keys].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.kid.localeCompare(b.kid));
  const published: SigningKey[] = [newestFirst[0]!];
  const retired: SigningKey[] = [];
  for (let i = 1; i < newestFirst.length; i++) {
    // A key stopped signing when the next newer key was created.
    const replacedAt = Date.parse(newestFirst[i - 1]!.createdAt);
    (replacedAt + maxTokenLifetimeSeconds * 1000 < now.getTime() ? retired : published).push(newestFirst[i]!);
  }
  return { signing: newestFirst[0]!, published, retired };
}
