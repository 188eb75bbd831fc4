import { count } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { ConsentEngine } from '../../src/consent/engine.js';
import { auditEvents, backendClients, duaLines, duaVersions, duas, organizations, participantsVersion } from '../../src/db/schema.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { readPolicyFiles } from '../../src/entry/policy-files.js';
import { developmentSeed, fixtureParticipants, parseDuaCsv, ParticipantRegistry } from '../../src/participants/index.js';
import { clinician, realPolicies } from '../consent/helpers.js';
import { tempDb } from '../helpers/db.js';
import { ACME, ACME_DUA, acmeClient, auditTrail, CLI, clientKeys, testOps } from './helpers.js';

async function counts(db: ReturnType<typeof tempDb>) {
  const n = async (t: Parameters<typeof db.orm.select>[0] extends never ? never : any) =>
    ((await db.orm.select({ n: count() }).from(t)) as [{ n: number }])[0].n;
  const [version] = await db.orm.select().from(participantsVersion);
  return {
    organizations: await n(organizations),
    clients: await n(backendClients),
    duas: await n(duas),
    versions: await n(duaVersions),
    lines: await n(duaLines),
    seq: version!.seq,
  };
}

async function registered() {
  const db = tempDb();
  const ops = testOps(db);
  const keys = await clientKeys();
  await ops.addOrganization(ACME, CLI);
  await ops.addDuaVersion(ACME_DUA, CLI);
  await ops.addClient(acmeClient(keys.publicJwks), CLI);
  return { db, ops, keys };
}

describe('registering participants', () => {
  it('stores an organization, a DUA version and a client, advancing the change sequence each time, each change audited', async () => {
    const { db, ops } = await registered();
    expect(await counts(db)).toEqual({ organizations: 1, clients: 1, duas: 1, versions: 1, lines: 1, seq: 3 });
    const listed = await ops.list();
    expect(listed.clients).toEqual([
      expect.objectContaining({
        clientId: 'acme-ehr',
        status: 'active',
        organization: 'Organization/acme-org',
        purposes: ['TREAT', 'HOPERAT'],
        dua: 'dua-acme',
      }),
    ]);
    expect(listed.duas).toEqual([
      expect.objectContaining({
        id: 'dua-acme',
        organization: 'Organization/acme-org',
        versions: [expect.objectContaining({ version: 1, start: '2026-01-01T00:00:00.000Z', end: '2026-12-31T23:59:59.999Z', status: 'active' })],
      }),
    ]);
    const trail = await auditTrail(db);
    expect(trail.map((e) => [e.subtype.at(-1), e.outcome, e.entity])).toEqual([
      ['add-organization', '0', 'Organization/acme-org'],
      ['add-dua-version', '0', 'dua-acme|1'],
      ['add-client', '0', 'acme-ehr'],
    ]);
    expect(trail[0]!.who).toEqual({ identifier: { system: 'urn:consent-gateway:operator', value: 'cli:ops-user' } });
  });

  it('refuses a duplicate client id and writes nothing but the audit of the refusal', async () => {
    const { db, ops, keys } = await registered();
    const before = await counts(db);
    await expect(ops.addClient(acmeClient(keys.publicJwks, { sourceUri: 'https://other.example.org/fhir' }), CLI)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/acme-ehr.*already registered/),
    });
    // Nor may two clients write as the same source system.
    await expect(ops.addClient(acmeClient(keys.publicJwks, { clientId: 'acme-2' }), CLI)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/source/),
    });
    expect(await counts(db)).toEqual(before);
    expect((await auditTrail(db)).slice(-2).map((e) => [e.subtype.at(-1), e.outcome])).toEqual([
      ['add-client', '4'],
      ['add-client', '4'],
    ]);
  });

  it('refuses a client of an unknown organization or DUA, an unknown purpose, a bad scope, and the public apps’ ids', async () => {
    const { db, ops, keys } = await registered();
    const before = await counts(db);
    const attempts = [
      [{ clientId: 'x1', sourceUri: 'https://x1.example.org', organization: 'Organization/nobody' }, /unknown organization 'Organization\/nobody'/],
      [{ clientId: 'x2', sourceUri: 'https://x2.example.org', dua: 'dua-nobody' }, /unknown DUA 'dua-nobody'/],
      [{ clientId: 'x3', sourceUri: 'https://x3.example.org', purposes: ['MARKETING'] }, /unknown purpose 'MARKETING'/],
      [{ clientId: 'x4', sourceUri: 'https://x4.example.org', scope: 'user/*.rs' }, /scope/],
      [{ clientId: 'smart-demo', sourceUri: 'https://x5.example.org' }, /reserved/],
      [{ clientId: 'x6', sourceUri: 'https://x6.example.org', jwks: undefined }, /jwks or a jwks_uri/],
      [{ clientId: 'x7', sourceUri: 'https://x7.example.org', jwksUri: 'https://x7.example.org/jwks' }, /not both/],
      [{ clientId: 'x8', sourceUri: 'https://x8.example.org', jwks: undefined, jwksUri: 'ftp://x8.example.org/jwks' }, /https/],
    ] as const;
    for (const [extra, message] of attempts) {
      await expect(ops.addClient(acmeClient(keys.publicJwks, extra as never), CLI), JSON.stringify(extra)).rejects.toMatchObject({
        message: expect.stringMatching(message),
      });
    }
    expect(await counts(db)).toEqual(before);
  });

  it('refuses a JWKS that is not a valid public key set', async () => {
    const { db, ops, keys } = await registered();
    const before = await counts(db);
    await expect(ops.addClient(acmeClient({ keys: [keys.privateJwk] }, { clientId: 'y1', sourceUri: 'https://y1.example.org' }), CLI)).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringMatching(/private key material/),
    });
    await expect(ops.addClient(acmeClient({ keys: [{ kty: 'EC' }] }, { clientId: 'y2', sourceUri: 'https://y2.example.org' }), CLI)).rejects.toMatchObject({
      code: 'invalid',
    });
    expect(await counts(db)).toEqual(before);
  });

  it('registers a client by jwks_uri', async () => {
    const { ops } = await registered();
    await ops.addClient(
      acmeClient(undefined as never, { clientId: 'z1', sourceUri: 'https://z1.example.org', jwks: undefined, jwksUri: 'https://z1.example.org/jwks.json' }),
      CLI,
    );
    expect((await ops.list()).clients.find((c) => c.clientId === 'z1')).toMatchObject({ jwksUri: 'https://z1.example.org/jwks.json' });
  });
});

