import { sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';

/**
 * A group is an organization's roster: for a payer, the people it covers (an active Coverage
 * names it as payor); for a provider, the people it has seen (an Encounter names it as service
 * provider) or who name it as their primary care. Answered as linked persons.
 */
export async function rosterOf(db: Database, organizationId: string): Promise<string[]> {
  const org = `Organization/${organizationId}`;
  const rows = await db.orm.all<{ person: string }>(sql`
    SELECT DISTINCT COALESCE(l.person_id, r.patient_id) AS person
    FROM resources r LEFT JOIN patient_links l ON l.patient_id = r.patient_id
    WHERE r.patient_id IS NOT NULL AND (
      (r.type = 'Coverage' AND r.status = 'active' AND EXISTS (SELECT 1 FROM json_each(r.content, '$.payor') p WHERE json_extract(p.value, '$.reference') = ${org}))
      OR (r.type = 'Encounter' AND json_extract(r.content, '$.serviceProvider.reference') = ${org})
      OR (r.type = 'Patient' AND EXISTS (SELECT 1 FROM json_each(r.content, '$.generalPractitioner') g WHERE json_extract(g.value, '$.reference') = ${org}))
    )
    ORDER BY person`);
  return rows.map((r) => r.person);
}
