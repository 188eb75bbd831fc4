import { monthBounds } from '../rosters/compute.js';
import { and, eq, or, sql, type SQL } from 'drizzle-orm';
import { allows } from '../auth/scopes.js';
import { attributionDisputes } from '../db/schema.js';
import { FhirError } from '../fhir/errors.js';
import { disputeDeadline, type Dispute, type DisputeRequest, type DisputeStatus } from '../rosters/dispute.js';
import { rosterMembersOf, rosterVersion } from '../rosters/store.js';
import { resolvePerson } from '../store/read.js';
import { purposeOf, type GateContext } from './context.js';
import { mayReadRoster } from './roster-versions.js';

const notFound = (id: string) => FhirError.of(404, 'not-found', `Task/${id} is not known`);

function requireTaskScope(g: GateContext, permission: 'c' | 'r' | 'u' | 's'): void {
  if (!allows(g.requester.scopes, 'Task', permission, ['user', 'system']))
    throw FhirError.of(403, 'forbidden', `The token does not grant ${{ c: 'create', r: 'read', u: 'update', s: 'search' }[permission]} on Task`);
}

/**
 * Files an organization's dispute of one member of a draft roster version; returns the stored
 * dispute. Read, checked and written inside the writers' queue, so two filings for the same
 * member cannot both pass the duplicate check. Nothing is written on any error:
 * - a roster the requester may not see, or one that does not exist: 404 alike;
 * - a payer (or anyone but the organization) filing: 403 if it may read the roster;
 * - a final version: 422; a Patient not (visibly) on that version: 422;
 * - an open dispute for the same member of the same organization × payer: 409.
 */
export async function openDispute(g: GateContext, req: DisputeRequest): Promise<Dispute> {
  requireTaskScope(g, 'c');
  const db = g.deps.db;
  const { dispute, decision } = await db.exclusive(async () => {
    const v = await rosterVersion(db, req.groupId, req.version);
    if (!v || !mayReadRoster(g.requester, v)) throw FhirError.of(404, 'not-found', `Group/${req.groupId}/_history/${req.version} is not known`, 'Task.focus');
    if (g.requester.organization !== v.organization)
      throw FhirError.of(403, 'forbidden', "Only the roster's organization disputes its members", 'Task.requester');
    if (v.status === 'final') throw FhirError.of(422, 'processing', 'Only a draft roster version can be disputed; this one is final', 'Task.focus');
    // A draft superseded by a later version (another draft, or the month's final) is no longer open.
    const latest = await rosterVersion(db, req.groupId);
    if (latest && latest.version !== v.version)
      throw FhirError.of(
        422,
        'processing',
        `Only the roster's latest version can be disputed: version ${v.version} was superseded by version ${latest.version}${latest.status === 'final' ? ', which is final' : ''}`,
        'Task.focus',
      );
    const person = await resolvePerson(db, req.patientId);
    const member = person ? (await rosterMembersOf(db, v.groupId, v.version)).find((m) => m.person === person && m.changeType !== 'dropped') : undefined;
    // One the requester may not see is answered as one not on the roster: the answer reveals nothing.
    const { first, last } = monthBounds(v.period);
    const decision = member ? await g.decide(member.person, { cls: 'Group', memberDuring: { start: first, end: last } }) : undefined;
    if (!member || !decision?.permit) throw FhirError.of(422, 'processing', `Patient/${req.patientId} is not a member of that roster version`, 'Task.for');
    const [open] = await db.orm
      .select({ id: attributionDisputes.id })
      .from(attributionDisputes)
      .where(
        and(
          eq(attributionDisputes.organization, v.organization),
          eq(attributionDisputes.payer, v.payer),
          eq(attributionDisputes.person, member.person),
          eq(attributionDisputes.status, 'requested'),
        ),
      )
      .limit(1);
    if (open) throw FhirError.of(409, 'conflict', `An open dispute of this member already exists (Task/${open.id})`, 'Task.for');
    const createdAt = g.deps.clock().toISOString();
    const dispute: Dispute = {
      id: g.deps.newId(),
      groupId: v.groupId,
      version: v.version,
      person: member.person,
      organization: v.organization,
      payer: v.payer,
      requester: g.requester.subject,
      reason: req.reason,
      evidence: { ...(req.text ? { text: req.text } : {}), references: req.references, patientId: req.patientId },
      status: 'requested',
      createdAt,
      deadline: disputeDeadline(createdAt),
      decidedAt: null,
      decidedBy: null,
      decisionNote: null,
      versionId: 1,
    };
    await db.atomic([db.orm.insert(attributionDisputes).values({ ...dispute, evidence: JSON.stringify(dispute.evidence) })]);
    return { dispute, decision };
  });
  // The audit log takes the writers' queue itself: written once the queue is let go, before any answer.
  await g.audit({
    interaction: 'create',
    query: `Task/${dispute.id}`,
    person: dispute.person,
    outcome: 'permit',
    reasons: decision.reasons,
    ...purposeOf(decision),
  });
  return dispute;
}

/**
 * A dispute is readable by the organization that filed it and the payer that owns it, and only
 * while the patient's decisions still let the reader see her on a roster: a Task names her, so
 * one whose consent now denies the reader is answered as absent. Undefined: not readable.
 */
