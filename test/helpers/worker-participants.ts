/**
 * Registering participants on a Worker, whose registry is its own D1 and whose operator acts
 * through `/admin/participants`: `operatorApi` gives the seeding the Node gateway runs in process
 * (`developmentSeed`) the operator's HTTP calls instead, with an operator's token. No vitest import: `npm run
 * worker:dev` uses it too.
 */
import { readFileSync } from 'node:fs';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { readPolicyFiles } from '../../src/entry/policy-files.js';
import { fixtureParticipants, parseDuaCsv, type ClientInput, type SeedInput, type SeedOps } from '../../src/participants/index.js';

type Fetch = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<Response>;

/** The seeding operations as calls to a deployment's operator API. */
export function operatorApi(base: string, operatorToken: string, send: Fetch = fetch): SeedOps {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await send(`${base}/admin/participants${path}`, {
      method,
      headers: { authorization: `Bearer ${operatorToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (!res.ok) throw new Error(`${method} /admin/participants${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    list: () => call('GET', ''),
    addOrganization: (input) => call('POST', '/organizations', input),
    addDuaVersion: (input) => call('POST', '/duas', input),
    addClient: (input) => call('POST', '/clients', input),
  };
}

/**
 * The synthetic region's participants (policies/duas.csv, the fixture sources and payers),
 * with each client's public key from `publicJwk` (a deployment's, or one generated key where
 * the test never signs as the clients), and any `extra` ones.
 */
export async function regionParticipants(publicJwk?: (clientId: string) => JWK, extra: Partial<SeedInput> = {}): Promise<SeedInput> {
  const shared = publicJwk ? undefined : await generatedKey();
  const fixture = fixtureParticipants();
  const clients: ClientInput[] = fixture.clients.map((c) => ({ ...c, jwks: { keys: [publicJwk ? publicJwk(c.clientId) : shared!] } }));
  return {
    organizations: [...fixture.organizations, ...(extra.organizations ?? [])],
    duas: [...parseDuaCsv((await readPolicyFiles()).duas), ...(extra.duas ?? [])],
    clients: [...clients, ...(extra.clients ?? [])],
  };
}

/** A deployment's development client keys (KEYS_DIR/clients/<id>.private.json), public halves. */
export function publicKeyOnDisk(keysDir: string): (clientId: string) => JWK {
  return (clientId) => {
    const { d: _private, ...publicJwk } = JSON.parse(readFileSync(`${keysDir}/clients/${clientId}.private.json`, 'utf8')) as JWK;
    return publicJwk;
  };
}

/**
 * The test source every Worker test mints tokens for (`sourceClaims` in tokens.ts): a
 * hospital with its own agreement for treatment, registered like any other.
 */
export async function testSourceParticipant(): Promise<Partial<SeedInput>> {
  return {
    organizations: [{ reference: 'Organization/hospital-a-org', name: 'Hospital A (tests)', kind: 'provider' }],
    duas: [
      {
        dua: 'dua-hospital-a',
        organization: 'Organization/hospital-a-org',
        start: '2024-01-01',
        end: '2030-12-31',
        status: 'active',
        lines: [{ purpose: 'TREAT', cls: '*', category: '*', scope: 'any' }],
      },
    ],
    clients: [
      {
        clientId: 'hospital-a',
        name: 'Hospital A EHR (tests)',
        kind: 'source',
        organization: 'Organization/hospital-a-org',
        sourceUri: 'urn:test:worker',
        dua: 'dua-hospital-a',
        purposes: ['TREAT'],
        scope: 'system/*.cu system/*.rs',
        jwks: { keys: [await generatedKey()] },
      },
    ],
  };
}

async function generatedKey(): Promise<JWK> {
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(publicKey)), kid: 'fixture-clients', alg: 'ES256', use: 'sig' };
}
