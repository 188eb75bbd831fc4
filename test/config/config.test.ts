import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

describe('the privacy budget is not a setting', () => {
  it('refuses to start while LIFETIME_EPSILON is set, and says where the budget lives and how to change it', () => {
    for (const value of ['100', '10', '']) {
      expect(() => loadConfig({ LIFETIME_EPSILON: value })).toThrow(ConfigError);
      expect(() => loadConfig({ LIFETIME_EPSILON: value })).toThrow(
        /LIFETIME_EPSILON: the privacy budget is no longer read from the environment.*npm run budget -- set/s,
      );
    }
    // Reported with any other problem, all at once.
    expect(() => loadConfig({ LIFETIME_EPSILON: '5', PORT: 'x' })).toThrow(/LIFETIME_EPSILON[\s\S]*PORT/);
    expect(loadConfig({})).not.toHaveProperty('lifetimeEpsilon');
  });
});
