import { parseScopes } from '../auth/scopes.js';
import type { Requester } from '../auth/requester.js';
import { FhirError } from '../fhir/errors.js';
import type { Resource } from '../fhir/types.js';
import type { PersonFacts } from '../metrics/person.js';
import { contractMeasure, type Contract } from '../performance/contract.js';
import { performance, quarterFigures, trailingYear, type QuarterFigures, type RosterMonths } from '../performance/compute.js';
import { multiPayerView, pooledFigures, type MembersByPlan, type MultiPayerMeasure } from '../performance/multi-payer.js';
import { opportunities, type Opportunity } from '../performance/opportunity.js';
import { quarterLabel, quarterMonths, quarterPeriod, yearBefore, type Quarter } from '../performance/quarter.js';
import { performanceReport } from '../performance/report.js';
import { contractById, contractsOf, putReport, reportById, reportsOfContract, type ReportRow } from '../performance/store.js';
import { attributedMembers, rostersForPeriod } from '../rosters/store.js';
import { rosterReference, type RosterVersion } from '../rosters/types.js';
import { factsFromRecord } from '../metrics/facts-from-record.js';
import { reportRequester } from '../reports/requester.js';
import { gateContext, type GateContext, type GateDeps } from './context.js';
import { visibleFacts, visibleRecords } from './report-facts.js';
import { requireScope } from './scope.js';

/**
 * Whether the requester is a party to the contract: the payer's own system client, or the
 * provider organization's clinicians and backend clients. Nobody else, not even another payer
 * covering the same people: for them the contract does not exist.
 */
export function partyTo(r: Requester, c: Pick<Contract, 'payer' | 'organization'>): 'payer' | 'provider' | undefined {
  if (r.kind === 'system' && r.clientKind === 'payer' && r.organization === c.payer) return 'payer';
  if (r.organization === c.organization && r.clientKind !== 'payer' && (r.kind === 'system' || r.role === 'clinician')) return 'provider';
  return undefined;
}

/**
 * Who the figures are computed for: the contract's payer, for health care operations (and
 * payment, which its DUA names for Patient, Coverage and claims). Built from
 * the stored contract, not from the token that asks, so the provider organization and the payer
 * get the same figures, and never more than the payer may see of each member.
 */
export function payerRequester(c: Contract): Requester {
  return {
    kind: 'system',
    subject: `vbp-${c.id}`,
    clientId: `vbp-${c.id}`,
    organization: c.payer,
    clientKind: 'payer',
    scopes: parseScopes('system/*.rs'),
    scope: 'system/*.rs',
    // Operations first; the payer's DUA grants Patient, Coverage and claims under payment only.
    purposes: ['HOPERAT', 'HPAYMT'],
    tokenId: `vbp-contract-${c.id}`,
    expiresAt: Number.MAX_SAFE_INTEGER,
  };
}

/** The contract, if the requester is a party to it; undefined exactly as when it does not exist. */
export async function readContract(g: GateContext, id: string): Promise<Contract | undefined> {
  requireScope(g.requester, 'Measure', 'r');
  const c = await contractById(g.deps.db, id);
  return c && partyTo(g.requester, c) ? c : undefined;
}

export async function contractMeasureFor(g: GateContext, id: string, baseUrl: string): Promise<Resource | undefined> {
  const c = await readContract(g, id);
  return c && contractMeasure(baseUrl, c);
}

/**
 * Each member's facts as BOTH parties to the contract may see them, for the one report they
 * share: the records the payer may see (its members being those it covered in the period, not
 * today) that the provider organization may also see. A member hidden from either party is
 * left out altogether, so neither learns from the figures what the other may see of her.
 */
async function sharedFacts(g: GateContext, c: Contract, persons: readonly string[], during: { start: string; end: string }): Promise<PersonFacts[]> {
  const asProvider = new Map<string, Set<string>>();
  const provider = gateContext(g.deps, reportRequester({ organization: c.organization, kind: 'provider', run: `vbp-${c.id}` }));
  // The provider's side needs only which records it may see; the payer's, their text (parsed once, the shared ones only).
  for await (const v of visibleRecords(provider, persons, { contents: false })) asProvider.set(v.person, new Set(v.records.keys()));
  const people: PersonFacts[] = [];
  for await (const v of visibleRecords(gateContext(g.deps, payerRequester(c)), persons, { memberDuring: during })) {
    const seen = asProvider.get(v.person);
    if (!seen) continue;
    const shared = [...v.records].filter(([ref]) => seen.has(ref)).map(([, row]) => JSON.parse(row.content) as Resource);
    people.push(factsFromRecord(v.person, shared));
  }
  return people;
}

