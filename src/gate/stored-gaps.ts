import { and, asc, desc, eq, like, lt, sql } from 'drizzle-orm';
import { allows } from '../auth/scopes.js';
import { mitigationOf, type Remark, type RemarkRequest } from '../caregaps/remark.js';
import { careGaps, gapRemarks, reportDocuments, reports } from '../db/schema.js';
import { FhirError } from '../fhir/errors.js';
import { attributedMembers, rosterVersion } from '../rosters/store.js';
import { purposeOf, type GateContext } from './context.js';
import { auditDisclosure, visibleFacts, type VisibleFacts } from './report-facts.js';
import { requireScope } from './scope.js';

type Json = Record<string, any>;
type ReportRow = typeof reports.$inferSelect;
/** The report's own resources: what the gateway computed, not records of hers from a source. */
const REPORT_TYPES = new Set(['Composition', 'MeasureReport', 'DetectedIssue']);
const ROSTER_REF = /^Group\/([A-Za-z0-9.-]{1,64})\/_history\/([1-9]\d{0,8})$/;

const notKnown = (ref: string) => FhirError.of(404, 'not-found', `${ref} is not known`);

/**
 * Whether a stored document may be shown to the requester now: it must be its organization's
 * report (`asRunner`: the one who ran it, for an async run's download), and every record it
 * holds, the Patient it names included, must be one the requester may see now, as
 * visibleFacts reads them. So a later denial hides it (consent wins over immutability), and a
 * document computed in someone else's view (a payer's run on the organization's roster) is
 * never shown with a record this reader may not see. Answered as if it did not exist.
 * Returns the decisions, for the audit record.
 */
async function mayShow(g: GateContext, report: ReportRow, person: string, doc: Json, asRunner = false) {
  const who = asRunner ? report.requestedBy === g.requester.subject : !!g.requester.organization && report.organization === g.requester.organization;
  if (!who) return undefined;
  let seen: VisibleFacts | undefined;
  for await (const v of visibleFacts(g, [person], { memberDuring: { start: report.periodStart, end: report.periodEnd } })) seen = v;
  if (!seen) return undefined;
  const entries = (doc.entry ?? []) as Json[];
  const refs = entries.filter((e) => !REPORT_TYPES.has(e.resource?.resourceType)).map((e) => `${e.resource.resourceType}/${e.resource.id}`);
  const subject = entries[0]?.resource?.subject?.reference;
  if (typeof subject === 'string') refs.push(subject);
  return refs.every((ref) => seen.records.has(ref)) ? seen.decisions : undefined;
}

interface Located {
  report: ReportRow;
  person: string;
  doc: Json;
  decisions: Awaited<ReturnType<GateContext['decide']>>[];
}

async function locateGap(g: GateContext, gapId: string): Promise<(Located & { gap: typeof careGaps.$inferSelect; issue: Json }) | undefined> {
  const db = g.deps.db.orm;
  const [gap] = await db.select().from(careGaps).where(eq(careGaps.id, gapId));
  if (!gap) return undefined;
  const [report] = await db.select().from(reports).where(eq(reports.id, gap.reportId));
  const [row] = await db
    .select({ content: reportDocuments.content })
    .from(reportDocuments)
    .where(and(eq(reportDocuments.reportId, gap.reportId), eq(reportDocuments.person, gap.person)));
  if (!report || !row) return undefined;
  const doc = JSON.parse(row.content) as Json;
  const decisions = await mayShow(g, report, gap.person, doc);
  const issue = (doc.entry as Json[]).find((e) => e.resource.resourceType === 'DetectedIssue' && e.resource.id === gapId)?.resource;
  if (!decisions || !issue) return undefined;
  return { report, person: gap.person, doc, decisions, gap, issue };
}

async function remarksOf(g: GateContext, gapId: string): Promise<Remark[]> {
  return g.deps.db.orm
    .select({ code: gapRemarks.code, text: gapRemarks.text, organization: gapRemarks.organization, at: gapRemarks.at, dispute: gapRemarks.dispute })
    .from(gapRemarks)
    .where(eq(gapRemarks.gapId, gapId))
    .orderBy(asc(gapRemarks.at), asc(gapRemarks.id));
}

/** The stored DetectedIssue exactly as the document has it, with every remark appended as mitigation. */
const withRemarks = (issue: Json, remarks: Remark[]) => (remarks.length > 0 ? { ...issue, mitigation: remarks.map(mitigationOf) } : issue);

