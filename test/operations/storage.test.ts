import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { STORAGE_ALERT_AT, storageReading } from '../../src/operations/storage.js';
import { tempDb, testDeps } from '../helpers/db.js';
import { OPERATOR_CLAIMS, testIssuer } from '../helpers/tokens.js';

describe('the database size reading', () => {
  it('raises the alert exactly from 80 % of a limit, and never without one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2e10 }), fc.integer({ min: 1, max: 2e10 }), (bytes, limit) => {
        const r = storageReading('d1', bytes, limit);
        expect(r.alert).toBe(Math.round((bytes / limit) * 1000) / 1000 >= STORAGE_ALERT_AT);
        expect(storageReading('sqlite', bytes, undefined)).toEqual({ driver: 'sqlite', bytes, limitBytes: null, used: null, alert: false });
      }),
    );
    expect(storageReading('d1', 8e9, 1e10).alert).toBe(true);
    expect(storageReading('d1', 7.99e9, 1e10).alert).toBe(false);
    expect(storageReading('d1', undefined, 1e10)).toMatchObject({ bytes: null, used: null, alert: false });
  });

  it('on Node, tells the operator the data file’s size, with no cap but the disk', async () => {
    const issuer = await testIssuer();
    const app = createApp(testDeps(tempDb(), { auth: { verifier: issuer.verifier } }));
    const res = await app.request('/admin/storage', { headers: { authorization: `Bearer ${await issuer.mint(OPERATOR_CLAIMS)}` } });
    expect(res.status).toBe(200);
    const reading = (await res.json()) as { driver: string; bytes: number; limitBytes: null; alert: boolean };
    expect(reading).toMatchObject({ driver: 'sqlite', limitBytes: null, used: null, alert: false });
    expect(reading.bytes).toBeGreaterThan(4096);
  });
});
