import { exportJWK, generateKeyPair } from 'jose';
import { AuditLog } from '../../src/audit/log.js';
import type { Database } from '../../src/db/database.js';
import { readPolicyFiles } from '../../src/entry/policy-files.js';
import { developmentSeed, fixtureParticipants, parseDuaCsv, participantOps } from '../../src/participants/index.js';

// One public key for every fixture client: these tests never sign as the clients.
const { publicKey } = await generateKeyPair('ES256', { extractable: true });
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'fixture-clients', alg: 'ES256', use: 'sig' }] };

/**
 * The synthetic region's participants (organizations, backend clients with their source URIs,
 * policies/duas.csv), registered as development mode does: payers' Coverages are accepted only
 * from their own registered sources.
 */
export async function registerFixtureParticipants(db: Database): Promise<void> {
  let id = 0;
  const ops = participantOps({ db, audit: new AuditLog(db), clock: () => new Date(), newId: () => `participant-${++id}` });
  const fixture = fixtureParticipants();
  const duas = parseDuaCsv((await readPolicyFiles()).duas);
  await developmentSeed(ops, { organizations: fixture.organizations, duas, clients: fixture.clients.map((c) => ({ ...c, jwks })) });
}
