import { attributions, releases } from '../../src/db/schema.js';
import type { Database } from '../../src/db/database.js';

/**
 * Attributes people to an organization for this year, as a release's rosters would: an
 * organization is told only of its attributed patients (src/subscriptions/dispatch.ts). Written
 * straight into the tables, under a release of version 0, so a test that publishes or inserts a
 * real release (version 1 and up) decides attribution itself.
 */
export async function attributeTo(db: Database, organization: string, persons: readonly string[], year = new Date().getUTCFullYear()): Promise<void> {
  await db.orm
    .insert(releases)
    .values({
      id: 'test-attribution',
      version: 0,
      issued: `${year}-01-01T00:00:00Z`,
      mode: 'suppression',
      years: String(year),
      epsilon: null,
      manifestJws: 'x',
    })
    .onConflictDoNothing();
  await db.orm
    .insert(attributions)
    .values(persons.map((person) => ({ releaseId: 'test-attribution', year, person, organization, method: 'designation', reason: 'test' })))
    .onConflictDoNothing();
}
