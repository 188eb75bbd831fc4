import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { csrfOf, page, signInTo, words } from './helpers.js';

/**
 * Promise 3 (her access history leaves out her own portal visits) seen by the caregiver she has
 * delegated her consents to: the API hides the requestor of her own visits from his token, so
 * the portal cannot tell them for hers and lists every one of them to him as "Someone" at her
 * clinic, with the times she looked at her record. And the history page says "Your own visits
 * to this portal are not listed", while its "Download all of it (CSV)" lists them.
 */
describe('her own portal visits', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ patients: 30 });
  }, 180_000);
  afterAll(async () => {
    await gw?.stop();
  });

  it('are not listed in the history her delegated caregiver reads, nor in the CSV the history page offers', async () => {
    const maria = await signInTo(gw, '/portal', 'maria');
    const dash = await page(gw, maria, '/portal');
    const res = await maria.fetch(`${gw.base}/portal/choices/caregiver`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([
        ['csrf', csrfOf(dash.text)],
        ['caregiver', 'RelatedPerson/clinic-oak-rp-daniel'],
        ['class', 'Consent'],
        ['class', 'AuditEvent'],
        ['until', `${new Date().getUTCFullYear() + 1}-06-01`],
      ]),
    });
    expect(res.status).toBe(303);
    expect(words((await page(gw, maria, '/portal')).text)).toMatch(/Saved/);
    // She looks at her own pages a few more times.
    for (const p of ['/portal', '/portal/history', '/portal']) await page(gw, maria, p);

    const daniel = await signInTo(gw, '/portal', 'daniel');
    const his = await page(gw, daniel, '/portal/history');
    expect(words(his.text)).toMatch(/Acting for/);
    // Her own visits are read by the client consent-portal at her clinic; none of them is his to see.
    expect(words(his.text)).not.toMatch(/Someone Oakwood Family Medicine/);
  });

  it('are not in the CSV the history page offers as all of it', async () => {
    const maria = await signInTo(gw, '/portal', 'maria');
    for (const p of ['/portal', '/portal']) await page(gw, maria, p);
    const hers = words((await page(gw, maria, '/portal/history')).text);
    expect(hers).toMatch(/Your own visits to this portal are not listed/);
    const csv = (await page(gw, maria, '/portal/download/access-history.csv')).text;
    expect(csv).not.toMatch(/^"[^"]+","You",/m);
  });
});
