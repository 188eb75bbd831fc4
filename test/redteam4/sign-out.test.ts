import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { csrfOf, page, post, signInTo, words } from './helpers.js';

/**
 * Promise 10 (sign-out really signs out) and promise 2 (no codes on patient-facing pages):
 * the authorization server's own sign-in session outlives the page's sign-out, so on a shared
 * computer the next person to press "Sign in" is Maria after one "Allow", no password asked;
 * and that approval page shows her scopes and a purpose-of-use code.
 */
describe('sign-out and the approval page', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ patients: 30 });
  }, 180_000);
  afterAll(async () => {
    await gw?.stop();
  });

  it('after signing out of the portal, signing in again asks for the password', async () => {
    const maria = await signInTo(gw, '/portal', 'maria');
    const dash = await page(gw, maria, '/portal');
    expect(dash.text).toMatch(/My sharing choices/);
    await post(gw, maria, '/portal/logout', { csrf: csrfOf(dash.text) });
    expect((await page(gw, maria, '/portal')).text).not.toMatch(/My sharing choices/);
    // The next person at this browser presses "Sign in".
    const again = await maria.follow(`${gw.base}/portal/login`, `${gw.base}/portal/callback`);
    const html = again.response ? await again.response.text() : '';
    expect(words(html)).not.toMatch(/Signed in as Maria/);
    expect(html).toMatch(/type="password"/);
  });

  it('after signing out of the clinician pages, signing in again asks for the password', async () => {
    const chen = await signInTo(gw, '/clinician', 'dr.chen');
    const home = await page(gw, chen, '/clinician');
    await post(gw, chen, '/clinician/logout', { csrf: csrfOf(home.text) });
    const again = await chen.follow(`${gw.base}/clinician/login`, `${gw.base}/clinician/callback`);
    const html = again.response ? await again.response.text() : '';
    expect(html).toMatch(/type="password"/);
  });

  it('the approval page a patient sees has no scopes and no purpose-of-use codes', async () => {
    const { UserAgent } = await import('../../src/cli/login-driver.js');
    const agent = new UserAgent();
    const callback = `${gw.base}/portal/callback`;
    const login = await agent.follow(`${gw.base}/portal/login`, callback);
    const approval = await agent.submit(login.url, await login.response!.text(), /\/login/, { username: 'maria', password: 'consent-gateway-dev' }, callback);
    const text = words(await approval.response!.text());
    expect(text).toMatch(/Allow/);
    expect(text).not.toMatch(/PATRQT|TREAT|patient\/\*\.rs|launch\/patient|online_access|fhirUser/);
  });
});
