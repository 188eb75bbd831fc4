import { createServer, type AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAppToken } from '../helpers/demo-app-token.js';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { sourceToken } from '../../scripts/worker-seed.js';

/**
 * Guarantee 3, attacked at the Node authorization server: tokens only for its own FHIR base or a
 * TRUSTED_GATEWAYS one (exact origins), and the pages' client (consent-portal) redirected only to
 * its own and trusted gateways' /portal, /clinician, /operator callbacks.
 */
describe('red team 6: the authorization server trusts exact origins only', () => {
  let gw: Gateway;
  let trusted: string;
  let port: number;
  let authorize: string;

  beforeAll(async () => {
    port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    trusted = `http://127.0.0.1:${port}`;
    gw = await startGateway({ patients: 3, env: { TRUSTED_GATEWAYS: trusted } });
    const d = (await (await fetch(`${gw.issuer}/.well-known/openid-configuration`)).json()) as { authorization_endpoint: string };
    authorize = d.authorization_endpoint;
  }, 120_000);

  afterAll(async () => {
    await gw?.stop();
  });

  const ask = async (params: Record<string, string>) => {
    const url = new URL(authorize);
    for (const [k, v] of Object.entries({
      client_id: 'consent-portal',
      response_type: 'code',
      scope: 'openid patient/*.rs',
      state: 'st',
      nonce: 'nn',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      prompt: 'login',
      ...params,
    }))
      url.searchParams.set(k, v);
    const res = await fetch(url, { redirect: 'manual' });
    await res.text();
    return { status: res.status, location: res.headers.get('location') };
  };
  /** The request went on to sign-in (the interaction), i.e. it was accepted. */
  const accepted = (r: { status: number; location: string | null }) => r.status >= 300 && r.status < 400 && /\/interaction\//.test(r.location ?? '');

  it('R1: the legitimate callbacks (own and trusted) are accepted (control)', async () => {
    for (const b of [gw.base, trusted])
      for (const area of ['portal', 'clinician', 'operator'])
        expect(accepted(await ask({ redirect_uri: `${b}/${area}/callback`, aud: `${gw.base}/fhir` })), `${b}/${area}`).toBe(true);
    expect(accepted(await ask({ redirect_uri: `${trusted}/portal/callback`, aud: `${trusted}/fhir` }))).toBe(true);
  });

  it('R2: look-alike redirect_uris for the pages’ client are refused, and never redirected to', async () => {
    const h = `127.0.0.1:${port}`;
    const lookalikes = [
      `http://${h}.evil.test/portal/callback`,
      `http://${h}@evil.test/portal/callback`,
      `http://evil.test@${h}/portal/callback`,
      `http://user:pw@${h}/portal/callback`,
      `http://${h}/portal/callback/`,
      `http://${h}/portal/callback//`,
      `http://${h}/portal/callback/../../evil`,
      `http://${h}/portal/callback/..%2F..%2Fevil`,
      `http://${h}/portal/callback%2F..%2F..%2Fevil`,
      `http://${h}/PORTAL/callback`,
      `http://${h}/portal/Callback`,
      `HTTP://${h}/portal/callback`,
      `http://${h}0/portal/callback`,
      `http://127.0.0.1:0${port}/portal/callback`,
      `https://${h}/portal/callback`,
      `http://127.0.0.1/portal/callback`,
      `http://localhost:${port}/portal/callback`,
      `http://[::1]:${port}/portal/callback`,
      `http://2130706433:${port}/portal/callback`,
      `http://${h}//evil.test/portal/callback`,
      `http://${h}/fhir/portal/callback`,
      `http://${h}/portal/callback?next=https://evil.test`,
      `http://${h}/portal/callback#https://evil.test`,
      `http://${h}/portal/callback\t`,
      `http://${h}/portal/callback%00`,
      `http://${h}/portal/../evil/callback`,
      `http://${h}/portal/callback;evil`,
      `${gw.base}/portal/callback/`,
      `${gw.base.toUpperCase()}/portal/callback`,
      `${gw.base}/portal/logout`,
      `${gw.base}/oidc/portal/callback`,
      `http://127.0.0.1/callback`,
      `http://127.0.0.1:${port}/callback`,
      'https://evil.test/portal/callback',
    ];
    const let_through: string[] = [];
    for (const redirect_uri of lookalikes) {
      const r = await ask({ redirect_uri, aud: `${gw.base}/fhir` });
      if (accepted(r) || (r.location !== null && !r.location.startsWith(gw.base) && !r.location.startsWith('/')))
        let_through.push(`${redirect_uri} -> ${r.status} ${r.location}`);
    }
    expect(let_through).toEqual([]);
  });

  it('R3: look-alike aud values are refused at the authorization request', async () => {
    const h = `127.0.0.1:${port}`;
    const auds = [
      `http://${h}/fhir//`,
      `http://${h}/FHIR`,
      `HTTP://${h}/fhir`,
      `http://${h}/fhir?x=1`,
      `http://${h}/fhir#x`,
      `http://${h}/fhir/../evil`,
      `http://${h}/fhir/Patient`,
      `http://${h}@evil.test/fhir`,
      `http://evil.test@${h}/fhir`,
      `http://${h}0/fhir`,
      `http://${h}.evil.test/fhir`,
      `https://${h}/fhir`,
      `http://localhost:${port}/fhir`,
      `http://${h}`,
      `http://${h}/`,
      `${gw.base}`,
      `${gw.base}/fhir2`,
      `${gw.base}/fhir `,
      ` ${gw.base}/fhir`,
      `${gw.base}/oidc`,
      'https://evil.test/fhir',
    ];
    const let_through: string[] = [];
    for (const aud of auds) {
      const r = await ask({ redirect_uri: `${gw.base}/portal/callback`, aud });
      if (accepted(r)) let_through.push(aud);
    }
    expect(let_through).toEqual([]);
    // aud given twice (one trusted, one not) is not let through either.
    const url = new URL(authorize);
    url.search = new URLSearchParams([
      ['client_id', 'consent-portal'],
      ['response_type', 'code'],
      ['scope', 'openid patient/*.rs'],
      ['state', 's'],
      ['code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'],
      ['code_challenge_method', 'S256'],
      ['redirect_uri', `${gw.base}/portal/callback`],
      ['aud', `${gw.base}/fhir`],
      ['aud', 'https://evil.test/fhir'],
    ]).toString();
    const res = await fetch(url, { redirect: 'manual' });
    expect(/\/interaction\//.test(res.headers.get('location') ?? '')).toBe(false);
  });

  it('R4: a person token asked for the trusted server, with a resource for another at the code exchange, never has an untrusted audience', async () => {
    const allowed = new Set([`${gw.base}/fhir`, `${trusted}/fhir`]);
    for (const resource of ['https://evil.test/fhir', `${trusted}/fhir/`, `http://localhost:${port}/fhir`, `${gw.base}/fhir`]) {
      let token: string | undefined;
      try {
        token = await demoAppToken(gw.base, 'dr.chen', 'openid user/*.rs', { resource }, `${trusted}/fhir`);
      } catch {
        continue; // refused: fine
      }
      const aud = decodeJwt(token).aud;
      for (const a of [aud].flat()) expect(allowed.has(String(a)), `resource ${resource} gave aud ${JSON.stringify(aud)}`).toBe(true);
      // A token for the trusted Worker carries FHIR scopes only if its audience is the Worker.
      const claims = decodeJwt(token) as { aud: string; scope?: string };
      if (claims.aud === `${gw.base}/fhir` && resource !== `${gw.base}/fhir`) expect(claims.scope ?? '').not.toMatch(/user\//);
    }
  }, 60_000);

  it('R5: a token for the trusted server is refused by this one, and the backend client cannot name a look-alike resource', async () => {
    const forWorker = await demoAppToken(gw.base, 'dr.chen', 'openid user/*.rs', {}, `${trusted}/fhir`);
    expect(decodeJwt(forWorker).aud).toBe(`${trusted}/fhir`);
    const res = await fetch(`${gw.fhir}/Patient?_count=1`, { headers: { authorization: `Bearer ${forWorker}` } });
    expect(res.status).toBe(401);
    const h = `127.0.0.1:${port}`;
    const opts = { worker: gw.base, issuer: gw.issuer, keysDir: gw.keysDir };
    const granted: string[] = [];
    for (const resource of [
      `http://${h}/fhir/`,
      `http://${h}`,
      `http://${h}/FHIR`,
      `http://localhost:${port}/fhir`,
      'https://evil.test/fhir',
      `http://${h}@evil.test/fhir`,
    ]) {
      try {
        const t = await sourceToken(opts, 'clinic-oak', 'system/*.cu', resource);
        granted.push(`${resource} -> aud ${JSON.stringify(decodeJwt(t).aud)}`);
      } catch {
        /* refused */
      }
    }
    expect(granted).toEqual([]);
    // Control: the trusted one works.
    expect(decodeJwt(await sourceToken(opts, 'clinic-oak', 'system/*.cu', `${trusted}/fhir`)).aud).toBe(`${trusted}/fhir`);
  }, 60_000);
});
