import { evaluateGap } from '../caregaps/evaluate.js';
import { gapsDocument } from '../caregaps/document.js';
import type { CareGapsParams } from '../caregaps/params.js';
import { storeGapsReport } from '../caregaps/store.js';
import { FhirError } from '../fhir/errors.js';
import { attributedMembers, latestFinalRosters, rosterVersion } from '../rosters/store.js';
import { rosterReference, type RosterVersion } from '../rosters/types.js';
import { resolvePerson } from '../store/read.js';
import type { GateContext } from './context.js';
import { disclosureRecord, visibleFacts } from './report-facts.js';

/** The gateway computes the reports: it is their reporter (DEQM MeasureReport.reporter). */
export const HIE_ORGANIZATION = 'Organization/org-hie';

export interface CareGapsAnswer {
  reportId: string;
  /** The DEQM answer: one `return` per patient Bundle. */
  parameters: { resourceType: 'Parameters'; parameter: { name: 'return'; resource: object }[] };
}

/** Who the request is about, resolved to linked persons the requester may ask about, and the rosters read. */
interface Population {
  persons: string[];
  rosters: RosterVersion[];
  organization: string;
}

const notKnown = (ref: string) => FhirError.of(404, 'not-found', `${ref} is not known`);

/**
 * `Measure/$care-gaps` through the gate: the subject's members, each one's facts as the
 * requester may see them (visibleFacts), evaluated and written up as DEQM documents, so a gap
 * closed only by a hidden record stays open for this requester and nothing answered names it.
 * A Patient or Group it may not ask about is answered exactly as one that does not exist.
 * Every run is stored, and each member whose document is returned is audited, before the answer.
 * With `deferAudit` (a `Prefer: respond-async` run) nothing is returned, so nothing is audited here.
 */
export async function careGaps(g: GateContext, p: CareGapsParams, base: string, query: string, opts: { deferAudit?: boolean } = {}): Promise<CareGapsAnswer> {
  const { deps, requester } = g;
  const population = await populationOf(g, p);
  const now = deps.clock().toISOString();
  const rosters = population.rosters.map(rosterReference);
  const documents: Parameters<typeof storeGapsReport>[1]['documents'][number][] = [];
  const audits: Parameters<typeof disclosureRecord>[0][] = [];
  let seen = 0;
  for await (const member of visibleFacts(g, population.persons, { memberDuring: p.period })) {
    seen++;
    const sections = p.measures
      .map((measure) => ({ measure, evaluation: evaluateGap(member.facts, measure, p.period, now, `Patient/${member.patientId}`) }))
      .filter((s) => p.statuses.has(s.evaluation.status));
    if (sections.length === 0) continue;
    const doc = gapsDocument({
      base,
      patientId: member.patientId,
      period: p.period,
      now,
      reporter: HIE_ORGANIZATION,
      rosters,
      sections,
      records: member.records,
      newId: deps.newId,
    });
    documents.push({ person: member.person, bundle: doc.bundle, gaps: doc.gaps });
    audits.push(member);
  }
  // A Patient subject of whom nothing is visible is answered as one that does not exist.
  if (p.subject?.type === 'Patient' && seen === 0) throw notKnown(`Patient/${p.subject.id}`);
  const reportId = deps.newId();
  const payers = [...new Set(population.rosters.map((r) => r.payer))];
  await storeGapsReport(deps.db, {
    id: reportId,
    // The report is the requester's, computed in its view: a payer's run on a practice's roster is
    // the payer's, never listed to or read by the practice (whose view it is not).
    organization: requester.organization ?? population.organization,
    ...(payers.length === 1 ? { payer: payers[0] } : {}),
    period: p.period,
    rosters,
    requestedBy: requester.subject,
    createdAt: now,
    documents,
  });
  // An async run discloses nothing yet: each member is decided and audited again at download (storedGapsFile).
  if (!opts.deferAudit) await g.auditMany(audits.map((member) => disclosureRecord(member, query)));
  return { reportId, parameters: { resourceType: 'Parameters', parameter: documents.map((d) => ({ name: 'return', resource: d.bundle })) } };
}

/** Throws the 404 a run would for a subject the requester may not ask about: an async kick-off answers it before its 202. */
export async function checkCareGapsSubject(g: GateContext, p: CareGapsParams): Promise<void> {
  const population = await populationOf(g, p);
  // A Patient of whom nothing is visible is refused here as the synchronous run refuses it, so
  // kick-off answers a hidden Patient exactly as a nonexistent one (no 202 then 404 to tell them apart).
  if (p.subject?.type === 'Patient') {
    for await (const _ of visibleFacts(g, population.persons, { memberDuring: p.period })) return;
    throw notKnown(`Patient/${p.subject.id}`);
  }
}

async function populationOf(g: GateContext, p: CareGapsParams): Promise<Population> {
  const { db } = g.deps;
  const own = g.requester.organization;
  if (p.subject?.type === 'Patient') {
    const person = await resolvePerson(db, p.subject.id);
    if (!person) throw notKnown(`Patient/${p.subject.id}`);
    return { persons: [person], rosters: [], organization: own ?? g.requester.subject };
  }
  if (p.subject?.type === 'Group') {
    const roster = await rosterVersion(db, p.subject.id, p.subject.version);
    // Only the roster's provider organization and its payer may use it: for anyone else it does not exist.
    if (!roster || own === undefined || (roster.organization !== own && roster.payer !== own)) throw notKnown(`Group/${p.subject.id}`);
    if (p.organization !== undefined && p.organization !== roster.organization) throw notKnown(`Group/${p.subject.id}`);
    const members = await attributedMembers(db, roster.groupId, roster.version);
    return { persons: members.map((m) => m.person), rosters: [roster], organization: roster.organization };
  }
  // organization (with or without practitioner): only the requester's own; across payers, its latest final
  // rosters as of the period's last month, or as of this month for a period still running (a prospective
  // report is about the patients it has now; next month's roster does not exist yet).
  const organization = p.organization!;
  if (organization !== own) throw notKnown(organization);
  const month = [p.period.end.slice(0, 7), g.deps.clock().toISOString().slice(0, 7)].sort()[0]!;
  const rosters = await latestFinalRosters(db, organization, month);
  const persons = new Set<string>();
  for (const r of rosters) for (const m of await attributedMembers(db, r.groupId, r.version)) persons.add(m.person);
  return { persons: [...persons].sort(), rosters, organization };
}
