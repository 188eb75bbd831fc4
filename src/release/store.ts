import { and, desc, eq } from 'drizzle-orm';
import type { Database, Statement } from '../db/database.js';
import { attributions, privacyLedger, releaseAudits, releaseFiles, releases } from '../db/schema.js';
import type { Attribution } from '../metrics/attribution.js';
import { PublishRefused } from './errors.js';
import type { ReleaseFile } from './release.js';

/** Release ids are v1, v2, …: anything else in a URL is refused before it reaches a query. */
export const isReleaseId = (id: string) => /^v\d{1,6}$/.test(id);

export interface ReleaseRow {
  id: string;
  version: number;
  issued: string;
  mode: string;
  years: number[];
  epsilon: number | null;
}

export async function listReleases(db: Database): Promise<ReleaseRow[]> {
  const rows = await db.orm.select().from(releases).orderBy(desc(releases.version));
  return rows.map((r) => ({ id: r.id, version: r.version, issued: r.issued, mode: r.mode, years: r.years.split(',').map(Number), epsilon: r.epsilon }));
}

export async function readReleaseFile(
  db: Database,
  releaseId: string,
  name: string,
): Promise<{ mediaType: string; sha256: string; content: string } | undefined> {
  const [row] = await db.orm
    .select({ mediaType: releaseFiles.mediaType, sha256: releaseFiles.sha256, content: releaseFiles.content })
    .from(releaseFiles)
    .where(and(eq(releaseFiles.releaseId, releaseId), eq(releaseFiles.name, name)));
  return row;
}

/**
 * Everything one release writes, as one all-or-nothing unit: the budget first where this
 * release binds it (the ledger's trigger checks the spend against it), then the release, its
 * files, its spend and its attribution rosters.
 */
export function releaseStatements(
  db: Database,
  release: ReleaseRow & { manifestJws: string },
  files: readonly (ReleaseFile & { sha256: string; bytes: number })[],
  ledger: { epsilon: number; lifetimeBudget: number; recorded: string; mechanism: string } | undefined,
  attributed: ReadonlyMap<number, readonly Attribution[]>,
  bindBudget?: Statement,
  /** An exact release: its disclosure audit report (audit-report.ts), kept for the operators. */
  auditReport?: string,
): Statement[] {
  const statements: Statement[] = [
    ...(bindBudget ? [bindBudget] : []),
    db.orm.insert(releases).values({
      id: release.id,
      version: release.version,
      issued: release.issued,
      mode: release.mode,
      years: release.years.join(','),
      epsilon: release.epsilon,
      manifestJws: release.manifestJws,
    }),
    {
      kind: 'insert-rows',
      table: releaseFiles,
      rows: files.map((f) => ({ releaseId: release.id, name: f.name, mediaType: f.mediaType, sha256: f.sha256, bytes: f.bytes, content: f.content })),
      onConflict: 'fail',
    },
  ];
  if (ledger) statements.push(db.orm.insert(privacyLedger).values({ releaseId: release.id, ...ledger }));
  if (auditReport !== undefined) statements.push(db.orm.insert(releaseAudits).values({ releaseId: release.id, report: auditReport }));
  const rows = [...attributed].flatMap(([year, list]) =>
    list.map((a) => ({ year, person: a.person, organization: a.organization ?? null, method: a.method, reason: a.reason, releaseId: release.id })),
  );
  if (rows.length > 0) statements.push({ kind: 'insert-rows', table: attributions, rows, onConflict: 'fail' });
  return statements;
}

/**
 * Writes a release's statements. What the database refuses because another writer got there
 * first (the lock expired under a slow publisher, or a writer that skipped it) becomes a clear
 * refusal, never a raw constraint error; the transaction wrote nothing.
 */
export async function writeRelease(db: Database, id: string, statements: readonly Statement[]): Promise<void> {
  try {
    await db.atomic(statements);
  } catch (err) {
    const message = String((err as Error)?.message ?? err);
    if (/UNIQUE constraint failed: (releases|release_files|attributions)\./.test(message))
      throw new PublishRefused(`release ${id} was published by another process while this one was being prepared; nothing was written. Publish again.`);
    if (/privacy budget exceeded/.test(message))
      throw new PublishRefused(
        'privacy budget exceeded: the budget or the spend changed while this release was being prepared; nothing was written. Publish again.',
      );
    throw err;
  }
}