describe('DUA versions', () => {
  it('refuses an overlapping version and writes nothing; accepts the next period', async () => {
    const { db, ops } = await registered();
    const before = await counts(db);
    await expect(ops.addDuaVersion({ ...ACME_DUA, start: '2026-12-31', end: '' }, CLI)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/overlaps version 1/),
    });
    expect(await counts(db)).toEqual(before);
    const added = await ops.addDuaVersion(
      { ...ACME_DUA, start: '2027-01-01', end: '', lines: [...ACME_DUA.lines, { purpose: 'ETREAT', cls: '*', category: '*', scope: 'any' }] },
      CLI,
    );
    expect(added).toEqual({ dua: 'dua-acme', version: 2 });
    expect((await counts(db)).lines).toBe(3);
  });

  it('refuses a DUA of an unknown organization, another organization’s DUA id, or an unknown purpose', async () => {
    const { db, ops } = await registered();
    await ops.addOrganization({ reference: 'Organization/other-org', name: 'Other', kind: 'payer' }, CLI);
    const before = await counts(db);
    await expect(ops.addDuaVersion({ ...ACME_DUA, dua: 'dua-new', organization: 'Organization/nobody' }, CLI)).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringMatching(/unknown organization/),
    });
    await expect(ops.addDuaVersion({ ...ACME_DUA, organization: 'Organization/other-org', start: '2030-01-01', end: '' }, CLI)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/belongs to Organization\/acme-org/),
    });
    await expect(
      ops.addDuaVersion({ ...ACME_DUA, dua: 'dua-new', lines: [{ purpose: 'MARKETING', cls: '*', category: '*', scope: 'any' }] }, CLI),
    ).rejects.toMatchObject({ code: 'invalid', message: expect.stringMatching(/unknown purpose/) });
    expect(await counts(db)).toEqual(before);
  });

  it('ends a version early, refusing an end that would make it overlap its successor', async () => {
    const { ops } = await registered();
    await ops.addDuaVersion({ ...ACME_DUA, start: '2027-01-01', end: '2027-12-31' }, CLI);
    await ops.endDuaVersion({ dua: 'dua-acme', version: 1, end: '2026-03-31' }, CLI);
    await expect(ops.endDuaVersion({ dua: 'dua-acme', version: 1, end: '2027-06-30' }, CLI)).rejects.toMatchObject({ code: 'conflict' });
    await expect(ops.endDuaVersion({ dua: 'dua-acme', version: 9, end: '2027-06-30' }, CLI)).rejects.toMatchObject({ code: 'not-found' });
    expect((await ops.list()).duas[0]!.versions.map((v) => v.end)).toEqual(['2026-03-31T23:59:59.999Z', '2027-12-31T23:59:59.999Z']);
  });
});

