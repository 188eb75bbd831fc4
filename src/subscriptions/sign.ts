/**
 * Every notification is signed as the Standard Webhooks specification says
 * (https://www.standardwebhooks.com): headers `webhook-id`, `webhook-timestamp` (Unix seconds)
 * and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, with a
 * per-subscription secret `whsec_<base64>`. A receiver can verify with any of that
 * specification's libraries. WebCrypto only, so the same code runs on Workers.
 */

const SECRET_PREFIX = 'whsec_';

/** A new secret: 32 random bytes, shown to the subscriber once. */
export function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return SECRET_PREFIX + toBase64(bytes);
}

export async function signatureHeaders(secret: string, messageId: string, body: string, at: Date): Promise<Record<string, string>> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const key = await crypto.subtle.importKey('raw', fromBase64(secret.slice(SECRET_PREFIX.length)), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${messageId}.${timestamp}.${body}`));
  return { 'webhook-id': messageId, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${toBase64(new Uint8Array(mac))}` };
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
