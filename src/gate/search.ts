import type { Decision } from '../consent/decide.js';
import { codesOf } from '../consent/categories.js';
import { FhirError } from '../fhir/errors.js';
import { parseReference } from '../fhir/references.js';
import { INCLUDE_PATHS, MAX_COUNT, type SearchQuery } from '../search/params.js';
import { runSearch, searchWhere, type ClassGrant } from '../search/sql.js';
import { linkedPatientIds, resolvePerson } from '../store/read.js';
import { COMPARTMENT_TYPES } from '../store/search-values.js';
import { purposeOf, type GateContext } from './context.js';
import { referenceFilter } from './dangling.js';
import { DIRECTORY_TYPES, requireScope, scopeAllows, scopeCoverage } from './scope.js';

export interface Row {
  type: string;
  id: string;
  content: string;
}

/** A page of matches, the total the requester may see, and the included resources. */
export interface Found {
  /** Unknown (-1) when the query asked for none (`_total=none`); `more` then says whether a next page exists. */
  total: number;
  more?: boolean;
  rows: Row[];
  included: Row[];
}

const NOTHING: Found = { total: 0, rows: [], included: [] };

/**
 * Decides each class for this patient and turns the decisions' query plans into SQL grants: a
 * class the token's scope does not cover is not asked about; a denied class is left out; an
 * allowed one withholds its plan's labels.
 */
export async function grantsFor(
  g: GateContext,
  person: string,
  types: readonly string[],
  memberDuring?: { start: string; end: string },
): Promise<{ grants: ClassGrant[]; decisions: Decision[] }> {
  const grants: ClassGrant[] = [];
  const decisions: Decision[] = [];
  for (const type of types) {
    const coverage = scopeCoverage(g.requester, type, 's', person);
    if (coverage.kind === 'none') continue;
    const decision = await g.decide(person, { cls: type, ...(memberDuring ? { memberDuring } : {}) });
    decisions.push(decision);
    // A granular scope (`?category=`) narrows the class in SQL, so totals count only what it reaches.
    const only = coverage.kind === 'some' ? { categories: coverage.categories } : {};
    if (decision.plan.kind === 'allow') grants.push({ type, withhold: codesOf(decision.plan.withhold, g.deps.codeLists), ...only });
  }
  return { grants, decisions };
}

/** `GET [type]?…`: directory types by scope alone; compartment types for one patient, decided per class. */
export async function searchType(g: GateContext, type: string, q: SearchQuery, query: string): Promise<Found> {
  requireScope(g.requester, type, 's');
  const { db } = g.deps;
  if (DIRECTORY_TYPES.includes(type)) return { ...(await runSearch(db, searchWhere(undefined, [{ type, withhold: [] }], q), q)), included: [] };
  if (!COMPARTMENT_TYPES.includes(type)) throw FhirError.of(403, 'forbidden', `${type} is not searchable here`);
  if (!q.patient)
    throw type === 'Patient'
      ? FhirError.of(400, 'required', 'Searching Patient needs _id: the patient', '_id')
      : FhirError.of(400, 'required', `Searching ${type} needs a patient (or subject) parameter`, 'patient');
  const person = await samePerson(g, q.patients ?? [q.patient]);
  const { grants, decisions } = person ? await grantsFor(g, person, [type]) : { grants: [], decisions: [] };
  await g.audit({
    interaction: 'search-type',
    query,
    ...(person ? { person } : {}),
    outcome: grants.length > 0 ? 'permit' : 'not-found',
    reasons: decisions.flatMap((d) => d.reasons),
    ...purposeOf(decisions[0]),
  });
  // An unknown patient and a patient the requester may not see give the same empty result.
  if (!person || grants.length === 0) return NOTHING;
  const ids = await linkedPatientIds(db, person, g.generation());
  const result = await runSearch(db, searchWhere(ids, grants, q), q);
  const included = q.includes.length > 0 ? await includes(g, person, ids, result.rows, q) : [];
  const filter = referenceFilter(g, person);
  return {
    total: result.total,
    ...(result.more !== undefined ? { more: result.more } : {}),
    rows: await filter.many(result.rows),
    included: await filter.many(included),
  };
}

