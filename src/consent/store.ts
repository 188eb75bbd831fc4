import { and, asc, eq, gt, max, sql, type SQL } from 'drizzle-orm';
import type { Database, Statement } from '../db/database.js';
import { backendClients, breakGlass, consentLines, consentVersions, patientLinks, resources } from '../db/schema.js';
import { parseFhirDate } from '../store/fhir-dates.js';
import { insertRows } from '../store/write.js';
import { lineOfRow, type ConsentLine } from './compile.js';
import type { PatientView } from './decide.js';
import type { Policies } from './policies.js';
import { compilePatientView } from './view.js';

/**
 * Loads everything a patient's decisions need: their lines, their payers, their active
 * break-the-glass grants. The three queries are prepared once per database: building SQL for
 * each cache miss cost more than running it.
 */
export function patientViewLoader(db: Database, policies: Pick<Policies, 'consentModel'>): (person: string, now: string) => Promise<PatientView> {
  const lines = db.orm
    .select()
    .from(consentLines)
    .where(eq(consentLines.patientId, sql.placeholder('person')))
    .orderBy(asc(consentLines.priority), asc(consentLines.consentId), asc(consentLines.ord))
    .prepare();
  // With each Coverage, the organization its writer is registered for: a Coverage counts only for that payer.
  // `+type`: from the person's links into each record's compartment. Otherwise SQLite walks every
  // Coverage of the exchange for each person (365 ms a decision at 100,000 patients, 0.7 ms so).
  const coverages = db.orm
    .select({ content: resources.content, writerOrganization: backendClients.organization })
    .from(resources)
    .innerJoin(patientLinks, eq(patientLinks.patientId, resources.patientId))
    .leftJoin(backendClients, eq(backendClients.sourceUri, resources.source))
    .where(and(eq(patientLinks.personId, sql.placeholder('person')), sql`+${resources.type} = 'Coverage'`))
    .prepare();
  const grants = db.orm
    .select()
    .from(breakGlass)
    .where(and(eq(breakGlass.patientId, sql.placeholder('person')), gt(breakGlass.expiresAt, sql.placeholder('now'))))
    .prepare();
  return async (person, now) => {
    const [lineRows, coverageRows, grantRows] = await Promise.all([lines.all({ person }), coverages.all({ person }), grants.all({ person, now })]);
    const { payers, memberships, validUntil } = membership(coverageRows as { content: string; writerOrganization: string | null }[], now);
    return compilePatientView(policies, {
      person,
      lines: (lineRows as (typeof consentLines.$inferSelect)[]).map(lineOfRow),
      payers,
      memberships,
      ...(validUntil ? { validUntil } : {}),
      breakGlass: (grantRows as (typeof breakGlass.$inferSelect)[]).map((g) => ({ id: g.id, practitioner: g.practitioner, expiresAt: g.expiresAt })),
    });
  };
}

/**
 * Which payers count this person as a member now: an active Coverage, within its period, written
 * by the payer's own registered source and naming it as payor. Membership changes with time as
 * periods start and end, so the view is valid until the next such boundary.
 */
export function membership(
  coverages: readonly { content: string; writerOrganization: string | null }[],
  now: string,
): { payers: Set<string>; memberships: { payer: string; start?: string; end?: string }[]; validUntil?: string } {
  const payers = new Set<string>();
  const memberships: { payer: string; start?: string; end?: string }[] = [];
  let validUntil: string | undefined;
  // At or after now: a period ending at exactly this instant still counts her now, and must be
  // looked at again the moment after (red team: `>` left such a view valid for ever).
  const boundary = (instant: string) => {
    if (instant >= now && (validUntil === undefined || instant < validUntil)) validUntil = instant;
  };
  for (const { content, writerOrganization } of coverages) {
    const coverage = JSON.parse(content) as { status?: string; payor?: { reference?: string }[]; period?: { start?: string; end?: string } };
    if (coverage.status !== 'active' || !writerOrganization) continue;
    const start = coverage.period?.start ? parseFhirDate(coverage.period.start)?.[0] : undefined;
    const end = coverage.period?.end ? parseFhirDate(coverage.period.end)?.[1] : undefined;
    if (start) boundary(start);
    if (end) boundary(end);
    const own = (coverage.payor ?? []).some((p) => p.reference === writerOrganization);
    if (own) memberships.push({ payer: writerOrganization, ...(start ? { start } : {}), ...(end ? { end } : {}) });
    if ((start && start > now) || (end && end < now)) continue;
    if (own) payers.add(writerOrganization);
  }
  return validUntil ? { payers, memberships, validUntil } : { payers, memberships };
}