async function disputeDecision(g: GateContext, d: Pick<Dispute, 'organization' | 'payer' | 'person' | 'groupId' | 'version'>) {
  if (!mayReadRoster(g.requester, d)) return undefined;
  // The payer judged as it stood in the disputed month: her coverage since ended must not hide the Task it owns.
  const roster = await rosterVersion(g.deps.db, d.groupId, d.version);
  const month = roster ? monthBounds(roster.period) : undefined;
  const decision = await g.decide(d.person, { cls: 'Group', ...(month ? { memberDuring: { start: month.first, end: month.last } } : {}) });
  return decision.permit ? decision : undefined;
}

const isPayerOf = (g: GateContext, payer: string) => g.requester.kind === 'system' && g.requester.clientKind === 'payer' && g.requester.organization === payer;

async function loadDispute(g: GateContext, id: string): Promise<Dispute | undefined> {
  const [row] = await g.deps.db.orm.select().from(attributionDisputes).where(eq(attributionDisputes.id, id)).limit(1);
  return row ? ({ ...row, evidence: JSON.parse(row.evidence) } as Dispute) : undefined;
}

export async function readDispute(g: GateContext, id: string): Promise<Dispute | undefined> {
  requireTaskScope(g, 'r');
  const d = await loadDispute(g, id);
  const decision = d ? await disputeDecision(g, d) : undefined;
  if (!d || !decision) {
    await g.audit({ interaction: 'read', query: `Task/${id}`, outcome: 'not-found' });
    return undefined;
  }
  await g.audit({ interaction: 'read', query: `Task/${id}`, person: d.person, outcome: 'permit', reasons: decision.reasons, ...purposeOf(decision) });
  return d;
}

/** The disputes the requester filed or owns, optionally narrowed by owner, requester and status. */
export async function searchDisputes(g: GateContext, q: { owner?: string; requester?: string; status?: string }, query: string): Promise<Dispute[]> {
  requireTaskScope(g, 's');
  const own = g.requester.organization;
  if (!own) return [];
  const reach: SQL[] = [eq(attributionDisputes.organization, own)];
  if (g.requester.kind === 'system' && g.requester.clientKind === 'payer') reach.push(eq(attributionDisputes.payer, own));
  const where = [or(...reach)!];
  if (q.owner) where.push(eq(attributionDisputes.payer, q.owner));
  if (q.requester) where.push(eq(attributionDisputes.organization, q.requester));
  if (q.status) where.push(eq(attributionDisputes.status, q.status));
  const rows = await g.deps.db.orm
    .select()
    .from(attributionDisputes)
    .where(and(...where))
    .orderBy(sql`${attributionDisputes.createdAt} DESC`);
  const found: Dispute[] = [];
  for (const row of rows) {
    const d = { ...row, evidence: JSON.parse(row.evidence) } as Dispute;
    const decision = await disputeDecision(g, d);
    if (!decision) continue;
    await g.audit({ interaction: 'search-type', query, person: d.person, outcome: 'permit', reasons: decision.reasons, ...purposeOf(decision) });
    found.push(d);
  }
  if (found.length === 0) await g.audit({ interaction: 'search-type', query, outcome: 'not-found' });
  return found;
}

/**
 * The payer's decision on a dispute: only the payer that owns it, only from `requested`, and
 * only on the version the payer read (If-Match, required: 428 without it). The write is guarded by the version it read,
 * so a concurrent decision loses with 412 rather than overwriting.
 */
export async function decideDispute(
  g: GateContext,
  id: string,
  decision: { status: Exclude<DisputeStatus, 'requested'>; note?: string },
  ifMatch?: '*' | number[],
): Promise<Dispute> {
  requireTaskScope(g, 'u');
  const db = g.deps.db;
  const { next, seen } = await db.exclusive(async () => {
    const d = await loadDispute(g, id);
    const seen = d ? await disputeDecision(g, d) : undefined;
    if (!d || !seen) throw notFound(id);
    if (!isPayerOf(g, d.payer)) throw FhirError.of(403, 'forbidden', 'Only the payer that owns a dispute decides it', 'Task.owner');
    if (ifMatch && ifMatch !== '*' && !ifMatch.includes(d.versionId)) throw FhirError.of(412, 'conflict', `Task/${id} is at version ${d.versionId}`);
    if (d.status !== 'requested') throw FhirError.of(422, 'processing', `The dispute was already ${d.status}`, 'Task.status');
    // A decision is on the version the payer read: without If-Match a replayed or blind PUT could decide it.
    if (!ifMatch) throw FhirError.of(428, 'required', `Deciding Task/${id} needs If-Match with the version read (W/"${d.versionId}")`, 'If-Match');
    const decidedAt = g.deps.clock().toISOString();
    const next: Dispute = {
      ...d,
      status: decision.status,
      decidedAt,
      decidedBy: g.requester.subject,
      decisionNote: decision.note ?? null,
      versionId: d.versionId + 1,
    };
    await db.atomic([
      db.orm
        .update(attributionDisputes)
        .set({ status: next.status, decidedAt, decidedBy: next.decidedBy, decisionNote: next.decisionNote, versionId: next.versionId })
        .where(and(eq(attributionDisputes.id, id), eq(attributionDisputes.versionId, d.versionId))),
    ]);
    return { next, seen };
  });
  await g.audit({ interaction: 'update', query: `Task/${id}`, person: next.person, outcome: 'permit', reasons: seen.reasons, ...purposeOf(seen) });
  return next;
}
