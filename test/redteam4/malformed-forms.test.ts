import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { signInTo } from './helpers.js';

/**
 * Promise 9: never a 500 for a client's mistake. Every form handler parses the body before
 * anything else; a multipart body whose boundary is never closed throws "Failed to parse body
 * as FormData" and the page answers 500 with a FHIR OperationOutcome (the stack goes to the log).
 */
describe('a malformed form body', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ patients: 30 });
  }, 180_000);
  afterAll(async () => {
    await gw?.stop();
  });

  const FORMS = [
    '/portal/choices/research',
    '/portal/logout',
    '/portal/reviews/any',
    '/clinician/patients/pa-1/break-glass',
    '/clinician/logout',
    '/operator/reviews',
    '/operator/audit/verify',
    '/operator/participants/clients/hosp-mercy/suspend',
    '/operator/logout',
  ];
  const broken = { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '--x\r\nbroken' };

  for (const path of FORMS)
    it(`is refused, not a 500, at ${path} (signed out)`, async () => {
      const res = await fetch(`${gw.base}${path}`, broken);
      expect(res.status).toBeLessThan(500);
    });

  it('is refused, not a 500, for a signed-in patient', async () => {
    const maria = await signInTo(gw, '/portal', 'maria');
    const res = await maria.fetch(`${gw.base}/portal/choices/research`, broken);
    expect(res.status).toBeLessThan(500);
    expect(res.headers.get('content-type') ?? '').toMatch(/text\/html/);
  });

  it('is refused, not a 500, for a signed-in clinician and operator', async () => {
    const chen = await signInTo(gw, '/clinician', 'dr.chen');
    expect((await chen.fetch(`${gw.base}/clinician/patients/pa-1/break-glass`, broken)).status).toBeLessThan(500);
    const alex = await signInTo(gw, '/operator', 'alex');
    expect((await alex.fetch(`${gw.base}/operator/participants/clients/hosp-mercy/suspend`, broken)).status).toBeLessThan(500);
    expect((await alex.fetch(`${gw.base}/operator/reviews`, broken)).status).toBeLessThan(500);
  });
});
