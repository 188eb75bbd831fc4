import { describe, expect, it } from 'vitest';
import { LoginLimiter } from '../../src/authz-server/login-limiter.js';

const WINDOW = 15 * 60_000;

function limiter() {
  let now = 1_000_000;
  const l = new LoginLimiter({ windowMs: WINDOW, perAccount: 5, perAddress: 20, clock: () => now });
  return { l, advance: (ms: number) => (now += ms) };
}

describe('LoginLimiter', () => {
  it('allows attempts under the per-account limit', () => {
    const { l, advance } = limiter();
    for (let i = 0; i < 4; i++) {
      expect(l.retryAfter('maria', '10.0.0.1')).toBe(0);
      l.recordFailure('maria', '10.0.0.1');
      advance(1000);
    }
    expect(l.retryAfter('maria', '10.0.0.1')).toBe(0);
  });

  it('after 5 failures for one account, blocks that account from any address, not other accounts', () => {
    const { l, advance } = limiter();
    for (let i = 0; i < 5; i++) {
      l.recordFailure('maria', `10.0.0.${i}`);
      advance(1000);
    }
    const wait = l.retryAfter('maria', '192.168.1.1');
    expect(wait).toBeGreaterThan(0);
    // The first failure leaves the window WINDOW after it happened; 5 s have passed.
    expect(wait).toBe(WINDOW - 5000);
    expect(l.retryAfter('maria', '10.0.0.0')).toBeGreaterThan(0);
    expect(l.retryAfter('bob', '10.0.0.0')).toBe(0);
  });

  it('after 20 failures from one address across accounts, blocks that address for a new account', () => {
    const { l } = limiter();
    for (let i = 0; i < 20; i++) l.recordFailure(`user${i % 10}`, '10.0.0.9');
    // No account has reached 5 failures from elsewhere… but this address has 20.
    expect(l.retryAfter('newcomer', '10.0.0.9')).toBeGreaterThan(0);
    expect(l.retryAfter('newcomer', '10.0.0.10')).toBe(0);
  });

  it('19 failures from one address across accounts do not block it', () => {
    const { l } = limiter();
    for (let i = 0; i < 19; i++) l.recordFailure(`user${i}`, '10.0.0.9');
    expect(l.retryAfter('newcomer', '10.0.0.9')).toBe(0);
  });

  it('slides the window: once the oldest failures age out, attempts are allowed again', () => {
    const { l, advance } = limiter();
    for (let i = 0; i < 5; i++) {
      l.recordFailure('maria', '10.0.0.1');
      advance(60_000);
    }
    const wait = l.retryAfter('maria', '10.0.0.1');
    expect(wait).toBe(WINDOW - 5 * 60_000);
    advance(wait - 1);
    expect(l.retryAfter('maria', '10.0.0.1')).toBe(1);
    advance(1);
    expect(l.retryAfter('maria', '10.0.0.1')).toBe(0);
    // Only the oldest failure left: one more failure blocks again, until the next oldest leaves.
    l.recordFailure('maria', '10.0.0.1');
    expect(l.retryAfter('maria', '10.0.0.1')).toBe(60_000);
    advance(WINDOW);
    expect(l.retryAfter('maria', '10.0.0.1')).toBe(0);
  });

  it('returns exactly 0, never a negative wait, once every failure has left the window', () => {
    const { l, advance } = limiter();
    // Both limits reached: 20 failures for one account from one address.
    for (let i = 0; i < 20; i++) l.recordFailure('maria', '10.0.0.1');
    expect(l.retryAfter('maria', '10.0.0.1')).toBe(WINDOW);
    advance(WINDOW + 60_000);
    expect(l.retryAfter('maria', '10.0.0.1')).toBe(0);
  });

  it('recordSuccess resets the account counter', () => {
    const { l } = limiter();
    for (let i = 0; i < 5; i++) l.recordFailure('maria', '10.0.0.1');
    expect(l.retryAfter('maria', '10.0.0.2')).toBeGreaterThan(0);
    l.recordSuccess('maria');
    expect(l.retryAfter('maria', '10.0.0.2')).toBe(0);
    // Counting starts again from zero.
    for (let i = 0; i < 4; i++) l.recordFailure('maria', '10.0.0.2');
    expect(l.retryAfter('maria', '10.0.0.3')).toBe(0);
  });

  it('recordSuccess does not reset the address counter', () => {
    const { l } = limiter();
    for (let i = 0; i < 20; i++) l.recordFailure(`user${i}`, '10.0.0.9');
    l.recordSuccess('user0');
    expect(l.retryAfter('user0', '10.0.0.9')).toBeGreaterThan(0);
  });

  it('treats usernames case-insensitively', () => {
    const { l } = limiter();
    for (const name of ['Maria', 'MARIA', 'maria', 'mArIa', 'MariA']) l.recordFailure(name, '10.0.0.1');
    expect(l.retryAfter('maria', '10.0.0.2')).toBeGreaterThan(0);
    expect(l.retryAfter('MARIA', '10.0.0.2')).toBeGreaterThan(0);
    l.recordSuccess('MaRiA');
    expect(l.retryAfter('maria', '10.0.0.2')).toBe(0);
  });
});
