import { loadConfig } from '../config/config.js';
import { addSigningKey, loadSigningKeys } from '../entry/keys-on-disk.js';

/** `npm run keys:rotate`: adds a signing key; the gateway signs with it from its next start. */
const config = loadConfig(process.env);
const key = await addSigningKey(config.keysDir, new Date());
const ring = await loadSigningKeys(config.keysDir, new Date(), config.accessTokenTtl);
console.log(`Added signing key ${key.kid}. Published keys: ${ring.published.map((k) => k.kid).join(', ')}. Restart the gateway to sign with it.`);
