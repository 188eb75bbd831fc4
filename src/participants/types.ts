import type { Purpose } from '../auth/purposes.js';

export const ORGANIZATION_KINDS = ['provider', 'payer', 'analytics', 'hie'] as const;
export const CLIENT_KINDS = ['source', 'payer', 'analytics'] as const;
export const STATUSES = ['active', 'suspended'] as const;
export const LINE_SCOPES = ['any', 'member'] as const;

export type OrganizationKind = (typeof ORGANIZATION_KINDS)[number];
export type ClientKind = (typeof CLIENT_KINDS)[number];
export type Status = (typeof STATUSES)[number];

/**
 * Client ids the authorization server configures statically (the public SMART apps for
 * people); oidc-provider answers those before the database, so none may be registered.
 */
export const RESERVED_CLIENT_IDS: ReadonlySet<string> = new Set(['smart-demo', 'consent-portal']);

export interface Organization {
  /** `Organization/<id>`. */
  reference: string;
  name: string;
  kind: OrganizationKind;
  status: Status;
}

export interface OrganizationInput {
  reference: string;
  name: string;
  kind: string;
}

/** A public key set: what the client signs its assertions with, without the private halves. */
export interface Jwks {
  keys: Record<string, unknown>[];
}

export interface BackendClient {
  clientId: string;
  name: string;
  kind: ClientKind;
  organization: string;
  sourceUri?: string;
  scope: string;
  purposes: Purpose[];
  jwks?: Jwks;
  jwksUri?: string;
  dua?: string;
  status: Status;
  createdAt: string;
  updatedAt: string;
}

export interface ClientInput {
  clientId: string;
  name: string;
  kind: string;
  organization: string;
  sourceUri?: string | undefined;
  scope: string;
  purposes: readonly string[];
  jwks?: unknown;
  jwksUri?: string | undefined;
  dua?: string | undefined;
}

/** One line of a DUA version: the columns of policies/duas.csv after the agreement and organization. */
export interface DuaLine {
  purpose: string;
  /** A resource type, or `*`. */
  cls: string;
  /** A sensitivity category (normal, sud, hiv, bh, srh), or `*`. */
  category: string;
  /** `any` patient in the exchange, or the payer's own `member`s. */
  scope: string;
}

/** A period as stored: ISO instants, '' for an open end. */
export interface Period {
  start: string;
  end: string;
}

export interface DuaVersion extends Period {
  version: number;
  status: Status;
  lines: DuaLine[];
}

export interface Dua {
  id: string;
  organization: string;
  versions: DuaVersion[];
}

export interface DuaVersionInput {
  dua: string;
  organization: string;
  /** A date (YYYY-MM-DD) or an instant; a date-only end means the end of that day (UTC). */
  start: string;
  end: string;
  lines: readonly DuaLine[];
  /** The next number when omitted. */
  version?: number | undefined;
  status?: string | undefined;
}

/** Everything registered, as the registry and the operator tools see it. */
export interface Participants {
  organizations: Organization[];
  clients: BackendClient[];
  duas: Dua[];
}

/** Who made a change: an operator through the API, someone at the CLI (their OS user), or the development seed. */
export interface Actor {
  via: 'api' | 'cli' | 'seed';
  id: string;
  fhirUser?: string;
  clientId?: string;
  tokenId?: string;
}
