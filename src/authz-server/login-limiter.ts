/**
 * Brute-force limits for the login form: failures are counted per account and per client
 * address within a sliding window; past the limit, attempts are refused until the oldest
 * failure leaves the window. Pure apart from the injected clock; state is in memory, per process.
 */
const MAX_TRACKED = 10_000;

export interface LimiterOptions {
  windowMs: number;
  perAccount: number;
  perAddress: number;
  clock: () => number;
}

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly options: LimiterOptions) {}

  /** Milliseconds until another attempt is allowed, or 0 when it is allowed now. */
  retryAfter(account: string, address: string): number {
    const now = this.options.clock();
    const wait = (key: string, limit: number) => {
      const times = this.recent(key, now);
      return times.length >= limit ? times[times.length - limit]! + this.options.windowMs - now : 0;
    };
    return Math.max(wait(`account:${account.toLowerCase()}`, this.options.perAccount), wait(`address:${address}`, this.options.perAddress));
  }

  recordFailure(account: string, address: string): void {
    const now = this.options.clock();
    // Spraying usernames or addresses must not grow memory without bound: past a size, drop stale counters.
    if (this.failures.size > MAX_TRACKED) for (const key of [...this.failures.keys()]) this.recent(key, now);
    for (const key of [`account:${account.toLowerCase()}`, `address:${address}`]) this.failures.set(key, [...this.recent(key, now), now]);
  }

  recordSuccess(account: string): void {
    this.failures.delete(`account:${account.toLowerCase()}`);
  }

  private recent(key: string, now: number): number[] {
    const times = (this.failures.get(key) ?? []).filter((t) => t > now - this.options.windowMs);
    if (times.length === 0) this.failures.delete(key);
    return times;
  }
}
