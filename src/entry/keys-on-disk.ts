import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { generateSigningKey, keyRing, publicJwks, SIGNING_ALG, type KeyRing, type SigningKey } from '../keys/index.js';
import { fileProblem, makeDirectory, StartupError } from './startup-error.js';

/**
 * Signing keys live in KEYS_DIR as `signing-<kid>.private.json` (mode 0600, gitignored), with the
 * public `jwks.json` beside them. In development the first start generates one; in production
 * the operator makes the first with `npm run keys:rotate`, because a key made silently on a fresh
 * volume would orphan everything the old one signed. `npm run keys:rotate` adds one. Keys are
 * never deleted here: a retired key stays published to verify what it signed (see keyRing).
 */
export async function loadSigningKeys(
  dir: string,
  now: Date,
  maxTokenLifetimeSeconds: number,
  options: { generateIfNone?: boolean } = {},
): Promise<KeyRing & { generated: boolean }> {
  try {
    await makeDirectory(dir);
    let keys = await readSigningKeys(dir);
    let generated = false;
    if (keys.length === 0) {
      if (options.generateIfNone === false) throw new StartupError('ERR_NO_SIGNING_KEY', 'KEYS_DIR', dir);
      keys = [await addSigningKey(dir, now)];
      generated = true;
    }
    const ring = keyRing(keys, now, maxTokenLifetimeSeconds);
    await writeFile(join(dir, 'jwks.json'), JSON.stringify(publicJwks(ring.published), null, 2));
    return { ...ring, generated };
  } catch (err) {
    throw fileProblem(err, 'KEYS_DIR', dir);
  }
}

export async function addSigningKey(dir: string, now: Date): Promise<SigningKey> {
  await makeDirectory(dir);
  const key = await generateSigningKey(now);
  await writeFile(join(dir, fileName(key)), JSON.stringify(key, null, 2), { mode: 0o600 });
  return key;
}

async function readSigningKeys(dir: string): Promise<SigningKey[]> {
  const names = (await readdir(dir)).filter((n) => /^signing-.+\.private\.json$/.test(n)).sort();
  return Promise.all(names.map((n) => readSigningKey(join(dir, n))));
}

/** One key file, checked enough that a damaged one is named at start-up rather than failing the first signature. */
async function readSigningKey(path: string): Promise<SigningKey> {
  const text = await readFile(path, 'utf8');
  try {
    const key = JSON.parse(text) as SigningKey;
    if (typeof key.kid !== 'string' || Number.isNaN(Date.parse(key.createdAt)) || key.privateJwk?.kid !== key.kid || typeof key.privateJwk.d !== 'string')
      throw new Error('not a signing key');
    await importJWK(key.privateJwk, SIGNING_ALG);
    await importJWK(key.publicJwk, SIGNING_ALG);
    return key;
  } catch (err) {
    throw new StartupError('ERR_SIGNING_KEY_CORRUPT', 'KEYS_DIR', path, { cause: err });
  }
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
