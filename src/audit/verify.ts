import { and, asc, count, desc, gt, inArray, like } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { auditEvents } from '../db/schema.js';
import { GENESIS, verifyChain, type ChainProblem } from './chain.js';
import { chainedText, type AuditRow } from './rows.js';
import { listAnchors, verifyAnchors, type AnchorProblem } from './anchors.js';
import type { JSONWebKeySet } from 'jose';

export interface ChainVerdict {
  checked: number;
  problems: ChainProblem[];
  last: { seq: number; hash: string };
}

/**
 * Walks the whole audit chain from its first event, a page of rows at a time: the check of
 * `npm run audit:verify` and of the operator console alike, so both always agree.
 */
export async function verifyWholeChain(db: Database, pageSize = 10_000): Promise<ChainVerdict> {
  return walkChain((after, limit) => {
    const q = db.orm.select().from(auditEvents);
    return (after === undefined ? q : q.where(gt(auditEvents.seq, after))).orderBy(asc(auditEvents.seq)).limit(limit);
  }, pageSize);
}

/**
 * Walks one chain a page at a time, from its very bottom (`rows(undefined, n)`: a row numbered 0
 * or below is an insertion, not before the chain; red team), checking each row's link and hash
 * and that it hashes every column it has: the same walk for the Node file and a Worker chain.
 */
export async function walkChain(rows: (after: number | undefined, limit: number) => Promise<AuditRow[]>, pageSize = 10_000): Promise<ChainVerdict> {
  let start = { seq: 0, hash: GENESIS };
  let checked = 0;
  const compact = { seen: false };
  const problems: ChainProblem[] = [];
  for (;;) {
    const page = await rows(checked === 0 ? undefined : start.seq, pageSize);
    if (page.length === 0) break;
    const result = await verifyChain(
      page.map((row) => ({ seq: row.seq, content: chainedText(row), prevHash: row.prevHash, hash: row.hash })),
      start,
    );
    checked += result.checked;
    problems.push(...result.problems, ...formProblems(page, compact));
    start = result.last;
  }
  return { checked, problems, last: start };
}

/** Rows whose kind or unhashed columns let them say what their hash does not cover. */
function formProblems(rows: readonly AuditRow[], compact: { seen: boolean }): ChainProblem[] {
  const problems: ChainProblem[] = [];
  // A row passed off as one written before the compact form (hashed as bare text) would dodge
  // the fields the compact hash covers: legacy rows are whole AuditEvents, and only come first.
  for (const row of rows) {
    if (row.kind !== 'access' && row.kind !== 'event' && row.kind !== 'v1') problems.push({ seq: row.seq, problem: 'kind' });
    else if (row.kind !== 'v1') compact.seen = true;
    else if (compact.seen || !row.resource?.startsWith('{"resourceType":"AuditEvent"')) problems.push({ seq: row.seq, problem: 'kind' });
    else if (!legacyColumnsAgree(row)) problems.push({ seq: row.seq, problem: 'columns' });
    // A column its kind does not hash must be empty, or it could say anything (red team: a forged
    // "verified" event in an access row's unused `resource`).
    if (!unhashedColumnsEmpty(row)) problems.push({ seq: row.seq, problem: 'columns' });
  }
  return problems;
}

/** The columns an access hashes (src/audit/rows.ts); an event or legacy row hashes its `resource` instead. */
const ACCESS_ONLY = [
  'interaction',
  'query',
  'outcome',
  'purpose',
  'agent',
  'role',
  'organization',
  'client',
  'token',
  'breakGlass',
  'reasons',
  'detail',
] as const;

function unhashedColumnsEmpty(row: Record<string, unknown>): boolean {
  if (row.kind === 'access') return row.resource === null;
  return ACCESS_ONLY.every((c) => row[c] === null || row[c] === undefined);
}

/**
 * A legacy row's hash covers only its AuditEvent text, so its columns (which the accounting of
 * disclosures and the console select by) must say what that text says: its id, its time, and
 * the patient it names. Otherwise one edit of `person` would take it out of her accounting.
 */
function legacyColumnsAgree(row: { id: string; recorded: string; person: string | null; resource: string | null }): boolean {
  let event: { id?: unknown; recorded?: unknown; entity?: { what?: { reference?: unknown }; role?: { code?: unknown } }[] };
  try {
    event = JSON.parse(row.resource!) as typeof event;
  } catch {
    return false;
  }
  if (event.id !== row.id || event.recorded !== row.recorded) return false;
  const patients = (event.entity ?? []).filter((e) => e.role?.code === '1').map((e) => e.what?.reference);
  return row.person === null ? patients.length === 0 : patients.includes(`Patient/${row.person}`);
}

export interface TrailVerdict extends ChainVerdict {
  anchors: { checked: number; problems: AnchorProblem[] };
}

/**
 * The chain, then the signed anchors (the trail's own, and `saved` copies kept elsewhere) against
 * it: what `npm run audit:verify` and the console's check both run. Without keys, anchors cannot
 * be checked and are reported as such by the caller.
 */
export async function verifyTrail(db: Database, anchorKeys: JSONWebKeySet | undefined, saved: readonly string[] = []): Promise<TrailVerdict> {
  const chain = await verifyWholeChain(db);
  const anchors = [...(await listAnchors(db, 1_000_000)).map((a) => ({ seq: a.seq, jws: a.jws })), ...saved];
  if (!anchorKeys) return { ...chain, anchors: { checked: 0, problems: [] } };
  return { ...chain, anchors: { checked: anchors.length, problems: await verifyAnchors(db, anchors, anchorKeys) } };
}

/** One problem in words, as the CLI and the console say it. */
export function describeProblem(p: ChainProblem): string {
  if (p.problem === 'gap') return 'events missing before it';
  if (p.problem === 'ahead') return 'was reported for anchoring, but the chain ends before it (events were cut off, or the report was forged)';
  if (p.problem === 'prev-hash') return 'does not link to the event before it';
  if (p.problem === 'kind') return 'claims the old form among events in the compact one';
  if (p.problem === 'columns') return 'its columns do not say what its hashed event says';
  return 'content does not match its hash';
}

/** How long the chain is and where it ends, without walking it. */
export async function chainHead(db: Database): Promise<{ events: number; head?: { seq: number; hash: string; recorded: string } }> {
  const [{ n } = { n: 0 }] = await db.orm.select({ n: count() }).from(auditEvents);
  const [head] = await db.orm
    .select({ seq: auditEvents.seq, hash: auditEvents.hash, recorded: auditEvents.recorded })
    .from(auditEvents)
    .orderBy(desc(auditEvents.seq))
    .limit(1);
  return { events: n, ...(head ? { head } : {}) };
}

/** The newest whole event (an operator's) whose JSON holds `marker` (an audit subtype code, quoted as JSON holds it), parsed. */
export async function lastEventMarked(db: Database, marker: string): Promise<Record<string, unknown> | undefined> {
  const [row] = await db.orm
    .select({ resource: auditEvents.resource })
    .from(auditEvents)
    .where(and(inArray(auditEvents.kind, ['event', 'v1']), like(auditEvents.resource, `%${marker}%`)))
    .orderBy(desc(auditEvents.seq))
    .limit(1);
  return row?.resource ? (JSON.parse(row.resource) as Record<string, unknown>) : undefined;
}
