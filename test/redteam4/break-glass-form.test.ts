import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent } from '../../src/cli/login-driver.js';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { csrfOf, page, post, signInTo } from './helpers.js';

/**
 * Promise 9: every form refuses bad input with a message next to the field and keeps what was
 * typed. The clinician's break-the-glass form, refused for a too-short or too-long reason,
 * comes back with an empty textarea and the message above the form, tied to no field.
 */
describe('the break-the-glass form, refused', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ patients: 30 });
  }, 180_000);
  afterAll(async () => {
    await gw?.stop();
  });

  async function emergencySession() {
    const agent = new UserAgent();
    const callback = `${gw.base}/clinician/callback`;
    const login = await agent.follow(`${gw.base}/clinician/login?purpose=ETREAT`, callback);
    const next = await agent.submit(login.url, await login.response!.text(), /\/login/, { username: 'dr.chen', password: 'consent-gateway-dev' }, callback);
    const done = next.url.startsWith(callback) ? next : await agent.submit(next.url, await next.response!.text(), /\/confirm/, {}, callback);
    expect((await agent.fetch(done.url)).status).toBe(302);
    return agent;
  }

  for (const [name, reason] of [
    ['too short', 'flu'],
    ['too long', 'unconscious on arrival, '.repeat(30)],
  ] as const)
    it(`a reason ${name} comes back typed, with its message next to the field`, async () => {
      const chen = await emergencySession();
      const id = 'pa-1';
      const form = await page(gw, chen, `/clinician/patients/${id}`);
      const csrf = csrfOf(form.text);
      expect(csrf).not.toBe('');
      const res = await post(gw, chen, `/clinician/patients/${id}/break-glass`, { csrf, reason });
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).toContain(reason.trim().slice(0, 40));
      // The message is tied to the field (aria-describedby or an error inside its label), not only above the form.
      expect(html).toMatch(/<textarea[^>]*aria-describedby="[^"]+"/);
    });
});
