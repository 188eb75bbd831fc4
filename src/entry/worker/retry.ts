/**
 * A call to a Durable Object, retried as Cloudflare advises: an error marked `retryable` (the
 * object was reset, a network blip) is retried with jittered exponential backoff, and only when
 * the call is idempotent; an `overloaded` one never is, since retrying adds to the load that
 * caused it. Each attempt makes its own stub: a stub that threw may be broken.
 */
export async function callObject<T>(
  call: () => Promise<T>,
  options: { idempotent: boolean; attempts?: number; baseMs?: number; sleep?: (ms: number) => Promise<void>; random?: () => number },
): Promise<T> {
  const attempts = options.attempts ?? 4;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!shouldRetry(err, options.idempotent) || attempt >= attempts) throw err;
      await sleep((options.baseMs ?? 25) * 2 ** (attempt - 1) * (0.5 + random()));
    }
  }
}

/** Whether an error from an object may be retried: retryable, not overloaded, and the call idempotent. */
export function shouldRetry(err: unknown, idempotent: boolean): boolean {
  const e = err as { retryable?: unknown; overloaded?: unknown } | null;
  return idempotent && e?.retryable === true && e?.overloaded !== true;
}
