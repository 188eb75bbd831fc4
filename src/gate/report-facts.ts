import { sql } from 'drizzle-orm';
import type { Decision } from '../consent/decide.js';
import type { Resource } from '../fhir/types.js';
import { factsFromRecord, FACT_TYPES } from '../metrics/facts-from-record.js';
import type { PersonFacts } from '../metrics/person.js';
import { searchWhere } from '../search/sql.js';
import type { SearchQuery } from '../search/params.js';
import { linkedPatientIds } from '../store/read.js';
import { purposeOf, type AuditRecord, type GateContext } from './context.js';
import { referenceFilter } from './dangling.js';
import { grantsFor, type Row } from './search.js';

/** One member's metric inputs as the requester may see them, and the records they came from. */
export interface VisibleFacts {
  person: string;
  /** A Patient id of hers the requester may read: what a report names her by. */
  patientId: string;
  facts: PersonFacts;
  /** The records the facts were read from, by `Type/id`, as the requester would receive them. */
  records: Map<string, Row>;
  decisions: Decision[];
}

/** No search filters: every record of the granted classes. */
const EVERY_RECORD: SearchQuery = { dates: [], tokens: [], includes: [], count: 0, offset: 0, sort: { column: 'lastUpdated', descending: false } };

/**
 * Reads each person's metric inputs through the gate, exactly as the requester may see them:
 * only the classes its scope covers and `decide` permits, without the labels the decision
 * withholds, with references to anything else withheld stripped (dangling.ts). A gap closed
 * only by a hidden record therefore stays open for this requester, and nothing it receives
 * points at the hidden record. A person of whom nothing is visible, or without a Patient record
 * the requester may read, is left out, as if she did not exist. With `memberDuring`, a payer's
 * members are those it covered at any time in that period (a report about a past quarter).
 * Nothing here is audited: the
 * caller audits what it discloses (`auditDisclosure`).
 */
export async function* visibleFacts(
  g: GateContext,
  persons: readonly string[],
  opts: { memberDuring?: { start: string; end: string } } = {},
): AsyncGenerator<VisibleFacts> {
  for await (const v of visibleRecords(g, persons, opts)) {
    const rows = [...v.records.values()];
    yield {
      ...v,
      facts: factsFromRecord(
        v.person,
        rows.map((r) => JSON.parse(r.content) as Resource),
      ),
    };
  }
}

/** The same members' visible records (as visibleFacts reads them), unparsed: for a caller that keeps only some. */
export async function* visibleRecords(
  g: GateContext,
  persons: readonly string[],
  opts: { memberDuring?: { start: string; end: string }; contents?: boolean } = {},
): AsyncGenerator<Omit<VisibleFacts, 'facts'>> {
  const contents = opts.contents ?? true;
  for (const person of persons) {
    const { grants, decisions } = await grantsFor(g, person, FACT_TYPES, opts.memberDuring);
    if (!grants.some((grant) => grant.type === 'Patient')) continue;
    const ids = await linkedPatientIds(g.deps.db, person, g.generation());
    if (ids.length === 0) continue;
    // INDEXED BY: when every class withholds the same labels the WHERE reads `type IN (…)`, and
    // the planner would walk the primary key over every record of those types for each person.
    const rows = await g.deps.db.orm.all<Row>(
      sql`SELECT type, id, ${contents ? sql`content` : sql`'' AS content`} FROM resources INDEXED BY resources_compartment WHERE ${searchWhere(ids, grants, EVERY_RECORD) ?? sql`0`} ORDER BY type, id`,
    );
    // Only which records are visible (`contents: false`) needs no reference filter: it changes what a
    // visible record says, never whether it is visible.
    const visible = contents ? await referenceFilter(g, person).many(rows) : rows;
    const patient = visible.find((r) => r.type === 'Patient');
    if (!patient) continue;
    yield { person, patientId: patient.id, records: new Map(visible.map((r) => [`${r.type}/${r.id}`, r])), decisions };
  }
}

/** What a report disclosed about one member, as her accounting of disclosures records it. */
export function disclosureRecord(
  member: Pick<VisibleFacts, 'person' | 'decisions'>,
  query: string,
  interaction: 'operation' | 'read' = 'operation',
): AuditRecord {
  return {
    interaction,
    query,
    person: member.person,
    outcome: 'permit',
    reasons: member.decisions.flatMap((d) => d.reasons).slice(0, 6),
    ...purposeOf(member.decisions.find((d) => d.permit)),
  };
}

/** Audits what a report disclosed about one member: it goes in her accounting of disclosures. */
export async function auditDisclosure(
  g: GateContext,
  member: Pick<VisibleFacts, 'person' | 'decisions'>,
  query: string,
  interaction: 'operation' | 'read' = 'operation',
): Promise<void> {
  await g.audit(disclosureRecord(member, query, interaction));
}
