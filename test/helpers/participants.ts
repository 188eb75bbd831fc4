import { AuditLog } from '../../src/audit/log.js';
import type { Database } from '../../src/db/database.js';
import { developmentSeed, participantOps } from '../../src/participants/index.js';
import { regionParticipants } from './worker-participants.js';

/**
 * The synthetic region's participants (organizations, backend clients with their source URIs,
 * policies/duas.csv), registered as development mode does: payers' Coverages are accepted only
 * from their own registered sources. One generated public key for every client: these tests
 * never sign as the clients.
 */
export async function registerFixtureParticipants(db: Database): Promise<void> {
  let id = 0;
  const ops = participantOps({ db, audit: new AuditLog(db), clock: () => new Date(), newId: () => `participant-${++id}` });
  await developmentSeed(ops, await regionParticipants());
}
