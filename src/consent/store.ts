import { and, asc, eq, gt, max, sql } from 'drizzle-orm';
import type { Database, Statement } from '../db/database.js';
import { breakGlass, consentLines, consentVersions, patientLinks, resources } from '../db/schema.js';
import { insertRows } from '../store/write.js';
import type { ConsentLine } from './compile.js';
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
  const coverages = db.orm
    .select({ content: resources.content })
    .from(resources)
    .innerJoin(patientLinks, eq(patientLinks.patientId, resources.patientId))
    .where(and(eq(patientLinks.personId, sql.placeholder('person')), eq(resources.type, 'Coverage')))
    .prepare();
  const grants = db.orm
    .select()
    .from(breakGlass)
    .where(and(eq(breakGlass.patientId, sql.placeholder('person')), gt(breakGlass.expiresAt, sql.placeholder('now'))))
    .prepare();
  return async (person, now) => {
    const [lineRows, coverageRows, grantRows] = await Promise.all([lines.all({ person }), coverages.all({ person }), grants.all({ person, now })]);
    const payers = new Set<string>();
    for (const { content } of coverageRows as { content: string }[]) {
      const coverage = JSON.parse(content) as { status?: string; payor?: { reference?: string }[] };
      if (coverage.status === 'active') for (const p of coverage.payor ?? []) if (p.reference) payers.add(p.reference);
    }
    return compilePatientView(policies, {
      person,
      lines: (lineRows as (typeof consentLines.$inferSelect)[]).map(({ patientId, consentId: _c, ord: _o, ...l }) => ({
        ...l,
        patient: patientId,
        effect: l.effect as 'allow' | 'deny',
      })),
      payers,
      breakGlass: (grantRows as (typeof breakGlass.$inferSelect)[]).map((g) => ({ id: g.id, practitioner: g.practitioner, expiresAt: g.expiresAt })),
    });
  };
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
