import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateSigningKey, publicJwks, type SigningKey } from '../keys/signing-keys.js';

/**
 * Signing keys live in KEYS_DIR as `signing-<kid>.private.json` (mode 0600, gitignored) with
 * the public `jwks.json` beside them. A missing key is generated on first start.
 */
export async function ensureSigningKeys(dir: string, now: Date): Promise<{ keys: SigningKey[]; generated: boolean }> {
  await mkdir(dir, { recursive: true });
  const names = (await readdir(dir)).filter((n) => /^signing-.+\.private\.json$/.test(n)).sort();
  const keys: SigningKey[] = [];
  for (const name of names) keys.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as SigningKey);
  let generated = false;
  if (keys.length === 0) {
    const key = await generateSigningKey(now);
    await writeFile(join(dir, `signing-${key.kid}.private.json`), JSON.stringify(key, null, 2), { mode: 0o600 });
    keys.push(key);
    generated = true;
  }
  await writeFile(join(dir, 'jwks.json'), JSON.stringify(publicJwks(keys), null, 2));
  return { keys, generated };
}
