import type { Attribution } from '../metrics/attribution.js';
import { storedRoster } from '../metrics/attribution-data.js';
import { listReleases, type ReleaseRow } from '../release/store.js';
import { codesOf } from '../consent/categories.js';
import { runSearch, searchWhere } from '../search/sql.js';
import type { SearchQuery } from '../search/params.js';
import { linkedPatientIds } from '../store/read.js';
import { rosterOf } from '../store/rosters.js';
import type { GateContext } from './context.js';
import { referenceFilter } from './dangling.js';
import { requireScope } from './scope.js';

/**
 * An attribution roster, `Group/attribution-{org}-{year}`. Readable by the organization itself
 * (each member still decided, so a patient's consent against it removes her) and by a payer for
 * its own members only (an active Coverage naming it, and a permit). For anyone else, and when
 * nothing is visible, the roster does not exist. Members reference a Patient record, not the
 * internal person id.
 */
export async function attributionRoster(
  g: GateContext,
  organization: string,
  year: number,
  groupId: string,
): Promise<{ members: Attribution[]; release: ReleaseRow } | undefined> {
  requireScope(g.requester, 'Group', 'r');
  const r = g.requester;
  const own = r.organization === organization;
  const payer = r.kind === 'system' && r.clientKind === 'payer' && r.organization !== undefined;
  const [release] = own || payer ? await listReleases(g.deps.db) : [];
  const stored = release ? await storedRoster(g.deps.db, release.id, year, organization) : [];
  const members: Attribution[] = [];
  const disclosed: { person: string; decision: Awaited<ReturnType<typeof g.decide>> }[] = [];
  for (const m of stored) {
    if (!own && !(await g.deps.consent.payersOf(m.person)).has(r.organization!)) continue;
    const decision = await g.decide(m.person, { cls: 'Group' });
    const [patientId] = await linkedPatientIds(g.deps.db, m.person);
    if (decision.permit && patientId) {
      members.push({ ...m, person: patientId });
      disclosed.push({ person: m.person, decision });
    }
  }
  // Being on a roster is itself a disclosure about each member: it goes in each one's accounting.
  for (const { person, decision } of disclosed) {
    await g.audit({
      interaction: 'read',
      query: `Group/${groupId}`,
      person,
      outcome: 'permit',
      reasons: decision.reasons,
      ...(decision.purpose ? { purpose: decision.purpose } : {}),
    });
  }
  if (disclosed.length === 0) await g.audit({ interaction: 'read', query: `Group/${groupId}`, outcome: 'not-found' });
  return members.length > 0 && release ? { members, release } : undefined;
}

/** Bulk export: only the roster of the organization the requester acts for exists for it. */
export function mayExportGroup(g: GateContext, groupId: string): boolean {
  return g.requester.organization === `Organization/${groupId}`;
}

/** The people of an organization's roster, for an export the requester may run. */
export async function exportMembers(g: GateContext, groupId: string): Promise<string[]> {
  return mayExportGroup(g, groupId) ? rosterOf(g.deps.db, groupId) : [];
}

const PAGE = 500;

/**
 * One export file: NDJSON, member by member, page by page, each member's class decided and
 * audited as it goes. It yields only non-empty chunks and always ends: a member with nothing to
 * send moves straight on to the next.
 */
export async function* exportFile(g: GateContext, groupId: string, members: readonly string[], type: string, since: string | null): AsyncGenerator<string> {
  for (const person of members) {
    const decision = await g.decide(person, { cls: type });
    await g.audit({
      interaction: 'operation',
      query: `Group/${groupId}/$export ${type}`,
      person,
      outcome: decision.permit ? 'permit' : 'not-found',
      reasons: decision.reasons,
      ...(decision.purpose ? { purpose: decision.purpose } : {}),
    });
    if (decision.plan.kind === 'deny') continue;
    const ids = await linkedPatientIds(g.deps.db, person);
    const grant = [{ type, withhold: codesOf(decision.plan.withhold, g.deps.codeLists) }];
    const filter = referenceFilter(g, person);
    for (let offset = 0; ; offset += PAGE) {
      const q: SearchQuery = {
        dates: since ? [{ column: 'lastUpdated', op: 'ge', range: [since, since] }] : [],
        tokens: [],
        includes: [],
        count: PAGE,
        offset,
        sort: { column: 'lastUpdated', descending: false },
      };
      const { rows } = await runSearch(g.deps.db, searchWhere(ids, grant, q), q);
      if (rows.length > 0) yield (await filter.many(rows)).map((row) => `${row.content}\n`).join('');
      if (rows.length < PAGE) break;
    }
  }
}
