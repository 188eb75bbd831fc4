import type { JWTPayload } from 'jose';
import { isPurpose, type Purpose } from './purposes.js';
import { isRole, type Role } from './roles.js';
import { parseScopes, type SmartScope } from './scopes.js';

/** Who is asking, for which organization and purpose, with which scopes: built once per token. */
export interface Requester {
  kind: 'person' | 'system';
  /** The token's subject: an account (person) or the client id (system). */
  subject: string;
  clientId: string;
  role?: Role;
  fhirUser?: string;
  organization?: string;
  /** SMART launch context: the patient a patient-scoped token is about. */
  patient?: string;
  scopes: SmartScope[];
  scope: string;
  purposes: Purpose[];
  /** For system clients: the data use agreement they operate under, and the source system they write as. */
  dua?: string;
  source?: string;
  clientKind?: string;
  tokenId: string;
  /** Epoch seconds. */
  expiresAt: number;
}

export class ClaimsError extends Error {}

/** Builds a Requester from verified access-token claims; a token missing what we rely on is refused. */
export function requesterFromClaims(claims: JWTPayload): Requester {
  const str = (name: string) => (typeof claims[name] === 'string' ? (claims[name] as string) : undefined);
  const clientId = str('client_id');
  if (!claims.sub || !clientId || !claims.jti || typeof claims.exp !== 'number') throw new ClaimsError('token lacks sub, client_id, jti or exp');
  const purposes = Array.isArray(claims.purpose_of_use) ? claims.purpose_of_use.filter((p): p is Purpose => typeof p === 'string' && isPurpose(p)) : [];
  const role = str('role');
  // System tokens (client_credentials) carry the client's kind and have the client as subject; a
  // token with a client kind but another subject is neither, and is refused (a backend client
  // never acts as a person).
  if (str('client_kind') !== undefined && claims.sub !== clientId) throw new ClaimsError('a backend client token must have the client as its subject');
  const kind = str('client_kind') !== undefined ? 'system' : 'person';
  if (kind === 'person' && !isRole(role)) throw new ClaimsError('token names no known role');
  const optional = (name: string, value: string | undefined) => (value === undefined ? {} : { [name]: value });
  return {
    kind,
    subject: claims.sub,
    clientId,
    ...(kind === 'person' ? { role: role as Role } : {}),
    ...optional('fhirUser', str('fhirUser')),
    ...optional('organization', str('organization')),
    ...optional('patient', str('patient')),
    ...optional('dua', str('dua')),
    ...optional('source', str('source')),
    ...optional('clientKind', str('client_kind')),
    scope: str('scope') ?? '',
    scopes: parseScopes(str('scope')),
    purposes,
    tokenId: claims.jti,
    expiresAt: claims.exp,
  };
}
