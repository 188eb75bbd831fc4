import { categoriesOfColumn, categoryIndex } from '../consent/categories.js';
import type { Decision } from '../consent/decide.js';
import { resolvePerson } from '../store/read.js';
import { purposeOf, type GateContext } from './context.js';
import { reaches } from '../auth/scopes.js';
import { categoryCodings, DIRECTORY_TYPES, requireScope, scopeCoverage } from './scope.js';
import { listVersions, readVersion, type StoredVersion } from './versions.js';
import { referenceFilter } from './dangling.js';
import { wholeContent } from '../store/spill.js';

/** What deciding one stored version gives: whose it is (if anyone's), the decision, and whether it may be seen. */
interface VersionVerdict {
  person?: string;
  decision?: Decision;
  visible: boolean;
}

/**
 * The vread decision on one version: a directory entry by scope alone; otherwise that version's
 * own compartment, the token's patient context, and the decision on its own labels and date.
 */
async function decideVersion(g: GateContext, row: StoredVersion): Promise<VersionVerdict> {
  if (DIRECTORY_TYPES.includes(row.type)) return { visible: true };
  const ref = row.type === 'Patient' ? row.id : row.patientId;
  const person = ref ? ((await resolvePerson(g.deps.db, ref, g.generation())) ?? ref) : undefined;
  // A granular scope reaches only its categories: a version outside them is not found. Only
  // then is the resource parsed for its categories.
  const coverage = person ? scopeCoverage(g.requester, row.type, 'r', person) : undefined;
  if (!person || !coverage || (coverage.kind !== 'all' && !reaches(coverage, categoryCodings(row.content))))
    return { ...(person ? { person } : {}), visible: false };
  const categories = categoriesOfColumn(row.security, categoryIndex(g.deps.codeLists));
  const decision = await g.decide(person, { cls: row.type, categories, ...(row.dateStart ? { date: row.dateStart } : {}) });
  return { person, decision, visible: decision.permit };
}

/**
 * read and vread. The steps, in order: the scope (before any lookup), the exact version asked
 * for, that version's own compartment, the decision on its own labels and date, the audit.
 * Undefined means "not found", whether the resource is missing or withheld.
 */
export async function readResource(g: GateContext, type: string, id: string, vid?: string): Promise<StoredVersion | undefined> {
  requireScope(g.requester, type, 'r');
  const row = await readVersion(g.deps.db, type, id, vid, g.generation());
  const query = vid === undefined ? `${type}/${id}` : `${type}/${id}/_history/${vid}`;
  if (row && DIRECTORY_TYPES.includes(type)) return { ...row, content: await wholeContent(g.deps.blobs, type, id, row.content) };
  const asked = row ? await decideVersion(g, row) : { visible: false };
  // An older version is shown only while the resource as it is now may be seen: otherwise a
  // record recoded into a withheld category would still answer for its earlier self (red team).
  const verdict = asked.visible && vid !== undefined && !(await currentVisible(g, type, id, row!, asked.person)) ? { ...asked, visible: false } : asked;
  const { person, decision } = verdict as VersionVerdict;
  await g.audit({
    interaction: 'read',
    query,
    ...(person ? { person } : {}),
    outcome: verdict.visible ? 'permit' : 'not-found',
    ...(decision ? { reasons: decision.reasons, ...purposeOf(decision) } : {}),
  });
  return row && person && verdict.visible ? { ...row, content: await referenceFilter(g, person).one(row) } : undefined;
}

export interface HistoryPage {
  /** Versions the requester may see, within `since`. */
  total: number;
  /** Newest first, at most `count`, below `before` when given. */
  versions: StoredVersion[];
  /** The versionId to continue below, when more are visible. */
  next?: number;
}

/**
 * `GET [type]/[id]/_history`: the versions the requester may see, each decided exactly as a
 * vread of it would be (a version's own compartment, labels and date), newest first. One audit
 * record for each person a version is about: permitted when she had any version shown. None
 * visible is undefined, as for a missing id.
 */
export async function readHistory(
  g: GateContext,
  type: string,
  id: string,
  page: { count: number; since?: string; before?: number },
): Promise<HistoryPage | undefined> {
  requireScope(g.requester, type, 'r');
  const versions = await listVersions(g.deps.db, type, id);
  const verdicts: VersionVerdict[] = [];
  for (const v of versions) verdicts.push(await decideVersion(g, v));
  // As for vread: no history, for the person it is about now, of a resource whose current version (the first) she may not see.
  const now = verdicts[0];
  if (now && !now.visible) for (const v of verdicts) if (v.person === now.person) v.visible = false;
  const query = `${type}/${id}/_history`;
  if (!DIRECTORY_TYPES.includes(type)) {
    const people = new Map<string, VersionVerdict[]>();
    for (const v of verdicts) if (v.person) people.set(v.person, [...(people.get(v.person) ?? []), v]);
    if (people.size === 0) await g.audit({ interaction: 'history-instance', query, outcome: 'not-found' });
    for (const [person, own] of people) {
      const decisions = own.flatMap((v) => (v.decision ? [v.decision] : []));
      await g.audit({
        interaction: 'history-instance',
        query,
        person,
        outcome: own.some((v) => v.visible) ? 'permit' : 'not-found',
        reasons: decisions.flatMap((d) => d.reasons).slice(0, 6),
        ...purposeOf(decisions.find((d) => d.permit)),
      });
    }
  }
  const visible = versions.filter((_, i) => verdicts[i]!.visible);
  if (visible.length === 0) return undefined;
  const since = page.since ? Date.parse(page.since) : undefined;
  const inRange = visible.filter((v) => since === undefined || Date.parse(v.lastUpdated) >= since);
  const below = inRange.filter((v) => page.before === undefined || v.versionId < page.before);
  const shown = below.slice(0, page.count);
  const filters = new Map<string, ReturnType<typeof referenceFilter>>();
  const out: StoredVersion[] = [];
  for (const v of shown) {
    const person = verdicts[versions.indexOf(v)]!.person;
    if (!person) {
      out.push({ ...v, content: await wholeContent(g.deps.blobs, v.type, v.id, v.content) });
      continue;
    }
    let filter = filters.get(person);
    if (!filter) filters.set(person, (filter = referenceFilter(g, person)));
    out.push({ ...v, content: await filter.one(v) });
  }
  return { total: inRange.length, versions: out, ...(below.length > shown.length ? { next: shown.at(-1)!.versionId } : {}) };
}

/**
 * Whether the current version of the resource an older version belongs to may be seen, when it
 * is about the same person. A record since re-filed under someone else is decided on its own:
 * the person it was about keeps her version of it.
 */
async function currentVisible(g: GateContext, type: string, id: string, row: StoredVersion, person: string | undefined): Promise<boolean> {
  const current = await readVersion(g.deps.db, type, id, undefined, g.generation());
  if (!current) return false;
  if (current.versionId === row.versionId) return true;
  const now = await decideVersion(g, current);
  return now.visible || now.person !== person;
}
