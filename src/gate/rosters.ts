import type { Attribution } from '../metrics/attribution.js';
import { storedRoster } from '../metrics/attribution-data.js';
import { listReleases, type ReleaseRow } from '../release/store.js';
import { codesOf } from '../consent/categories.js';
import { snapshotAt, versionContents } from '../export/snapshot.js';
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
    const [patientId] = await linkedPatientIds(g.deps.db, m.person, g.generation());
    if (decision.permit && patientId) {
      members.push({ ...m, person: patientId });
      disclosed.push({ person: m.person, decision });
    }
  }
  // Being on a roster is itself a disclosure about each member: it goes in each one's accounting.
  await g.auditMany(
    disclosed.map(({ person, decision }) => ({
      interaction: 'read' as const,
      query: `Group/${groupId}`,
      person,
      outcome: 'permit' as const,
      reasons: decision.reasons,
      ...(decision.purpose ? { purpose: decision.purpose } : {}),
    })),
  );
  if (disclosed.length === 0) await g.audit({ interaction: 'read', query: `Group/${groupId}`, outcome: 'not-found' });
  return members.length > 0 && release ? { members, release } : undefined;
}

/** Bulk export: only the roster of the organization the requester acts for exists for it. */
export function mayExportGroup(g: GateContext, groupId: string): boolean {
  return g.requester.organization === `Organization/${groupId}`;
}

export type ExportLevel = 'group' | 'patient' | 'system';

/**
 * The rosters an export covers, or undefined when the requester may not run it (deny by default).
 *
 * - `Group/{id}/$export`: that group, if `mayExportGroup` admits it.
 * - `Patient/$export`: for a backend client, every patient it may export: the union of the
 *   rosters `mayExportGroup` admits, today the one roster of the organization it acts for.
 * - `$export` (system level): the same people, for the same clients. Every type exported is in
 *   the patient compartment, so a system export never reaches further than the Patient-level
 *   one; no DUA is read as a licence to pull the whole exchange.
 *
 * A person's token runs neither (Bulk Data is for backend services; a clinician may still
 * export its own organization's Group). Each member's data is decided per class (DUA, consent,
 * law) when the snapshot is planned and again when each file is read.
 */
export function exportRosters(g: GateContext, level: ExportLevel, groupId?: string): string[] | undefined {
  if (level === 'group') return groupId !== undefined && mayExportGroup(g, groupId) ? [groupId] : undefined;
  if (g.requester.kind !== 'system') return undefined;
  const own = g.requester.organization?.startsWith('Organization/') ? g.requester.organization.slice('Organization/'.length) : undefined;
  return own && mayExportGroup(g, own) ? [own] : undefined;
}

/**
 * An export's transactionTime, taken in the writers' queue (`db.exclusive`, which every ingest
 * holds from stamping `lastUpdated` to committing). Inside it no write is half done, so every
 * write stamped at or before the instant is already committed; and the queue is held until the
 * clock has moved past the instant, so no later write is stamped with it: a write in the same
 * millisecond as transactionTime is in the snapshot, and every other write is after it, found by
 * the next `_since=transactionTime`. The stored form has milliseconds, like lastUpdated.
 *
 * This holds for writers in this process. A writer in another process (or another Worker
 * isolate) stamps outside this queue: one that stamped before this instant and commits after
 * the snapshot is read is in neither this export nor the next incremental one.
 */
export async function exportTransactionTime(g: GateContext): Promise<string> {
  return g.deps.db.exclusive(async () => {
    const at = g.deps.clock().getTime();
    // A clock that does not move (a test's fixed clock) has no later write to keep out.
    for (let i = 0; i < 50 && g.deps.clock().getTime() <= at; i++) await new Promise((resolve) => setTimeout(resolve, 1));
    return new Date(at).toISOString();
  });
}

/** What an export's files hold: for each type, each member's versions as of transactionTime, as `[id, versionId]`. */
export interface ExportSnapshot {
  members: string[];
  files: Record<string, Record<string, [string, number][]>>;
}

/**
 * The snapshot an export's files are served from, decided per member and class as a file would
 * be (nothing leaves here, so nothing is audited): each member's versions current at
 * transactionTime, without the labels the member's decision withholds. The manifest's counts are
 * its sizes, so they describe exactly what the files hold unless a decision has since become
 * stricter (then a file holds fewer: consent wins over the count). The rosters are read here,
 * just after transactionTime, and again as each file is read: a member must be on both.
 */
export async function planExport(
  g: GateContext,
  rosters: readonly string[],
  types: readonly string[],
  since: string | null,
  at: string,
): Promise<ExportSnapshot> {
  const members = await exportPeople(g, rosters);
  const snapshot = snapshotAt(g.deps.db, at, since);
  const files: ExportSnapshot['files'] = {};
  for (const type of types) {
    const file: Record<string, [string, number][]> = {};
    for (const person of members) {
      const decision = await g.decide(person, { cls: type });
      if (decision.plan.kind === 'deny') continue;
      const withhold = codesOf(decision.plan.withhold, g.deps.codeLists);
      const versions = (await snapshot.versions(type, await linkedPatientIds(g.deps.db, person, g.generation()))).filter(
        (v) => !withheld(v.security, withhold),
      );
      if (versions.length > 0) file[person] = versions.map((v) => [v.id, v.versionId]);
    }
    files[type] = file;
  }
  return { members, files };
}

/** The people of the rosters, each once. */
async function exportPeople(g: GateContext, rosters: readonly string[]): Promise<string[]> {
  const people = new Set<string>();
  for (const groupId of rosters) if (mayExportGroup(g, groupId)) for (const person of await rosterOf(g.deps.db, groupId)) people.add(person);
  return [...people].sort();
}

const withheld = (security: string, codes: readonly string[]) => security !== '' && codes.some((code) => security.includes(` ${code} `));

const PAGE = 500;

/**
 * One export file: NDJSON, member by member, the versions its snapshot names. Each member is
 * decided and audited again as the file is read: one no longer on the rosters, or no longer
 * permitted the class, is left out, and a version whose labels are now withheld is too. It
 * yields only non-empty chunks and always ends.
 */
export async function* exportFile(g: GateContext, rosters: readonly string[], snapshot: ExportSnapshot, type: string, query: string): AsyncGenerator<string> {
  const file = snapshot.files[type] ?? {};
  const still = new Set(await exportPeople(g, rosters));
  for (const [person, versions] of Object.entries(file)) {
    const decision = still.has(person) ? await g.decide(person, { cls: type }) : undefined;
    await g.audit({
      interaction: 'operation',
      query: `${query} ${type}`,
      person,
      outcome: decision?.permit ? 'permit' : 'not-found',
      reasons: decision?.reasons ?? [],
      ...(decision?.purpose ? { purpose: decision.purpose } : {}),
    });
    if (!decision || decision.plan.kind === 'deny') continue;
    const withhold = codesOf(decision.plan.withhold, g.deps.codeLists);
    const filter = referenceFilter(g, person);
    for (let i = 0; i < versions.length; i += PAGE) {
      const page = versions.slice(i, i + PAGE);
      const contents = await versionContents(g.deps.db, type, page);
      const rows = page.flatMap(([id, v]) => {
        const found = contents.get(`${id}/${v}`);
        return found && !withheld(found.security, withhold) ? [{ type, id, content: found.content }] : [];
      });
      if (rows.length > 0) yield (await filter.many(rows)).map((row) => `${row.content}\n`).join('');
    }
  }
}
