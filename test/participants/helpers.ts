import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { AuditLog } from '../../src/audit/log.js';
import type { SqliteDatabase } from '../../src/db/sqlite.js';
import { participantOps, type Actor, type ClientInput } from '../../src/participants/index.js';
import { auditTexts } from '../helpers/audit.js';

export const CLI: Actor = { via: 'cli', id: 'ops-user' };

/** A key pair a backend client would hold: the private half signs, the public half is registered. */
export async function clientKeys(): Promise<{ privateJwk: JWK; publicJwks: { keys: JWK[] }; privateKey: CryptoKey }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = crypto.randomUUID();
  return {
    privateKey,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' },
    publicJwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] },
  };
}

/** Operations over a test database, auditing into the same file, on a clock the test moves. */
export function testOps(db: SqliteDatabase, changed?: () => Promise<void>) {
  let id = 0;
  const audit = new AuditLog(db);
  return participantOps({ db, audit, clock: () => new Date('2026-03-01T12:00:00.000Z'), newId: () => `audit-${++id}`, ...(changed ? { changed } : {}) });
}

export async function auditTrail(
  db: SqliteDatabase,
): Promise<{ action: string; outcome: string; subtype: string[]; who: unknown; entity: string; detail: string }[]> {
  return auditTexts(db.sqlite).map((text) => {
    const e = JSON.parse(text);
    return {
      action: e.action,
      outcome: e.outcome,
      subtype: e.subtype.map((s: { code: string }) => s.code),
      who: e.agent[0].who,
      entity: e.entity.map((x: { what: { reference?: string; identifier?: { value: string } } }) => x.what.reference ?? x.what.identifier?.value).join(' '),
      detail: JSON.stringify(e.entity.flatMap((x: { detail?: unknown[] }) => x.detail ?? [])) + (e.outcomeDesc ?? ''),
    };
  });
}

export const ACME = { reference: 'Organization/acme-org', name: 'Acme Hospital', kind: 'provider' as const };

export function acmeClient(jwks: object, extra: Partial<ClientInput> = {}): ClientInput {
  return {
    clientId: 'acme-ehr',
    name: 'Acme EHR',
    kind: 'source',
    organization: ACME.reference,
    sourceUri: 'https://acme.example.org/fhir',
    scope: 'system/*.cu system/*.rs',
    purposes: ['TREAT', 'HOPERAT'],
    jwks,
    dua: 'dua-acme',
    ...extra,
  };
}

export const ACME_DUA = {
  dua: 'dua-acme',
  organization: ACME.reference,
  start: '2026-01-01',
  end: '2026-12-31',
  lines: [{ purpose: 'TREAT', cls: '*', category: '*', scope: 'any' }],
};
