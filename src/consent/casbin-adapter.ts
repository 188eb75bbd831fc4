import { and, eq } from 'drizzle-orm';
import type { FilteredAdapter, Model } from 'casbin';
import { lineOfRow } from './compile.js';
import { loadLines, ReadOnlyLinesAdapter } from './lines-adapter.js';
import type { Database } from '../db/database.js';
import { consentLines } from '../db/schema.js';

/**
 * Casbin's storage contract over consent_lines, for tools that want a standard Enforcer over
 * one patient's policy (audits, `$access` explanations, tests).
 *
 * - loadFilteredPolicy(model, { patient }): that patient's lines, in priority order.
 * - loadPolicy(model): refused. A region holds millions of lines; load one patient instead.
 * - savePolicy / addPolicy / removePolicy: refused (see ReadOnlyLinesAdapter).
 *
 * The engine's hot path reads the same table with prepared queries (store.ts) and compiles each
 * patient's view from those rows (view.ts), through the same line loader.
 */
export class ConsentLineAdapter extends ReadOnlyLinesAdapter implements FilteredAdapter {
  private filtered = false;

  constructor(private readonly db: Database) {
    super();
  }

  isFiltered(): boolean {
    return this.filtered;
  }

  async loadFilteredPolicy(model: Model, filter: { patient: string; consent?: string }): Promise<void> {
    const where = filter.consent
      ? and(eq(consentLines.patientId, filter.patient), eq(consentLines.consentId, filter.consent))
      : eq(consentLines.patientId, filter.patient);
    const rows = await this.db.orm.select().from(consentLines).where(where);
    rows.sort((a, b) => a.priority.localeCompare(b.priority) || a.consentId.localeCompare(b.consentId) || a.ord - b.ord);
    loadLines(model, rows.map(lineOfRow));
    this.filtered = true;
  }

  async loadPolicy(): Promise<void> {
    throw new Error('consent lines are loaded one patient at a time: use loadFilteredPolicy(model, { patient })');
  }
}