/** The latest final roster of the organization × payer for each month. */
async function finalRosters(g: GateContext, c: Contract, months: readonly string[]): Promise<RosterVersion[]> {
  const out: RosterVersion[] = [];
  for (const month of months) {
    const found = await rostersForPeriod(g.deps.db, month, { organization: c.organization, status: 'final' });
    const own = found.find((v) => v.payer === c.payer);
    if (own) out.push(own);
  }
  return out;
}

/**
 * Computes, audits and stores a contract's quarterly performance report. The members' facts are
 * read as the contract's payer may see them (visibleFacts); the report is an aggregate, so one
 * audit event records it (with the roster versions it used), not one per member.
 */
export async function evaluatePerformance(
  g: GateContext,
  contractId: string,
  x: Quarter,
  baseUrl: string,
  query: string,
  requestedBy = g.requester.subject,
): Promise<Resource | undefined> {
  requireScope(g.requester, 'MeasureReport', 'r');
  const c = await readContract(g, contractId);
  if (!c) return undefined;
  const period = quarterPeriod(x);
  if (period.end < c.term.start || period.start > c.term.end)
    throw FhirError.of(400, 'value', `${quarterLabel(x)} is outside the contract's term (${c.term.start} to ${c.term.end})`, 'periodStart');
  const versions = await finalRosters(g, c, [...quarterMonths(yearBefore(x)), ...quarterMonths(x)]);
  const rosters = new Map<string, Set<string>>();
  for (const v of versions) rosters.set(v.period, new Set((await attributedMembers(g.deps.db, v.groupId, v.version)).map((m) => m.person)));
  const persons = [...new Set([...rosters.values()].flatMap((s) => [...s]))].sort();
  const people = await sharedFacts(g, c, persons, { start: quarterPeriod(yearBefore(x)).start, end: period.end });
  const perf = performance(c, x, rosters as RosterMonths, people);
  const current = versions.filter((v) => quarterMonths(x).includes(v.period));
  const subject = current.at(-1) ?? versions.at(-1);
  const id = `perf-${g.deps.newId()}`;
  const date = g.deps.clock().toISOString();
  const report = performanceReport({
    id,
    baseUrl,
    contract: c,
    quarter: x,
    performance: perf,
    opportunities: opportunities(c, perf.current),
    group: subject ? `Group/${subject.groupId}` : `Group/none-${quarterLabel(x)}`,
    rosters: versions.map(rosterReference),
    date,
  });
  await g.audit({ interaction: 'operation', query: `${query} rosters=${versions.map(rosterReference).join(',')}`, outcome: 'permit', purpose: 'HOPERAT' });
  await putReport(g.deps.db, {
    id,
    kind: 'performance',
    organization: c.organization,
    payer: c.payer,
    contract: c.id,
    periodStart: period.start,
    periodEnd: period.end,
    roster: subject ? rosterReference(subject) : null,
    requestedBy,
    createdAt: date,
    content: JSON.stringify(report),
  });
  return report;
}

/**
 * The quarterly run (schedule or `npm run reports`): every contract whose term covers the
 * quarter, computed as its payer would ask for it, stored with requestedBy 'schedule'.
 */
export async function scheduledPerformance(deps: GateDeps, x: Quarter, baseUrl: string): Promise<string[]> {
  const made: string[] = [];
  const period = quarterPeriod(x);
  for (const c of await contractsOf(deps.db)) {
    if (period.end < c.term.start || period.start > c.term.end) continue;
    const report = await evaluatePerformance(
      gateContext(deps, payerRequester(c)),
      c.id,
      x,
      baseUrl,
      `schedule:performance?contract=${c.id}&quarter=${quarterLabel(x)}`,
      'schedule',
    );
    if (report?.id) made.push(report.id);
  }
  return made;
}

