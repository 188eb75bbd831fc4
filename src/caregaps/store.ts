import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { careGaps, reportDocuments, reports } from '../db/schema.js';
import type { MeasurementPeriod } from '../metrics/quality/index.js';
import type { GapStatus } from './evaluate.js';

/** One run of `$care-gaps`, as kept: immutable once written (the tables' triggers). */
export interface GapsReport {
  id: string;
  organization: string;
  payer?: string;
  period: MeasurementPeriod;
  /** `Group/{id}/_history/{v}` of each roster read, so the run can be reproduced. */
  rosters: readonly string[];
  requestedBy: string;
  createdAt: string;
  documents: readonly { person: string; bundle: object; gaps: readonly { id: string; measure: string; status: GapStatus }[] }[];
}

/** Writes the report, its documents and one care_gaps row per DetectedIssue, all or nothing. */
export async function storeGapsReport(db: Database, r: GapsReport): Promise<void> {
  const summary = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'periodStart', valueDate: r.period.start },
      { name: 'periodEnd', valueDate: r.period.end },
      ...r.rosters.map((roster) => ({ name: 'roster', valueReference: { reference: roster } })),
      { name: 'documents', valueInteger: r.documents.length },
      ...(['open-gap', 'closed-gap', 'prospective-gap', 'not-applicable'] as const).map((status) => ({
        name: status,
        valueInteger: r.documents.reduce((n, d) => n + d.gaps.filter((g) => g.status === status).length, 0),
      })),
    ],
  };
  const gaps = r.documents.flatMap((d) => d.gaps.map((g) => ({ id: g.id, reportId: r.id, person: d.person, measure: g.measure, status: g.status })));
  await db.atomic([
    db.orm.insert(reports).values({
      id: r.id,
      kind: 'care-gaps',
      organization: r.organization,
      payer: r.payer ?? null,
      periodStart: r.period.start,
      periodEnd: r.period.end,
      // One text column: several rosters (an organization across payers) are space-separated.
      roster: r.rosters.length > 0 ? r.rosters.join(' ') : null,
      requestedBy: r.requestedBy,
      createdAt: r.createdAt,
      content: JSON.stringify(summary),
    }),
    ...(r.documents.length > 0
      ? [
          {
            kind: 'insert-rows' as const,
            table: reportDocuments,
            rows: r.documents.map((d) => ({ reportId: r.id, person: d.person, id: (d.bundle as { id: string }).id, content: JSON.stringify(d.bundle) })),
            onConflict: 'fail' as const,
          },
        ]
      : []),
    ...(gaps.length > 0 ? [{ kind: 'insert-rows' as const, table: careGaps, rows: gaps, onConflict: 'fail' as const }] : []),
  ]);
}

/** One patient's stored document of a report, exactly as it was answered; undefined when there is none. */
export async function readGapsDocument(db: Database, reportId: string, person: string): Promise<object | undefined> {
  const [row] = await db.orm
    .select({ content: reportDocuments.content })
    .from(reportDocuments)
    .where(and(eq(reportDocuments.reportId, reportId), eq(reportDocuments.person, person)));
  return row ? (JSON.parse(row.content) as object) : undefined;
}

/** A stored report's row (without its documents). */
export async function readGapsReport(db: Database, reportId: string) {
  const [row] = await db.orm
    .select()
    .from(reports)
    .where(and(eq(reports.id, reportId), eq(reports.kind, 'care-gaps')));
  return row;
}
