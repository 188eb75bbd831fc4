import type { Purpose } from '../auth/purposes.js';
import type { Requester } from '../auth/requester.js';
import type { Attribution } from '../metrics/attribution.js';
import type { ReleaseRow } from '../release/store.js';
import type { SearchQuery } from '../search/params.js';
import { accountingOfDisclosures, type AccountingCursor, type AccountingPage } from './accounting.js';
import { enforcedChoices, explainAccess, previewAs, whoCanSee, type AccessExplanation } from './access.js';
import type { ConsentLine } from '../consent/compile.js';
import { gateContext, type GateContext, type GateDeps } from './context.js';
import { readHistory, readResource, type HistoryPage } from './read.js';
import { attributionRoster, exportFile, exportRosters, exportTransactionTime, planExport, type ExportLevel, type ExportSnapshot } from './rosters.js';
import { everything, searchType, type Found, type Row } from './search.js';
import type { StoredVersion } from './versions.js';
import { notificationVerdict, releaseNotification, type NotificationEvent, type NotificationRelease, type NotificationVerdict } from './notify.js';
import type { PayloadContent } from '../subscriptions/bundle.js';
import { maySubscribeTo } from './subscribe.js';
import { adtDigest, type DigestEntry } from './digest.js';
import { careGaps, checkCareGapsSubject, type CareGapsAnswer } from './care-gaps.js';
import type { CareGapsParams } from '../caregaps/params.js';
import { readRosterHistory, readRosterVersion, searchRosters, type VisibleRoster } from './roster-versions.js';
import { decideDispute, openDispute, readDispute, searchDisputes } from './disputes.js';
import type { Dispute, DisputeRequest } from '../rosters/dispute.js';
import { contractMeasureFor, evaluatePerformance, multiPayerFor, performanceReports, storedPerformanceReport, type MultiPayer } from './performance.js';
import type { Resource } from '../fhir/types.js';
import type { Quarter } from '../performance/quarter.js';
import type { RemarkRequest } from '../caregaps/remark.js';
import { askForReview, grantsOfHers, nameOfHers, type TheirGrant } from './break-glass-reviews.js';
import type { ReviewRefusal } from '../consent/break-glass-review.js';
import { readStoredDocument, readStoredGap, remarkGap, reportsOf, storedGapsFile, type ReportSummary } from './stored-gaps.js';

/**
 * The one way patient data leaves the gateway, built once per request from its Requester (as
 * Medplum's getRepoForLogin folds the policy into a repository). Every method runs the same
 * steps in one place: scope before any lookup, the compartment of the exact version, `decide`
 * and its query plan, SQL from that plan, and the audit record before anything is returned.
 * What the requester may not see comes back exactly as what does not exist: undefined, or empty.
 */
