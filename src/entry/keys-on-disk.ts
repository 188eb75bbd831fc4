import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { generateSigningKey, keyRing, publicJwks, type KeyRing, type SigningKey } from '../keys/index.js';

/**
 * Signing keys live in KEYS_DIR as `signing-<kid>.private.json` (mode 0600, gitignored), with the
 * public `jwks.json` beside them. The first start generates one; `npm run keys:rotate` adds one.
 * Keys past their retirement (see keyRing) are deleted here.
 */
export async function loadSigningKeys(dir: string, now: Date, maxTokenLifetimeSeconds: number): Promise<KeyRing & { generated: boolean }> {
  await mkdir(dir, { recursive: true });
  let keys = await readSigningKeys(dir);
  let generated = false;
  if (keys.length === 0) {
    keys = [await addSigningKey(dir, now)];
    generated = true;
  }
  const ring = keyRing(keys, now, maxTokenLifetimeSeconds);
  for (const key of ring.retired) await rm(join(dir, fileName(key)), { force: true });
  await writeFile(join(dir, 'jwks.json'), JSON.stringify(publicJwks(ring.published), null, 2));
  return { ...ring, generated };
}

export async function addSigningKey(dir: string, now: Date): Promise<SigningKey> {
  await mkdir(dir, { recursive: true });
  const key = await generateSigningKey(now);
  await writeFile(join(dir, fileName(key)), JSON.stringify(key, null, 2), { mode: 0o600 });
  return key;
}

async function readSigningKeys(dir: string): Promise<SigningKey[]> {
  const names = (await readdir(dir)).filter((n) => /^signing-.+\.private\.json$/.test(n)).sort();
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as SigningKey));
}

const fileName = (key: SigningKey) => `signing-${key.kid}.private.json`;

/**
 * Development key pairs for the fixture backend clients, in KEYS_DIR/clients/<client>.private.json
 * (0600, gitignored): each client signs its assertions with its private key, and the
 * authorization server holds only the public half.
 */
export async function loadClientKeys(dir: string, clientIds: readonly string[]): Promise<Map<string, { privateJwk: JWK; publicJwk: JWK }>> {
  await mkdir(dir, { recursive: true });
  const keys = new Map<string, { privateJwk: JWK; publicJwk: JWK }>();
  for (const clientId of clientIds) {
    const path = join(dir, `${clientId}.private.json`);
    let privateJwk: JWK;
    try {
      privateJwk = JSON.parse(await readFile(path, 'utf8')) as JWK;
    } catch {
      const { privateKey } = await generateKeyPair('ES256', { extractable: true });
      const jwk = await exportJWK(privateKey);
      privateJwk = { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'ES256', use: 'sig' };
      await writeFile(path, JSON.stringify(privateJwk, null, 2), { mode: 0o600 });
    }
    const { d: _d, ...publicJwk } = privateJwk;
    keys.set(clientId, { privateJwk, publicJwk });
  }
  return keys;
}

/** A random secret for oidc-provider's cookie signing, made once and kept (gitignored). */
export async function loadCookieKeys(dir: string): Promise<string[]> {
  const path = join(dir, 'cookie-secret');
  try {
    return [(await readFile(path, 'utf8')).trim()];
  } catch {
    const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
    await writeFile(path, secret, { mode: 0o600 });
    return [secret];
  }
}
