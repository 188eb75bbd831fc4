import { signatureHeaders } from './sign.js';

export interface SendTarget {
  endpoint: string;
  /** `Name: value` headers the subscriber asked for. */
  headers: readonly string[];
  timeoutSeconds: number;
  secret: string;
}

export type SendResult = { ok: true; status: number } | { ok: false; error: string };

/**
 * POSTs one notification Bundle, signed, and says whether the endpoint confirmed it (any 2xx).
 * Redirects are not followed: a subscriber's endpoint is what it registered, and following a
 * 3xx would send PHI wherever the endpoint points. The answer's body is never read past a
 * cancel, so a hostile endpoint cannot make us buffer it.
 */
export async function sendNotification(target: SendTarget, body: string, messageId: string, now: Date, fetcher: typeof fetch = fetch): Promise<SendResult> {
  const headers: Record<string, string> = { 'content-type': 'application/fhir+json' };
  for (const h of target.headers) {
    const i = h.indexOf(':');
    if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  Object.assign(headers, signatureHeaders(target.secret, messageId, body, now));
  try {
    const res = await fetcher(target.endpoint, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(target.timeoutSeconds * 1000),
    });
    await res.body?.cancel().catch(() => undefined);
    return res.status >= 200 && res.status < 300 ? { ok: true, status: res.status } : { ok: false, error: `the endpoint answered ${res.status}` };
  } catch (err) {
    const name = (err as { name?: string }).name;
    return { ok: false, error: name === 'TimeoutError' ? `no answer within ${target.timeoutSeconds} s` : 'the endpoint could not be reached' };
  }
}
