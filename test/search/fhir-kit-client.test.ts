import { Client } from 'fhir-kit-client';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIRECT_URI, signIn } from '../../src/cli/login-driver.js';
import { startGateway, type Gateway } from '../helpers/gateway.js';

type Coding = { system?: string; code?: string };
type Resource = { resourceType: string; id: string; status?: string; code?: { coding?: Coding[] }; period?: { start?: string; end?: string } };
type BundleJson = { total: number; entry?: { resource: Resource; search?: { mode: string } }[]; link?: { relation: string; url: string }[] };

const MARIA = 'clinic-oak-pat-000001';
const A1C = (r: Resource) => (r.code?.coding ?? []).some((c) => c.system === 'http://loinc.org' && c.code === '4548-4');

/** The review's own client: fhir-kit-client as Dr Chen, against a running gateway on the synthetic region. */
describe('the review, replayed with fhir-kit-client', () => {
  let gw: Gateway;
  let client: Client;
  const search = async (resourceType: string, searchParams: Record<string, string | string[]>) =>
    (await client.search({ resourceType, searchParams: { patient: MARIA, _count: '1000', ...searchParams } as never })) as unknown as BundleJson;
  const matches = (b: BundleJson) => (b.entry ?? []).filter((e) => e.search?.mode !== 'outcome').map((e) => e.resource);

  beforeAll(async () => {
    gw = await startGateway({ patients: 40 });
    const config = await oidc.discovery(new URL(gw.issuer), 'smart-demo', { token_endpoint_auth_method: 'none' }, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      aud: gw.fhir,
      scope: 'openid fhirUser user/*.rs',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 's',
    });
    const { callback } = await signIn(url, 'dr.chen', 'consent-gateway-dev');
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier, expectedState: 's' });
    client = new Client({ baseUrl: gw.fhir, bearerToken: tokens.access_token });
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
  });

  it('code:not gets everything except the code, code:missing=true nothing, and code:text only what it names', async () => {
    const all = matches(await search('Observation', {}));
    const a1c = all.filter(A1C);
    expect(a1c.length).toBeGreaterThan(0);
    expect(all.length).toBeGreaterThan(a1c.length);
    const not = matches(await search('Observation', { 'code:not': 'http://loinc.org|4548-4' }));
    expect(not.map((r) => r.id).sort()).toEqual(
      all
        .filter((r) => !A1C(r))
        .map((r) => r.id)
        .sort(),
    );
    expect((await search('Observation', { 'code:missing': 'true' })).total).toBe(0);
    const text = matches(await search('Observation', { 'code:text': 'hemoglobin a1c' }));
    expect(text.map((r) => r.id).sort()).toEqual(a1c.map((r) => r.id).sort());
  });

  it('a modifier the server does not support is a 400, not a silent widening', async () => {
    await expect(search('Observation', { 'code:below': 'http://loinc.org|4548' })).rejects.toMatchObject({ response: { status: 400 } });
  });

  it('date=ge and gt find an Encounter still going on at the instant, though it began before it', async () => {
    const encounters = matches(await search('Encounter', {}));
    const visit = encounters.find((e) => e.period?.start && e.period.end && Date.parse(e.period.end) - Date.parse(e.period.start) >= 4000);
    expect(visit, 'Maria has an Encounter with a start and a later end').toBeDefined();
    const middle = new Date((Date.parse(visit!.period!.start!) + Date.parse(visit!.period!.end!)) / 2).toISOString().slice(0, 19) + 'Z';
    for (const prefix of ['ge', 'gt', 'le', 'lt', 'ne'])
      expect(
        matches(await search('Encounter', { date: `${prefix}${middle}` })).map((e) => e.id),
        prefix,
      ).toContain(visit!.id);
    expect(matches(await search('Encounter', { date: `eq${middle}` })).map((e) => e.id)).not.toContain(visit!.id);
  });

  it('repeated status, _id and patient narrow', async () => {
    const all = matches(await search('Observation', {}));
    const [a, b] = all;
    expect((await search('Observation', { _id: [a!.id, b!.id] })).total).toBe(0);
    expect((await search('Observation', { _id: [`${a!.id},${b!.id}`, b!.id] })).total).toBe(1);
    const statuses = [...new Set(all.map((r) => r.status))];
    expect((await search('Observation', { status: [statuses[0]!, 'entered-in-error'] })).total).toBe(0);
    expect((await search('Observation', { patient: [MARIA, 'clinic-oak-pat-000002'] })).total).toBe(0);
  });
});
