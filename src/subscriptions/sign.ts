/**
 * Every notification is signed as the Standard Webhooks specification says
 * (https://www.standardwebhooks.com): headers `webhook-id`, `webhook-timestamp` (Unix seconds)
 * and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, with a
 * per-subscription secret `whsec_<base64>`. A receiver can verify with any of that
 * specification's libraries.
 *
 * HMAC by @noble/hashes, synchronous and the same on Node and Workers: WebCrypto's sign is
 * asynchronous, and on Node each call queued on the thread pool for longer (over 10 ms at 200
 * notifications/s) than the HMAC takes to compute here (microseconds).
 */
import { hmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha2';
import { utf8ToBytes } from '@noble/hashes/utils';

const SECRET_PREFIX = 'whsec_';

/** A new secret: 32 random bytes, shown to the subscriber once. */
export function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return SECRET_PREFIX + toBase64(bytes);
}

/** Decoded secrets by their text: a subscription signs with the same one every time. */
const keys = new Map<string, Uint8Array>();

function keyOf(secret: string): Uint8Array {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size > 10_000) keys.clear();
    keys.set(secret, (key = fromBase64(secret.slice(SECRET_PREFIX.length))));
  }
  return key;
}

export function signatureHeaders(secret: string, messageId: string, body: string, at: Date): Record<string, string> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const mac = hmac(sha256, keyOf(secret), utf8ToBytes(`${messageId}.${timestamp}.${body}`));
  return { 'webhook-id': messageId, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${toBase64(mac)}` };
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
