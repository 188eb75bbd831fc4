import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { breakGlass, breakGlassReviews } from '../db/schema.js';

/**
 * The review of break-the-glass grants: every grant waits for an operator's finding; the patient
 * (or the caregiver acting for her) may ask for one, with a note. Rows are appended, never
 * changed (migration 0014 refuses updates and deletes), so the history of a review is its rows.
 * Callers audit each action; this module only stores and reads.
 */
export interface GrantReview {
  grant: typeof breakGlass.$inferSelect;
  /** The patient's requests, oldest first. */
  requests: { actor: string; at: string; note: string | null }[];
  /** The operator's finding, once made. */
  decision?: { actor: string; at: string; outcome: 'appropriate' | 'inappropriate'; note: string | null };
}

export type ReviewRefusal = 'unknown-grant' | 'already-decided' | 'already-requested';

/** The patient asks for a review of one of her grants. Refused for a grant that is not hers, or already decided or asked for. */
export async function requestReview(
  db: Database,
  r: { grantId: string; person: string; actor: string; note: string; at: string; id: string },
): Promise<ReviewRefusal | undefined> {
  const [review] = await reviewsOf(db, { grantIds: [r.grantId] });
  if (!review || review.grant.patientId !== r.person) return 'unknown-grant';
  if (review.decision) return 'already-decided';
  if (review.requests.length > 0) return 'already-requested';
  await db.orm.insert(breakGlassReviews).values({ id: r.id, grantId: r.grantId, kind: 'requested', actor: r.actor, at: r.at, note: r.note });
  return undefined;
}

/** An operator records a finding. A grant has one finding: a second is refused. */
export async function decideReview(
  db: Database,
  r: { grantId: string; actor: string; outcome: 'appropriate' | 'inappropriate'; note: string; at: string; id: string },
): Promise<ReviewRefusal | undefined> {
  const [review] = await reviewsOf(db, { grantIds: [r.grantId] });
  if (!review) return 'unknown-grant';
  if (review.decision) return 'already-decided';
  await db.orm.insert(breakGlassReviews).values({ id: r.id, grantId: r.grantId, kind: 'decided', actor: r.actor, at: r.at, outcome: r.outcome, note: r.note });
  return undefined;
}

/** Grants with their reviews, newest grant first: one patient's (`person`), some grants, or all. */
export async function reviewsOf(db: Database, where: { person?: string; grantIds?: readonly string[] } = {}): Promise<GrantReview[]> {
  const conditions = [
    ...(where.person !== undefined ? [eq(breakGlass.patientId, where.person)] : []),
    ...(where.grantIds !== undefined ? [inArray(breakGlass.id, [...where.grantIds])] : []),
  ];
  const grants = await db.orm
    .select()
    .from(breakGlass)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(breakGlass.startedAt));
  if (grants.length === 0) return [];
  const rows = await db.orm
    .select()
    .from(breakGlassReviews)
    .where(
      inArray(
        breakGlassReviews.grantId,
        grants.map((g) => g.id),
      ),
    )
    .orderBy(breakGlassReviews.at);
  const byGrant = new Map<string, typeof rows>();
  for (const x of rows) byGrant.set(x.grantId, [...(byGrant.get(x.grantId) ?? []), x]);
  return grants.map((grant) => {
    const mine = byGrant.get(grant.id) ?? [];
    const decided = mine.find((x) => x.kind === 'decided');
    return {
      grant,
      requests: mine.filter((x) => x.kind === 'requested').map((x) => ({ actor: x.actor, at: x.at, note: x.note })),
      ...(decided ? { decision: { actor: decided.actor, at: decided.at, outcome: decided.outcome!, note: decided.note } } : {}),
    };
  });
}

/** Grants waiting for a finding, those the patient asked about first. */
export async function pendingReviews(db: Database): Promise<GrantReview[]> {
  const all = await reviewsOf(db);
  return all.filter((r) => !r.decision).sort((a, b) => Number(b.requests.length > 0) - Number(a.requests.length > 0));
}