/** The statements that replace one Consent's lines and advance the change sequence, to run atomically with the Consent's own write. */
export function replaceLinesStatements(db: Database, person: string, consentId: string, lines: readonly ConsentLine[]): Statement[] {
  return [
    db.orm.delete(consentLines).where(and(eq(consentLines.patientId, person), eq(consentLines.consentId, consentId))) as Statement,
    ...insertRows(
      consentLines,
      lines.map((l, ord) => ({
        patientId: person,
        consentId,
        ord,
        priority: l.priority,
        actor: l.actor,
        purpose: l.purpose,
        cls: l.cls,
        label: l.label,
        start: l.start,
        end: l.end,
        dataStart: l.dataStart,
        dataEnd: l.dataEnd,
        effect: l.effect,
        ref: l.ref,
      })),
    ),
    bumpStatement(db, person),
  ];
}

/** Marks a person's decisions stale everywhere: the next sequence number, computed inside the same write. */
export function bumpStatement(db: Database, person: string): Statement {
  return db.orm
    .insert(consentVersions)
    .values({ patientId: person, seq: sql`(select coalesce(max(${consentVersions.seq}), 0) + 1 from ${consentVersions})` })
    .onConflictDoUpdate({
      target: consentVersions.patientId,
      set: { seq: sql`(select coalesce(max(${consentVersions.seq}), 0) + 1 from ${consentVersions})` },
    }) as Statement;
}

/**
 * Marks stale the decisions about whoever the Patient records matching `patient` are linked to
 * (by SQL, inside the write, so a record linked in the same transaction counts). INSERT … SELECT
 * … WHERE: the WHERE also keeps SQLite from reading ON CONFLICT as part of the SELECT.
 */
function bumpLinkedStatement(db: Database, patient: SQL): Statement {
  const next = sql<number>`(select coalesce(max(${consentVersions.seq}), 0) + 1 from ${consentVersions})`;
  return db.orm
    .insert(consentVersions)
    .select(
      db.orm
        .select({ patientId: patientLinks.personId, seq: next.as('seq') })
        .from(patientLinks)
        .where(patient),
    )
    .onConflictDoUpdate({ target: consentVersions.patientId, set: { seq: next } }) as unknown as Statement;
}

/**
 * Before a Coverage is replaced: whoever its stored version covered, so moving a Coverage to
 * another beneficiary ends the old member's membership at the next request too.
 */
export const coverageReplacedStatement = (db: Database, coverageId: string): Statement =>
  bumpLinkedStatement(
    db,
    sql`${patientLinks.patientId} = (select ${resources.patientId} from ${resources} where ${resources.type} = 'Coverage' and ${resources.id} = ${coverageId})`,
  );

/** With a changed Coverage: whoever it covers now, since membership is part of every payer's decision. */
export const coverageChangedStatement = (db: Database, patientId: string): Statement => bumpLinkedStatement(db, eq(patientLinks.patientId, patientId));

export async function latestSeq(db: Database): Promise<number> {
  const [row] = await db.orm.select({ seq: max(consentVersions.seq) }).from(consentVersions);
  return row?.seq ?? 0;
}

/** People whose consents changed after a sequence number (placeholder `seq`), prepared once. */
export function changedSinceQuery(db: Database) {
  return db.orm
    .select()
    .from(consentVersions)
    .where(gt(consentVersions.seq, sql.placeholder('seq')))
    .prepare();
}

/** Which of these `Type/id` references name a stored resource: a Consent may only name actors the exchange knows. */
export async function existingActors(db: Database, refs: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const ref of refs) {
    const [type, id] = ref.split('/');
    const [row] = await db.orm
      .select({ id: resources.id })
      .from(resources)
      .where(and(eq(resources.type, type!), eq(resources.id, id!)));
    if (row) found.add(ref);
  }
  return found;
}