/** `GET DetectedIssue/{id}`: a stored gap of the requester's organization's report, with its remarks; audited. */
export async function readStoredGap(g: GateContext, gapId: string): Promise<object | undefined> {
  requireScope(g.requester, 'DetectedIssue', 'r');
  const found = await locateGap(g, gapId);
  const query = `DetectedIssue/${gapId}`;
  if (!found) {
    await g.audit({ interaction: 'read', query, outcome: 'not-found' });
    return undefined;
  }
  await auditDisclosure(g, { person: found.person, decisions: found.decisions }, query, 'read');
  return withRemarks(found.issue, await remarksOf(g, gapId));
}

/**
 * Appends a remark to a stored gap; the gap itself (its status, the care_gaps row, the document)
 * is immutable and stays as computed. `attribution-incorrect` files a dispute of her membership
 * on the roster version the report read (gate.openDispute's rules and errors apply); a report
 * made for a single Patient read no roster, so there is nothing to dispute (422). Another
 * organization's gap, or one she no longer permits, is 404 exactly as one that does not exist.
 */
export async function remarkGap(
  g: GateContext,
  gapId: string,
  req: RemarkRequest,
  openDispute: (r: { groupId: string; version: number; patientId: string; text?: string }) => Promise<{ id: string }>,
): Promise<object> {
  if (!allows(g.requester.scopes, 'DetectedIssue', 'u', ['user', 'system']))
    throw FhirError.of(403, 'forbidden', 'The token does not grant update on DetectedIssue');
  const found = await locateGap(g, gapId);
  const query = `DetectedIssue/${gapId}`;
  if (!found) {
    await g.audit({ interaction: 'operation', query, outcome: 'not-found' });
    throw notKnown(query);
  }
  let dispute: string | null = null;
  if (req.code === 'attribution-incorrect') {
    const roster = await rosterHolding(g, found.report, found.person);
    if (!roster)
      throw FhirError.of(
        422,
        'processing',
        'This report was not made from a roster: there is no roster membership to dispute',
        'DetectedIssue.mitigation.action',
      );
    const patientId = String(found.issue.patient?.reference ?? '').replace(/^Patient\//, '');
    dispute = (await openDispute({ ...roster, patientId, ...(req.text ? { text: req.text } : {}) })).id;
  }
  const remark = {
    id: g.deps.newId(),
    gapId,
    code: req.code,
    text: req.text ?? null,
    author: g.requester.subject,
    organization: g.requester.organization!,
    at: g.deps.clock().toISOString(),
    dispute,
  };
  await g.deps.db.atomic([g.deps.db.orm.insert(gapRemarks).values(remark)]);
  await auditDisclosure(g, { person: found.person, decisions: found.decisions }, query, 'operation');
  return withRemarks(found.issue, await remarksOf(g, gapId));
}

/**
 * The roster version to dispute her membership on: the one the report read that attributed her,
 * if it is still a draft. Most reports read final rosters, which are closed; then it is the
 * same organization × payer's latest open draft (a month with no final yet) that still has her,
 * so the dispute changes the next version. With none, the final one is returned and
 * openDispute refuses it (422: only drafts).
 */
async function rosterHolding(g: GateContext, report: ReportRow, person: string) {
  const { db } = g.deps;
  for (const ref of (report.roster ?? '').split(' ').filter(Boolean)) {
    const m = ROSTER_REF.exec(ref);
    if (!m) continue;
    const [groupId, version] = [m[1]!, Number(m[2])];
    if (!(await attributedMembers(db, groupId, version)).some((x) => x.person === person)) continue;
    const read = await rosterVersion(db, groupId, version);
    if (!read || read.status === 'draft') return { groupId, version };
    const drafts = await db.orm.all<{ groupId: string; version: number }>(sql`
      SELECT group_id AS groupId, max(version) AS version FROM roster_versions v
      WHERE organization = ${read.organization} AND payer = ${read.payer} AND period >= ${read.period}
        AND NOT EXISTS (SELECT 1 FROM roster_versions f WHERE f.group_id = v.group_id AND f.status = 'final')
      GROUP BY group_id ORDER BY period DESC`);
    for (const d of drafts) if ((await attributedMembers(db, d.groupId, d.version)).some((x) => x.person === person)) return d;
    return { groupId, version };
  }
  return undefined;
}

/** `GET Bundle/{id}`: a stored gaps document as it was answered, if its organization asks and she still permits it; audited. */
export async function readStoredDocument(g: GateContext, bundleId: string): Promise<object | undefined> {
  requireScope(g.requester, 'Bundle', 'r');
  const query = `Bundle/${bundleId}`;
  const [row] = await g.deps.db.orm.select().from(reportDocuments).where(eq(reportDocuments.id, bundleId)).limit(1);
  const [report] = row ? await g.deps.db.orm.select().from(reports).where(eq(reports.id, row.reportId)) : [];
  const doc = row ? (JSON.parse(row.content) as Json) : undefined;
  const decisions = report && doc ? await mayShow(g, report, row!.person, doc) : undefined;
  if (!decisions || !doc) {
    await g.audit({ interaction: 'read', query, outcome: 'not-found' });
    return undefined;
  }
  await auditDisclosure(g, { person: row!.person, decisions: decisions }, query, 'read');
  return doc;
}

export interface ReportSummary {
  id: string;
  kind: string;
  createdAt: string;
  period: { start: string; end: string };
  rosters: string[];
  contract: string | null;
  /** The stored summary (Parameters with the counts by status), or the MeasureReport for performance. */
  content: Json;
  /** `Bundle/{id}` of each document the requester may still see. */
  documents: string[];
  /** Care gaps only: the documents and the gaps by status, of those documents. */
  counts: Record<string, number>;
}

/**
 * An organization's stored reports of one day (`YYYY-MM-DD`), or the latest on or before it
 * (`le`). Only the organization itself: for anyone else none exist. Document links are listed
 * only for members who still permit the requester; nothing of theirs is disclosed here.
 */
export async function reportsOf(
  g: GateContext,
  organization: string,
  q: { date: string; le: boolean; kind: string },
  query: string,
): Promise<ReportSummary[] | undefined> {
  if (!g.requester.organization || g.requester.organization !== organization) {
    await g.audit({ interaction: 'operation', query, outcome: 'not-found' });
    return undefined;
  }
  const next = new Date(Date.parse(`${q.date}T00:00:00Z`) + 86_400_000).toISOString();
  const base = and(eq(reports.organization, organization), eq(reports.kind, q.kind));
  const rows = q.le
    ? await g.deps.db.orm
        .select()
        .from(reports)
        .where(and(base, lt(reports.createdAt, next)))
        .orderBy(desc(reports.createdAt))
        .limit(1)
    : await g.deps.db.orm
        .select()
        .from(reports)
        .where(and(base, like(reports.createdAt, `${q.date}%`)))
        .orderBy(asc(reports.createdAt));
  const out: ReportSummary[] = [];
  for (const r of rows) {
    const documents: string[] = [];
    const shown = new Set<string>();
    const docs = await g.deps.db.orm.select().from(reportDocuments).where(eq(reportDocuments.reportId, r.id)).orderBy(asc(reportDocuments.person));
    for (const d of docs) {
      const doc = JSON.parse(d.content) as Json;
      if (doc.id && (await mayShow(g, r, d.person, doc))) {
        documents.push(`Bundle/${doc.id}`);
        shown.add(d.person);
      }
    }
    // Counted over the documents shown now, never the run's own totals: a member who has since
    // withdrawn would otherwise be told apart by a total one higher than the list.
    const counts: Record<string, number> = { documents: documents.length, 'open-gap': 0, 'closed-gap': 0, 'prospective-gap': 0, 'not-applicable': 0 };
    for (const gap of await g.deps.db.orm.select().from(careGaps).where(eq(careGaps.reportId, r.id)))
      if (shown.has(gap.person)) counts[gap.status] = (counts[gap.status] ?? 0) + 1;
    out.push({
      id: r.id,
      kind: r.kind,
      createdAt: r.createdAt,
      period: { start: r.periodStart, end: r.periodEnd },
      rosters: (r.roster ?? '').split(' ').filter(Boolean),
      contract: r.contract,
      content: JSON.parse(r.content) as Json,
      documents,
      counts: r.kind === 'care-gaps' ? counts : {},
    });
  }
  await g.audit({ interaction: 'operation', query, outcome: 'permit' });
  return out;
}

/**
 * An async `$care-gaps` run's output as NDJSON, one stored document per line, for the one who
 * ran it: like exportFile, each member is decided again as her line is read (one who has since
 * withdrawn consent is left out) and audited into her accounting before her line leaves.
 */
export async function* storedGapsFile(g: GateContext, reportId: string, query: string): AsyncGenerator<string> {
  const [report] = await g.deps.db.orm
    .select()
    .from(reports)
    .where(and(eq(reports.id, reportId), eq(reports.kind, 'care-gaps')));
  if (!report) return;
  const rows = await g.deps.db.orm.select().from(reportDocuments).where(eq(reportDocuments.reportId, reportId)).orderBy(asc(reportDocuments.person));
  for (const row of rows) {
    const doc = JSON.parse(row.content) as Json;
    const decisions = await mayShow(g, report, row.person, doc, true);
    if (!decisions) continue;
    await g.audit({
      interaction: 'operation',
      query,
      person: row.person,
      outcome: 'permit',
      reasons: decisions.flatMap((d) => d.reasons).slice(0, 6),
      ...purposeOf(decisions[0]),
    });
    yield `${row.content}\n`;
  }
}
