import { isPurpose, type Purpose } from '../auth/purposes.js';
import { parseScope } from '../auth/scopes.js';
import { validateDuaLines } from './dua-lines.js';
import { ParticipantError } from './errors.js';
import { checkJwks } from './jwks.js';
import { findOverlap, normalisePeriod } from './period.js';
import {
  CLIENT_KINDS,
  ORGANIZATION_KINDS,
  RESERVED_CLIENT_IDS,
  STATUSES,
  type BackendClient,
  type ClientInput,
  type ClientKind,
  type DuaLine,
  type DuaVersionInput,
  type Jwks,
  type Organization,
  type OrganizationInput,
  type Participants,
  type Period,
  type Status,
} from './types.js';

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ORGANIZATION_REF = /^Organization\/[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/;

/** Problems found so far, each with how bad it is; thrown as one ParticipantError. */
class Problems {
  private readonly found: { code: ParticipantError['code']; message: string }[] = [];
  add(code: ParticipantError['code'], message: string): void {
    this.found.push({ code, message });
  }
  /** Throws if anything was found: `invalid` first, since a malformed input's other problems may be consequences. */
  throwIfAny(): void {
    if (this.found.length === 0) return;
    const code = (['invalid', 'not-found', 'conflict'] as const).find((c) => this.found.some((f) => f.code === c))!;
    throw new ParticipantError(
      code,
      this.found.map((f) => f.message),
    );
  }
}

const text = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

/** A new organization, checked against those registered. */
export function validateOrganization(input: OrganizationInput, existing: Participants): Organization {
  const p = new Problems();
  if (!text(input.reference) || !ORGANIZATION_REF.test(input.reference)) p.add('invalid', `reference '${String(input.reference)}' must be Organization/<id>`);
  if (!text(input.name)) p.add('invalid', 'name is required');
  if (!(ORGANIZATION_KINDS as readonly unknown[]).includes(input.kind))
    p.add('invalid', `kind '${String(input.kind)}' is not one of ${ORGANIZATION_KINDS.join(', ')}`);
  if (existing.organizations.some((o) => o.reference === input.reference)) p.add('conflict', `organization ${input.reference} is already registered`);
  p.throwIfAny();
  return { reference: input.reference, name: input.name.trim(), kind: input.kind as Organization['kind'], status: 'active' };
}

/** A new backend client, checked against what is registered; the JWKS is imported with jose to prove it is a usable public key set. */
export async function validateClient(input: ClientInput, existing: Participants, now: string): Promise<BackendClient> {
  const p = new Problems();
  if (!text(input.clientId) || !ID.test(input.clientId))
    p.add('invalid', `client id '${String(input.clientId)}' must be 1-64 letters, digits, '.', '_' or '-'`);
  else if (RESERVED_CLIENT_IDS.has(input.clientId)) p.add('invalid', `client id '${input.clientId}' is reserved for the gateway's own apps`);
  if (!text(input.name)) p.add('invalid', 'name is required');
  if (!(CLIENT_KINDS as readonly unknown[]).includes(input.kind)) p.add('invalid', `kind '${String(input.kind)}' is not one of ${CLIENT_KINDS.join(', ')}`);
  const scopes = text(input.scope) ? input.scope.trim().split(/\s+/) : [];
  if (scopes.length === 0) p.add('invalid', 'scope is required, e.g. "system/*.cu"');
  for (const s of scopes) if (parseScope(s)?.context !== 'system') p.add('invalid', `scope '${s}' is not a SMART system scope (system/<type>.<cruds>)`);
  const purposes = Array.isArray(input.purposes) ? input.purposes : [];
  if (purposes.length === 0) p.add('invalid', 'at least one purpose of use is required');
  for (const purpose of purposes) if (typeof purpose !== 'string' || !isPurpose(purpose)) p.add('invalid', `unknown purpose '${String(purpose)}'`);
  if (input.sourceUri !== undefined && (!isAbsoluteUri(input.sourceUri) || input.sourceUri !== input.sourceUri.trim()))
    p.add('invalid', `source URI '${String(input.sourceUri)}' is not an absolute URI (without surrounding spaces)`);
  await checkKeys(input, p);

  const organization = text(input.organization) ? existing.organizations.find((o) => o.reference === input.organization) : undefined;
  if (text(input.organization) && !organization) p.add('not-found', `unknown organization '${input.organization}'`);
  else if (!text(input.organization)) p.add('invalid', 'organization is required');
  else if (organization && !CLIENT_ORGANIZATION_KINDS[input.kind as ClientKind]?.includes(organization.kind))
    p.add('conflict', `a ${String(input.kind)} client cannot act for ${organization.reference}, a ${organization.kind} organization`);
  if (input.dua !== undefined) {
    const dua = existing.duas.find((d) => d.id === input.dua);
    if (!dua) p.add('not-found', `unknown DUA '${input.dua}'`);
    else if (dua.organization !== input.organization) p.add('conflict', `DUA '${input.dua}' belongs to ${dua.organization}, not ${input.organization}`);
  }
  if (existing.clients.some((c) => c.clientId === input.clientId)) p.add('conflict', `client '${input.clientId}' is already registered`);
  // One client per source system, however its URI is spelled (scheme and host are case-blind).
  const same = sameUri(input.sourceUri);
  const writer = same === undefined ? undefined : existing.clients.find((c) => sameUri(c.sourceUri) === same);
  if (writer) p.add('conflict', `source ${input.sourceUri} already belongs to client '${writer.clientId}'; each source system writes as one client`);
  p.throwIfAny();
  return {
    clientId: input.clientId,
    name: input.name.trim(),
    kind: input.kind as ClientKind,
    organization: input.organization,
    ...(input.sourceUri !== undefined ? { sourceUri: input.sourceUri } : {}),
    scope: scopes.join(' '),
    purposes: [...new Set(purposes)] as Purpose[],
    ...(input.jwks !== undefined ? { jwks: input.jwks as Jwks } : { jwksUri: input.jwksUri! }),
    ...(input.dua !== undefined ? { dua: input.dua } : {}),
    status: 'active',
    createdAt: now,
    updatedAt: now,
  };
}

async function checkKeys(input: ClientInput, p: Problems): Promise<void> {
  if (input.jwks === undefined && input.jwksUri === undefined) return p.add('invalid', 'a client needs its public keys: a jwks or a jwks_uri');
  if (input.jwks !== undefined && input.jwksUri !== undefined) return p.add('invalid', 'give a jwks or a jwks_uri, not both');
  if (input.jwks !== undefined) {
    for (const problem of await checkJwks(input.jwks)) p.add('invalid', `jwks: ${problem}`);
    return;
  }
  if (!isJwksUri(input.jwksUri)) p.add('invalid', `jwks_uri '${String(input.jwksUri)}' must be an https URL (http only on loopback)`);
}

function isJwksUri(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
  } catch {
    return false;
  }
}