export interface Gate {
  readonly requester: Requester;
  /** read, or vread with `vid`. */
  read(type: string, id: string, vid?: string): Promise<StoredVersion | undefined>;
  /** An instance's history: the versions vread would show, newest first. Undefined: not found. */
  history(type: string, id: string, page: { count: number; since?: string; before?: number }): Promise<HistoryPage | undefined>;
  search(type: string, q: SearchQuery, query: string): Promise<Found>;
  everything(patientId: string, q: SearchQuery, query: string): Promise<Found | undefined>;
  /** Her accounting of disclosures, newest first, one page of a snapshot the first page fixes. */
  accounting(patientRef: string, count: number, cursor?: AccountingCursor): Promise<AccountingPage>;
  roster(organization: string, year: number, groupId: string): Promise<{ members: Attribution[]; release: ReleaseRow } | undefined>;
  /** The rosters a Group-, Patient- or system-level export covers; undefined when it may not be run. */
  exportRosters(level: ExportLevel, groupId?: string): string[] | undefined;
  /** An export's transactionTime, exact against this process's writes (see exportTransactionTime). */
  exportTransactionTime(): Promise<string>;
  /** Which version of which resource each member's file holds as of `at`, decided per member and class. */
  planExport(rosters: readonly string[], types: readonly string[], since: string | null, at: string): Promise<ExportSnapshot>;
  /** One type's NDJSON from the snapshot, each member decided and audited again as it is read. */
  exportFile(rosters: readonly string[], snapshot: ExportSnapshot, type: string, query: string): AsyncGenerator<string>;
  explainAccess(patientId: string, opts: { actor?: string; purpose?: Purpose; classes: readonly string[] }): Promise<AccessExplanation | undefined>;
  /** For each actor, what they could see of one class: the portal's "who can see my record". */
  whoCanSee(patientId: string, actors: readonly string[], cls: string): Promise<AccessExplanation[] | undefined>;
  preview(patientId: string, actor: string): Promise<Row[] | undefined>;
  /** Her compiled consent lines: what is enforced, for the portal to show as her choices. */
  choices(patientId: string): Promise<readonly ConsentLine[] | undefined>;
  /** Her break-the-glass grants with their reviews, for her or the caregiver acting for her; undefined (not found) for anyone else. */
  breakGlassOfHers(patientId: string): Promise<TheirGrant[] | undefined>;
  /** She asks for a review of one of her grants; another patient's grant is 'unknown-grant', as one that does not exist. */
  askBreakGlassReview(patientId: string, grantId: string, note: string): Promise<ReviewRefusal | undefined>;
  /** Her name only, for her pages and those of a caregiver registered for her (who must see for whom he acts); undefined for anyone else. */
  nameOfPatient(patientId: string): Promise<string | undefined>;
  /** Whether the requester (a subscription's recipient) may be told of an event at all, and how much: decided at numbering. */
  notificationVerdict(event: NotificationEvent): Promise<NotificationVerdict>;
  /** Before each send: decided again, audited, and what the numbered event may say. */
  releaseNotification(event: NotificationEvent, detail: 'full' | 'notice', payload: PayloadContent): Promise<NotificationRelease>;
  /** Whether a subscription's patient filter may name this Patient id (false too when she does not exist). */
  maySubscribeTo(patientId: string): Promise<boolean>;
  /** An organization's daily admission and discharge digest (YYYY-MM-DD), each entry decided as its notification would be; empty for anyone else. */
  adtDigest(organization: string, date: string): Promise<DigestEntry[]>;
  /** DEQM `Measure/$care-gaps` on what the requester may see, stored and audited; a subject it may not ask about throws 404 as if it did not exist. */
  careGaps(params: CareGapsParams, base: string, query: string, opts?: { deferAudit?: boolean }): Promise<CareGapsAnswer>;
  /** Throws the 404 careGaps would for a subject the requester may not ask about (before an async run's 202). */
  checkCareGapsSubject(params: CareGapsParams): Promise<void>;
  /** A monthly roster Group (the current version, or `version`), each member decided and audited; undefined for anyone but its organization and payer. */
  rosterVersion(groupId: string, version?: number): Promise<VisibleRoster | undefined>;
  rosterHistory(groupId: string): Promise<VisibleRoster[] | undefined>;
  rosters(q: { period: string; organization?: string }, query: string): Promise<VisibleRoster[]>;
  /** An organization's dispute of a draft roster's member, owned by the payer (throws 4xx, writing nothing, when refused). */
  openDispute(req: DisputeRequest): Promise<Dispute>;
  dispute(id: string): Promise<Dispute | undefined>;
  disputes(q: { owner?: string; requester?: string; status?: string }, query: string): Promise<Dispute[]>;
  decideDispute(id: string, decision: { status: 'accepted' | 'rejected'; note?: string }, ifMatch?: '*' | number[]): Promise<Dispute>;
  /** A value-based contract as its vbp-measure, for its payer and provider organization only. */
  contractMeasure(contractId: string, baseUrl: string): Promise<Resource | undefined>;
  /** Computes, audits and stores a contract's quarterly VBPR report, from the members' facts as its payer may see them. */
  evaluatePerformance(contractId: string, quarter: Quarter, baseUrl: string, query: string): Promise<Resource | undefined>;
  /** A stored performance report, for a party to its contract only. */
  performanceReport(id: string): Promise<Resource | undefined>;
  performanceReports(contractId: string, filter: { periodContains?: string; createdOn?: string }): Promise<Resource[]>;
  /** A provider organization's measures across all its plans, as rates: for the organization only. */
  multiPayer(organization: string, quarter: Quarter, query: string): Promise<MultiPayer | undefined>;
  /** A stored gap (DetectedIssue) of the requester's organization's report, with its remarks; undefined as if absent otherwise. */
  storedGap(id: string): Promise<object | undefined>;
  /** Appends a remark (never a status change); attribution-incorrect opens a dispute. 404 as if absent for anyone but the report's organization. */
  remarkGap(id: string, remark: RemarkRequest): Promise<object>;
  /** A stored gaps document by its Bundle id, if its organization asks and she still permits it. */
  storedDocument(id: string): Promise<object | undefined>;
  /** An organization's stored reports of a day (or the latest on or before it); undefined for anyone else. */
  reports(organization: string, q: { date: string; le: boolean; kind: string }, query: string): Promise<ReportSummary[] | undefined>;
  /** An async $care-gaps run's NDJSON (one document per line) for the one who ran it, each member decided and audited as it is read. */
  gapsFile(reportId: string, query: string): AsyncGenerator<string>;
}

