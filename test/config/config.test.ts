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

  it('takes trusted gateways only as exact http(s) origins, so no token is issued for a path or a look-alike', () => {
    expect(loadConfig({ TRUSTED_GATEWAYS: 'https://worker.example.org, http://127.0.0.1:8788/' }).trustedGateways).toEqual([
      'https://worker.example.org',
      'http://127.0.0.1:8788',
    ]);
    expect(loadConfig({}).trustedGateways).toEqual([]);
    for (const bad of ['https://worker.example.org/fhir', 'javascript:alert(1)', 'worker.example.org', 'https://a.example.org?x=1'])
      expect(() => loadConfig({ TRUSTED_GATEWAYS: bad }), bad).toThrow(/TRUSTED_GATEWAYS/);
  });
});