/** Which organizations each kind of client may act for. */
const CLIENT_ORGANIZATION_KINDS: Record<ClientKind, readonly Organization['kind'][]> = {
  source: ['provider', 'hie'],
  payer: ['payer'],
  analytics: ['analytics'],
};

/** A URI as compared for sameness: parsed (scheme and host lower-cased), or as given where it does not parse. */
function sameUri(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return new URL(value.trim()).href.toLowerCase();
  } catch {
    return value.trim().toLowerCase();
  }
}

function isAbsoluteUri(value: unknown): boolean {
  if (!text(value)) return false;
  try {
    return new URL(value).protocol !== '';
  } catch {
    return false;
  }
}

export interface ValidDuaVersion extends Period {
  dua: string;
  organization: string;
  /** Whether the agreement itself is new. */
  newDua: boolean;
  version: number;
  status: Status;
  lines: DuaLine[];
}

/** A new version of a DUA (creating the DUA if it is new), checked for its lines, its period and overlap with the DUA's other versions. */
export function validateDuaVersion(input: DuaVersionInput, existing: Participants): ValidDuaVersion {
  const p = new Problems();
  if (!text(input.dua) || !ID.test(input.dua)) p.add('invalid', `DUA id '${String(input.dua)}' must be 1-64 letters, digits, '.', '_' or '-'`);
  for (const problem of validateDuaLines(Array.isArray(input.lines) ? input.lines : [])) p.add('invalid', problem);
  let period: Period | undefined;
  try {
    period = normalisePeriod(String(input.start ?? ''), String(input.end ?? ''));
    if (period.start === '') p.add('invalid', 'a DUA version needs a start');
  } catch (err) {
    if (!(err instanceof ParticipantError)) throw err;
    for (const problem of err.problems) p.add('invalid', problem);
  }
  const status = input.status ?? 'active';
  if (!(STATUSES as readonly string[]).includes(status)) p.add('invalid', `status '${status}' is not active or suspended`);
  if (input.version !== undefined && (!Number.isInteger(input.version) || input.version < 1))
    p.add('invalid', `version ${String(input.version)} is not a positive whole number`);
  if (!existing.organizations.some((o) => o.reference === input.organization)) p.add('not-found', `unknown organization '${String(input.organization)}'`);
  const dua = existing.duas.find((d) => d.id === input.dua);
  if (dua && dua.organization !== input.organization) p.add('conflict', `DUA '${input.dua}' belongs to ${dua.organization}`);
  const versions = dua?.versions ?? [];
  const version = input.version ?? Math.max(0, ...versions.map((v) => v.version)) + 1;
  if (versions.some((v) => v.version === version)) p.add('conflict', `DUA '${input.dua}' already has version ${version}`);
  const overlap = period && findOverlap(versions, period);
  if (overlap)
    p.add(
      'conflict',
      `the period overlaps version ${overlap.version} of '${input.dua}' (${overlap.start || 'open'} to ${overlap.end || 'open'}); end that version first`,
    );
  p.throwIfAny();
  return {
    dua: input.dua,
    organization: input.organization,
    newDua: !dua,
    version,
    status: status as Status,
    ...period!,
    lines: input.lines.map((l) => ({ purpose: l.purpose, cls: l.cls, category: l.category, scope: l.scope })),
  };
}

/** A new end for an existing version: a valid instant, not before its start, overlapping no other version. */
export function validateDuaEnd(input: { dua: string; version: number; end: string }, existing: Participants): Period {
  const dua = existing.duas.find((d) => d.id === input.dua);
  const version = dua?.versions.find((v) => v.version === input.version);
  if (!dua || !version) throw new ParticipantError('not-found', [`DUA '${input.dua}' has no version ${input.version}`]);
  const period = normalisePeriod(version.start, String(input.end ?? ''));
  const overlap = findOverlap(dua.versions, period, version.version);
  if (overlap)
    throw new ParticipantError('conflict', [`ending version ${version.version} at ${period.end || 'open'} would overlap version ${overlap.version}`]);
  return period;
}
