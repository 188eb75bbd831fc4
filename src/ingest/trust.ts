import { sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import type { Issue } from '../fhir/errors.js';
import type { Prepared } from '../store/plan.js';
import { chunks } from '../store/write.js';

/** What the trust rules need to know about the world before a write: who owns which Patient, which organization each source is. */
export interface TrustState {
  /** Stored Patient id -> the source that wrote it. */
  patientSource: ReadonlyMap<string, string>;
  /** Source URI -> the organization its registered backend client acts for. */
  sourceOrganization: ReadonlyMap<string, string>;
}

export type TrustRefusal = { index: number; issues: Issue[] };

/**
 * The rules on what a source may write, pure over the prepared entries and the stored state.
 * Refused entries come back with the rule they broke; nothing about another patient is said.
 *
 * 1. Consents are authored only through the consent API (by the patient, her delegated
 *    caregiver, or an operator recording a paper consent); no source may send one.
 * 2. A source's references to a Patient resolve to its own Patient records, sent now or stored
 *    before: linking records across sources is the patient index's job, not the sender's.
 * 3. A Coverage is written only by the payer's own registered source, naming that payer's
 *    organization (and only it) as payor: otherwise anyone could make anyone a payer's member.
 */
export function trustRefusals(prepared: readonly Prepared[], state: TrustState, consentAuthor: boolean): TrustRefusal[] {
  const refusals: TrustRefusal[] = [];
  // A Patient sent now is the sender's own only if it is new or already the sender's: re-sending
  // another source's Patient id (refused at the store) must not make it "its own" for the rest.
  const sentPatients = new Map(
    prepared.filter((p) => p.type === 'Patient' && (state.patientSource.get(p.id) ?? p.source) === p.source).map((p) => [p.id, p.source]),
  );
  for (const p of prepared) {
    const at = `Bundle.entry[${p.index}].resource`;
    const refuse = (diagnostics: string, expression = at) => refusals.push({ index: p.index, issues: [{ code: 'forbidden', diagnostics, expression }] });
    if ((p.type === 'Consent') !== consentAuthor) {
      refuse(
        p.type === 'Consent' ? 'Consents are written only by the patient, through the consent API; a source cannot send one' : 'Only Consents are written here',
      );
      continue;
    }
    if (consentAuthor) continue;
    if (containsConsent(p.resource)) {
      refuse('A Consent cannot be sent contained in another resource: Consents are written only by the patient, through the consent API', `${at}.contained`);
      continue;
    }
    const patientId = p.values.patientId;
    if (patientId !== null) {
      const owner = sentPatients.get(patientId) ?? state.patientSource.get(patientId);
      if (owner !== p.source)
        refuse(`Patient/${patientId} is not one of this source's own Patient records: send your own record of the patient, and the index links it`);
    }
    if (p.type === 'Coverage') {
      const organization = state.sourceOrganization.get(p.source);
      const payor: unknown = (p.resource as { payor?: unknown }).payor;
      // Exactly `Organization/{id}`: the form membership compares, so nothing is accepted and then ignored.
      const payors = Array.isArray(payor) ? payor.map((r) => (r as { reference?: unknown } | null)?.reference) : [];
      if (!organization) refuse('Only a payer’s own registered source may write Coverage', `${at}.payor`);
      else if (payors.length === 0 || payors.some((r) => r !== organization))
        refuse(`Coverage.payor must be exactly one reference, ${organization} (this source’s own organization, as a relative reference)`, `${at}.payor`);
    }
  }
  return refusals;
}

/** Reads the state the trust rules need for these entries, in a few indexed queries. */
export async function loadTrustState(db: Database, prepared: readonly Prepared[]): Promise<TrustState> {
  const referenced = prepared.map((p) => p.values.patientId);
  const sent = prepared.filter((p) => p.type === 'Patient').map((p) => p.id);
  const ids = [...new Set([...referenced, ...sent].filter((id): id is string => id !== null))];
  const patientSource = new Map<string, string>();
  for (const chunk of chunks(ids, db.maxParams - 1)) {
    const rows = await db.orm.all<{ id: string; source: string }>(
      sql`SELECT id, source FROM resources WHERE type = 'Patient' AND id IN (${sql.join(
        chunk.map((id) => sql`${id}`),
        sql`, `,
      )})`,
    );
    for (const r of rows) patientSource.set(r.id, r.source);
  }
  const sourceOrganization = new Map<string, string>();
  const coverageSources = [...new Set(prepared.filter((p) => p.type === 'Coverage').map((p) => p.source))];
  for (const source of coverageSources) {
    const [row] = await db.orm.all<{ organization: string }>(
      sql`SELECT organization FROM backend_clients WHERE source_uri = ${source} AND status = 'active' AND kind = 'payer'`,
    );
    if (row) sourceOrganization.set(source, row.organization);
  }
  return { patientSource, sourceOrganization };
}

/** A Consent contained at any depth (contained resources may contain others). */
function containsConsent(resource: unknown, depth = 0): boolean {
  const contained = (resource as { contained?: unknown } | null)?.contained;
  if (contained === undefined || depth > 8) return false;
  if (!Array.isArray(contained)) return true;
  return contained.some((c) => (c as { resourceType?: unknown } | null)?.resourceType === 'Consent' || containsConsent(c, depth + 1));
}