const readable = async (g: GateContext, row: ReportRow | undefined): Promise<Resource | undefined> => {
  if (!row?.contract) return undefined;
  const c = await contractById(g.deps.db, row.contract);
  return c && partyTo(g.requester, c) ? (JSON.parse(row.content) as Resource) : undefined;
};

/** A stored performance report, for a party to its contract only. */
export async function storedPerformanceReport(g: GateContext, id: string): Promise<Resource | undefined> {
  requireScope(g.requester, 'MeasureReport', 'r');
  return readable(g, await reportById(g.deps.db, id, 'performance'));
}

/** A contract's stored reports, newest first, filtered by a date in their period and by the day made. */
export async function performanceReports(g: GateContext, contractId: string, f: { periodContains?: string; createdOn?: string }): Promise<Resource[]> {
  requireScope(g.requester, 'MeasureReport', 's');
  const c = await readContract(g, contractId);
  if (!c) return [];
  const rows = await reportsOfContract(g.deps.db, c.id, 'performance');
  return rows
    .filter(
      (r) =>
        (!f.periodContains || (r.periodStart <= f.periodContains && r.periodEnd >= f.periodContains)) && (!f.createdOn || r.createdAt.startsWith(f.createdOn)),
    )
    .map((r) => JSON.parse(r.content) as Resource);
}

/** The multi-payer view: the measures as rates, and cost opportunities over all plans together. */
export interface MultiPayer {
  measures: MultiPayerMeasure[];
  opportunities: Opportunity[];
}

/**
 * A provider organization's quality measures across all its plans (multi-payer.ts), on the
 * trailing 12 months ending the quarter, with cost opportunities over all its plans pooled. Only
 * the organization itself reads it; a payer (any payer, even one of its plans) gets nothing, as
 * if it did not exist. Each plan's members are its final rosters of the quarter's months (the
 * last month's for quality), read as the organization may see them.
 */
export async function multiPayerFor(g: GateContext, organization: string, x: Quarter, query: string): Promise<MultiPayer | undefined> {
  requireScope(g.requester, 'MeasureReport', 'r');
  const r = g.requester;
  if (r.organization !== organization || r.clientKind === 'payer' || !(r.kind === 'system' || r.role === 'clinician')) return undefined;
  const months = quarterMonths(x);
  const byPayer = new Map<string, Map<string, Set<string>>>();
  const used: RosterVersion[] = [];
  for (const month of months)
    for (const v of await rostersForPeriod(g.deps.db, month, { organization, status: 'final' })) {
      used.push(v);
      const plan = byPayer.get(v.payer) ?? new Map<string, Set<string>>();
      plan.set(month, new Set((await attributedMembers(g.deps.db, v.groupId, v.version)).map((m) => m.person)));
      byPayer.set(v.payer, plan);
    }
  const persons = [...new Set([...byPayer.values()].flatMap((plan) => [...plan.values()].flatMap((s) => [...s])))].sort();
  const facts = new Map<string, PersonFacts>();
  for await (const f of visibleFacts(g, persons)) facts.set(f.person, f.facts);
  const byPlan = new Map<string, PersonFacts[]>();
  const perPlan: QuarterFigures[] = [];
  for (const [payer, plan] of byPayer) {
    const last = [...(plan.get(months[2]!) ?? [])];
    byPlan.set(
      payer,
      last.flatMap((p) => facts.get(p) ?? []),
    );
    perPlan.push(quarterFigures({ payer, qualityTargets: [] }, x, plan, [...facts.values()]));
  }
  await g.audit({
    interaction: 'operation',
    query: `${query} rosters=${used.map(rosterReference).join(',')}`,
    outcome: 'permit',
    purpose: r.purposes[0] ?? 'HOPERAT',
  });
  // No benchmark is common to all plans: the pooled opportunities are admissions and ED visits.
  const pooled = pooledFigures(perPlan, quarterPeriod(x).end);
  return {
    measures: multiPayerView(byPlan as MembersByPlan, trailingYear(x)),
    opportunities: opportunities({ benchmarkPmpm: Number.POSITIVE_INFINITY }, pooled, undefined, { coarse: true }),
  };
}