describe('the participant registry: changes reach the next request without a restart', () => {
  const base = async () => {
    const texts = await readPolicyFiles();
    return { policies: await realPolicies(), duaModel: texts.duaModel };
  };
  const acmeClinician = clinician('acme-prac-1', ACME.reference);

  it('decides from the DUA versions in the database, and a version added or ended changes the next decision', async () => {
    const db = tempDb();
    const { policies, duaModel } = await base();
    const registry = await ParticipantRegistry.open(db, policies, duaModel);
    const ops = testOps(db, () => registry.changed());
    const engine = new ConsentEngine(db, registry, () => new Date('2026-03-01T12:00:00.000Z'));
    const layerOf = async () => (await engine.decide('p-1', { requester: acmeClinician, cls: 'Condition', categories: ['normal'] })).reasons[0]!;

    await ops.addOrganization(ACME, CLI);
    expect(await layerOf()).toMatchObject({ layer: 'dua', effect: 'deny' });
    const first = engine.policies;
    await ops.addDuaVersion(ACME_DUA, CLI);
    expect(await layerOf()).toMatchObject({ layer: 'default', effect: 'permit' });
    // A new Policies object, never the old one changed: decisions memoised per Policies stay right.
    expect(engine.policies).not.toBe(first);
    await ops.endDuaVersion({ dua: 'dua-acme', version: 1, end: '2026-02-28' }, CLI);
    expect(await layerOf()).toMatchObject({ layer: 'dua', effect: 'deny' });
    await ops.addDuaVersion({ ...ACME_DUA, start: '2026-03-01' }, CLI);
    expect(await layerOf()).toMatchObject({ layer: 'default', effect: 'permit' });
    await ops.setStatus({ target: 'dua-version', id: 'dua-acme', version: 2, status: 'suspended' }, CLI);
    expect(await layerOf()).toMatchObject({ layer: 'dua', effect: 'deny' });
  });

  it('sees a change committed by another process (another connection) on the next check', async () => {
    const db = tempDb();
    const { policies, duaModel } = await base();
    const registry = await ParticipantRegistry.open(db, policies, duaModel);
    const engine = new ConsentEngine(db, registry, () => new Date('2026-03-01T12:00:00.000Z'));
    const other = openSqlite(db.sqlite.name);
    try {
      const ops = testOps(other);
      const keys = await clientKeys();
      await ops.addOrganization(ACME, CLI);
      await ops.addDuaVersion(ACME_DUA, CLI);
      await ops.addClient(acmeClient(keys.publicJwks), CLI);
      expect((await registry.activeClient('acme-ehr'))?.clientId).toBe('acme-ehr');
      expect((await engine.decide('p-1', { requester: acmeClinician, cls: 'Condition', categories: ['normal'] })).permit).toBe(true);
      await ops.setStatus({ target: 'client', id: 'acme-ehr', status: 'suspended' }, CLI);
      expect(await registry.activeClient('acme-ehr')).toBeUndefined();
      await ops.setStatus({ target: 'client', id: 'acme-ehr', status: 'active' }, CLI);
      expect((await registry.activeClient('acme-ehr'))?.clientId).toBe('acme-ehr');
      // A suspended organization's clients are refused and its agreements permit nothing.
      await ops.setStatus({ target: 'organization', id: ACME.reference, status: 'suspended' }, CLI);
      expect(await registry.activeClient('acme-ehr')).toBeUndefined();
      expect((await engine.decide('p-1', { requester: acmeClinician, cls: 'Condition', categories: ['normal'] })).permit).toBe(false);
      expect(await registry.activeClient('nobody')).toBeUndefined();
    } finally {
      other.close();
    }
  });

  it('refuses to change what does not exist, and audits the refusal', async () => {
    const db = tempDb();
    const ops = testOps(db);
    await expect(ops.setStatus({ target: 'client', id: 'nobody', status: 'suspended' }, CLI)).rejects.toMatchObject({ code: 'not-found' });
    expect((await db.orm.select({ n: count() }).from(auditEvents))[0]!.n).toBe(1);
  });
});

describe('the development seed', () => {
  it('registers the synthetic region from policies/duas.csv once, leaving an operator’s later changes alone', async () => {
    const db = tempDb();
    const ops = testOps(db);
    const keys = await clientKeys();
    const fixture = fixtureParticipants();
    const input = {
      organizations: fixture.organizations,
      duas: parseDuaCsv((await readPolicyFiles()).duas),
      clients: fixture.clients.map((c) => ({ ...c, jwks: keys.publicJwks })),
    };
    expect(await developmentSeed(ops, input)).toEqual({ organizations: 12, duaVersions: 11, clients: 11 });
    await ops.setStatus({ target: 'client', id: 'hosp-mercy', status: 'suspended' }, CLI);
    const before = await counts(db);
    expect(await developmentSeed(ops, input)).toEqual({ organizations: 0, duaVersions: 0, clients: 0 });
    expect(await counts(db)).toEqual(before);
    expect((await ops.list()).clients.find((c) => c.clientId === 'hosp-mercy')?.status).toBe('suspended');
    // The seeded agreements decide as the CSV did.
    const registry = await ParticipantRegistry.open(db, await realPolicies(), (await readPolicyFiles()).duaModel);
    const engine = new ConsentEngine(db, registry, () => new Date('2026-03-01T12:00:00.000Z'));
    expect((await engine.decide('p-1', { requester: clinician(), cls: 'Condition', categories: ['normal'] })).permit).toBe(true);
  });
});
