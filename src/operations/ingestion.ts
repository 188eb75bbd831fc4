import { count, desc, eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { ingestions, patientLinks } from '../db/schema.js';
import { operatorAuditEvent } from './audit-event.js';
import type { OperationsDeps } from './deps.js';
import type { Operator } from './operator.js';

export type IngestionRun = typeof ingestions.$inferSelect;

/** The newest ingestion runs: source, channel, when, status and counts; no record content. */
export async function ingestionRuns(db: Database, _operator: Operator, limit = 50): Promise<IngestionRun[]> {
  return db.orm.select().from(ingestions).orderBy(desc(ingestions.startedAt)).limit(limit);
}

export interface WeakLink {
  patientId: string;
  personId: string;
  reason: string;
  linkedAt: string;
}

/**
 * The links the master patient index made on demographic evidence alone (no shared
 * identifier): the weakest evidence the linker acts on, so the ones worth a human's look. The
 * linker has no "held for review" band (src/matching/link.ts links or starts a new person), so
 * this is the queue there is. Viewing it is audited (record ids are patient-linked).
 */
export async function demographicLinks(deps: OperationsDeps, operator: Operator, limit = 50): Promise<{ total: number; links: WeakLink[] }> {
  const where = eq(patientLinks.rule, 'demographics');
  const [{ n } = { n: 0 }] = await deps.db.orm.select({ n: count() }).from(patientLinks).where(where);
  const links = await deps.db.orm
    .select({ patientId: patientLinks.patientId, personId: patientLinks.personId, reason: patientLinks.reason, linkedAt: patientLinks.linkedAt })
    .from(patientLinks)
    .where(where)
    .orderBy(desc(patientLinks.linkedAt))
    .limit(limit);
  if (links.length > 0)
    await deps.audit.record(
      operatorAuditEvent({
        id: deps.newId(),
        when: deps.clock().toISOString(),
        operator,
        action: 'matching-view',
        what: { identifier: { system: 'urn:consent-gateway:audit', value: 'patient-links?rule=demographics' } },
        facts: [`shown=${links.length}`, `total=${n}`],
        outcome: 'ok',
        outcomeDesc: 'links made on demographic evidence shown',
      }),
      undefined,
    );
  return { total: n, links };
}