/** What each request's gate holds: the request's view of the gate's parts. */
interface Bound {
  g: GateContext;
}

/**
 * The methods, made once: every request's gate shares them (its own part is only the context),
 * so building a gate per request allocates one small object, not forty closures.
 */
const methods: Omit<Gate, 'requester'> & ThisType<Bound> = {
  read(type, id, vid) {
    return readResource(this.g, type, id, vid);
  },
  history(type, id, page) {
    return readHistory(this.g, type, id, page);
  },
  search(type, q, query) {
    return searchType(this.g, type, q, query);
  },
  everything(patientId, q, query) {
    return everything(this.g, patientId, q, query);
  },
  accounting(patientRef, count, cursor) {
    return accountingOfDisclosures(this.g, patientRef, count, cursor);
  },
  roster(organization, year, groupId) {
    return attributionRoster(this.g, organization, year, groupId);
  },
  exportRosters(level, groupId) {
    return exportRosters(this.g, level, groupId);
  },
  exportTransactionTime() {
    return exportTransactionTime(this.g);
  },
  planExport(rosters, types, since, at) {
    return planExport(this.g, rosters, types, since, at);
  },
  exportFile(rosters, snapshot, type, query) {
    return exportFile(this.g, rosters, snapshot, type, query);
  },
  explainAccess(patientId, opts) {
    return explainAccess(this.g, patientId, opts);
  },
  whoCanSee(patientId, actors, cls) {
    return whoCanSee(this.g, patientId, actors, cls);
  },
  preview(patientId, actor) {
    return previewAs(this.g, patientId, actor);
  },
  choices(patientId) {
    return enforcedChoices(this.g, patientId);
  },
  breakGlassOfHers(patientId) {
    return grantsOfHers(this.g, patientId);
  },
  askBreakGlassReview(patientId, grantId, note) {
    return askForReview(this.g, patientId, grantId, note);
  },
  nameOfPatient(patientId) {
    return nameOfHers(this.g, patientId);
  },
  notificationVerdict(event) {
    return notificationVerdict(this.g, event);
  },
  releaseNotification(event, detail, payload) {
    return releaseNotification(this.g, event, detail, payload);
  },
  maySubscribeTo(patientId) {
    return maySubscribeTo(this.g, patientId);
  },
  adtDigest(organization, date) {
    return adtDigest(this.g, organization, date);
  },
  careGaps(params, base, query, opts) {
    return careGaps(this.g, params, base, query, opts);
  },
  checkCareGapsSubject(params) {
    return checkCareGapsSubject(this.g, params);
  },
  rosterVersion(groupId, version) {
    return readRosterVersion(this.g, groupId, version);
  },
  rosterHistory(groupId) {
    return readRosterHistory(this.g, groupId);
  },
  rosters(q, query) {
    return searchRosters(this.g, q, query);
  },
  openDispute(req) {
    return openDispute(this.g, req);
  },
  dispute(id) {
    return readDispute(this.g, id);
  },
  disputes(q, query) {
    return searchDisputes(this.g, q, query);
  },
  decideDispute(id, decision, ifMatch) {
    return decideDispute(this.g, id, decision, ifMatch);
  },
  contractMeasure(contractId, baseUrl) {
    return contractMeasureFor(this.g, contractId, baseUrl);
  },
  evaluatePerformance(contractId, quarter, baseUrl, query) {
    return evaluatePerformance(this.g, contractId, quarter, baseUrl, query);
  },
  performanceReport(id) {
    return storedPerformanceReport(this.g, id);
  },
  performanceReports(contractId, filter) {
    return performanceReports(this.g, contractId, filter);
  },
  multiPayer(organization, quarter, query) {
    return multiPayerFor(this.g, organization, quarter, query);
  },
  storedGap(id) {
    return readStoredGap(this.g, id);
  },
  remarkGap(id, remark) {
    return remarkGap(this.g, id, remark, (r) => openDispute(this.g, { ...r, reason: 'attribution-incorrect', references: [] }));
  },
  storedDocument(id) {
    return readStoredDocument(this.g, id);
  },
  reports(organization, q, query) {
    return reportsOf(this.g, organization, q, query);
  },
  gapsFile(reportId, query) {
    return storedGapsFile(this.g, reportId, query);
  },
};

export function createGate(deps: GateDeps, requester: Requester): Gate {
  const gate = Object.create(methods) as Gate & Bound;
  gate.g = gateContext(deps, requester);
  (gate as { requester: Requester }).requester = requester;
  return gate;
}
