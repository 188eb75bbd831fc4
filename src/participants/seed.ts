import { RESEARCH_ORG, SOURCES } from '../synthetic/catalog.js';
import type { DuaCsvGroup } from './dua-lines.js';
import type { ParticipantOps } from './ops.js';
import type { Actor, ClientInput, OrganizationInput } from './types.js';

/**
 * The synthetic region's participants, for development: every hospital and clinic EHR and
 * every payer is a source that writes its own data; payers also read for payment and
 * operations; the analytics client reads only aggregates. Keys are added by the caller (the
 * development key pairs in KEYS_DIR/clients/).
 */
/** What a provider organization's backend client reads for its reports (and the records gaps are computed on). */
const PROVIDER_REPORT_SCOPES = [
  // Filing a dispute (Task) and remarking on a gap (DetectedIssue) are creates and updates: system/*.cu.
  'Group.rs',
  'Task.rs',
  'Measure.rs',
  'MeasureReport.rs',
  'DetectedIssue.rs',
  'Bundle.rs',
  ...['Patient', 'Encounter', 'Coverage', 'Condition', 'Observation', 'Procedure', 'ExplanationOfBenefit'].map((t) => `${t}.rs`),
]
  .map((s) => `system/${s}`)
  .join(' ');

export function fixtureParticipants(): { organizations: OrganizationInput[]; clients: Omit<ClientInput, 'jwks'>[] } {
  const organizations: OrganizationInput[] = SOURCES.map((s) => ({
    reference: `Organization/${s.organizationId}`,
    name: s.name,
    kind: s.kind === 'directory' ? 'hie' : s.kind === 'payer' ? 'payer' : 'provider',
  }));
  organizations.push({ reference: `Organization/${RESEARCH_ORG.id}`, name: RESEARCH_ORG.name, kind: 'analytics' });
  const clients: Omit<ClientInput, 'jwks'>[] = [];
  for (const source of SOURCES) {
    if (source.kind === 'directory') continue;
    const payer = source.kind === 'payer';
    clients.push({
      clientId: source.id,
      name: source.name,
      kind: payer ? 'payer' : 'source',
      organization: `Organization/${source.organizationId}`,
      sourceUri: source.uri,
      dua: `dua-${source.id}`,
      purposes: payer ? ['HPAYMT', 'HOPERAT'] : ['TREAT', 'HOPERAT'],
      // Providers also subscribe to their patients' admissions and discharges, read what they are
      // told (the Encounter and its Patient) and their daily digest (a List), and fetch their
      // reports: rosters, disputes (Task), gaps in care (computed on the classes the token may
      // read, so it needs those too) with their remarks, and performance reports.
      scope: payer ? 'system/*.cu system/*.rs' : `system/*.cu system/Subscription.cruds system/List.rs ${PROVIDER_REPORT_SCOPES}`,
    });
  }
  clients.push({
    clientId: 'analytics',
    name: RESEARCH_ORG.name,
    kind: 'analytics',
    organization: `Organization/${RESEARCH_ORG.id}`,
    dua: 'dua-analytics-aggregates',
    purposes: ['HRESCH', 'PUBHLTH'],
    scope: 'system/Group.rs system/MeasureReport.rs',
  });
  return { organizations, clients };
}

/** What seeding needs: the operator's own operations, in process or (on a Worker) over its operator API. */
export type SeedOps = Pick<ParticipantOps, 'list' | 'addOrganization' | 'addDuaVersion' | 'addClient'>;

export interface SeedInput {
  organizations: readonly OrganizationInput[];
  /** policies/duas.csv, parsed. */
  duas: readonly DuaCsvGroup[];
  clients: readonly ClientInput[];
}

const SEED: Actor = { via: 'seed', id: 'development' };

/**
 * Registers what is missing, through the same audited operations an operator uses; what exists
 * is left as it is (an operator may have suspended it), so running it at every start is safe.
 */
export async function developmentSeed(ops: SeedOps, input: SeedInput): Promise<{ organizations: number; duaVersions: number; clients: number }> {
  const existing = await ops.list();
  const orgs = new Set(existing.organizations.map((o) => o.reference));
  const duas = new Set(existing.duas.map((d) => d.id));
  const clients = new Set(existing.clients.map((c) => c.clientId));
  const created = { organizations: 0, duaVersions: 0, clients: 0 };
  for (const org of input.organizations) {
    if (orgs.has(org.reference)) continue;
    await ops.addOrganization(org, SEED);
    created.organizations++;
  }
  for (const group of input.duas) {
    if (duas.has(group.dua)) continue;
    await ops.addDuaVersion(
      { dua: group.dua, organization: group.organization, start: group.start, end: group.end, status: group.status, lines: group.lines },
      SEED,
    );
    created.duaVersions++;
  }
  for (const client of input.clients) {
    if (clients.has(client.clientId)) continue;
    await ops.addClient(client, SEED);
    created.clients++;
  }
  return created;
}
