import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { exportJobs } from '../db/schema.js';

export type ExportJob = typeof exportJobs.$inferSelect;

/** Bulk export jobs: created in progress, completed with their snapshot and manifest, failed, or cancelled. */
export async function createExportJob(db: Database, job: Omit<ExportJob, 'status' | 'members' | 'snapshot' | 'manifest'>): Promise<void> {
  await db.orm.insert(exportJobs).values({ ...job, status: 'in-progress' });
}

export async function exportJob(db: Database, id: string): Promise<ExportJob | undefined> {
  const [job] = await db.orm.select().from(exportJobs).where(eq(exportJobs.id, id));
  return job;
}

/** Updates a job; with `onlyIf`, only while it still has that status (a cancelled job stays cancelled). */
export async function setExportJob(
  db: Database,
  id: string,
  values: Partial<Pick<ExportJob, 'status' | 'members' | 'snapshot' | 'manifest'>>,
  onlyIf?: string,
): Promise<void> {
  await db.orm
    .update(exportJobs)
    .set(values)
    .where(onlyIf ? and(eq(exportJobs.id, id), eq(exportJobs.status, onlyIf)) : eq(exportJobs.id, id));
}
