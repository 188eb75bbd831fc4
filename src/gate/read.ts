import { categoriesOfColumn, categoryIndex } from '../consent/categories.js';
import { resolvePerson } from '../store/read.js';
import { purposeOf, type GateContext } from './context.js';
import { reaches } from '../auth/scopes.js';
import { categoryCodings, DIRECTORY_TYPES, requireScope, scopeCoverage } from './scope.js';
import { readVersion, type StoredVersion } from './versions.js';
import { referenceFilter } from './dangling.js';

/**
 * read and vread. The steps, in order: the scope (before any lookup), the exact version asked
 * for, that version's own compartment, the decision on its own labels and date, the audit.
 * Undefined means "not found", whether the resource is missing or withheld.
 */
export async function readResource(g: GateContext, type: string, id: string, vid?: string): Promise<StoredVersion | undefined> {
  requireScope(g.requester, type, 'r');
  const row = await readVersion(g.deps.db, type, id, vid);
  const query = vid === undefined ? `${type}/${id}` : `${type}/${id}/_history/${vid}`;
  if (row && DIRECTORY_TYPES.includes(type)) return row;
  const ref = type === 'Patient' ? id : row?.patientId;
  const person = row && ref ? ((await resolvePerson(g.deps.db, ref)) ?? ref) : undefined;
  // A granular scope reaches only its categories: a resource outside them is not found.
  const coverage = person ? scopeCoverage(g.requester, type, 'r', person) : undefined;
  if (!row || !person || !coverage || !reaches(coverage, categoryCodings(row.content))) {
    await g.audit({ interaction: 'read', query, ...(person ? { person } : {}), outcome: 'not-found' });
    return undefined;
  }
  const categories = categoriesOfColumn(row.security, categoryIndex(g.deps.codeLists));
  const decision = await g.decide(person, { cls: type, categories, ...(row.dateStart ? { date: row.dateStart } : {}) });
  await g.audit({ interaction: 'read', query, person, outcome: decision.permit ? 'permit' : 'not-found', reasons: decision.reasons, ...purposeOf(decision) });
  return decision.permit ? { ...row, content: await referenceFilter(g, person).one(row.content) } : undefined;
}