/** `Patient/{id}/$everything`: every class the requester may see, from every linked record. Undefined: not found. */
export async function everything(g: GateContext, patientId: string, q: SearchQuery, query: string): Promise<Found | undefined> {
  const { db } = g.deps;
  const person = await resolvePerson(db, patientId, g.generation());
  const types = (q.types ?? COMPARTMENT_TYPES).filter((t) => COMPARTMENT_TYPES.includes(t));
  const { grants, decisions } = person ? await grantsFor(g, person, types) : { grants: [], decisions: [] };
  await g.audit({
    interaction: 'operation',
    query,
    ...(person ? { person } : {}),
    outcome: grants.length > 0 ? 'permit' : 'not-found',
    reasons: decisions.flatMap((d) => d.reasons).slice(0, 6),
    ...purposeOf(decisions.find((d) => d.permit)),
  });
  if (!person || grants.length === 0) return undefined;
  const ids = await linkedPatientIds(db, person, g.generation());
  const result = await runSearch(db, searchWhere(ids, grants, q), q);
  return {
    total: result.total,
    ...(result.more !== undefined ? { more: result.more } : {}),
    rows: await referenceFilter(g, person).many(result.rows),
    included: [],
  };
}

/** Repeated patient parameters are AND: they must all name records of one person, or nothing matches. */
async function samePerson(g: GateContext, patientIds: readonly string[]): Promise<string | undefined> {
  const persons = new Set<string | undefined>();
  for (const id of patientIds) persons.add(await resolvePerson(g.deps.db, id, g.generation()));
  const [person] = persons;
  return persons.size === 1 ? person : undefined;
}

const INCLUDABLE = ['Practitioner', 'Organization', 'Encounter'];

/**
 * `_include`: the Practitioners, Organizations and Encounters the page's resources reference.
 * Directory entries need only the scope; an Encounter is patient data, so it must be in the
 * patient's compartment and pass the same decision as a search for Encounters would.
 */
async function includes(g: GateContext, person: string, patientIds: readonly string[], rows: Row[], q: SearchQuery): Promise<Row[]> {
  const wanted = new Map<string, Set<string>>();
  for (const row of rows) {
    const resource = JSON.parse(row.content) as Record<string, unknown>;
    for (const inc of q.includes) {
      if (inc.source !== row.type) continue;
      for (const path of INCLUDE_PATHS[inc.param]) {
        for (const ref of referencesAt(resource, path.split('.'))) {
          const parsed = parseReference(ref, INCLUDABLE);
          if (parsed && !ref.includes('://')) wanted.set(parsed.type, (wanted.get(parsed.type) ?? new Set()).add(parsed.id));
        }
      }
    }
  }
  const out: Row[] = [];
  for (const [type, idSet] of wanted) {
    if (!scopeAllows(g.requester, type, 'r')) continue;
    const grant: ClassGrant[] = type === 'Encounter' ? (await grantsFor(g, person, ['Encounter'])).grants : [{ type, withhold: [] }];
    if (grant.length === 0) continue;
    const all: SearchQuery = { ids: [...idSet], dates: [], tokens: [], includes: [], offset: 0, count: MAX_COUNT, sort: q.sort };
    const found = await runSearch(g.deps.db, searchWhere(type === 'Encounter' ? patientIds : undefined, grant, all), all);
    out.push(...found.rows);
  }
  return out;
}

function referencesAt(node: unknown, path: string[]): string[] {
  if (Array.isArray(node)) return node.flatMap((n) => referencesAt(n, path));
  if (node === null || typeof node !== 'object') return [];
  if (path.length === 0) {
    const ref = (node as { reference?: unknown }).reference;
    return typeof ref === 'string' ? [ref] : [];
  }
  return referencesAt((node as Record<string, unknown>)[path[0]!], path.slice(1));
}
