import { and, eq } from 'drizzle-orm';
import type { FilteredAdapter, Model } from 'casbin';
import type { Database } from '../db/database.js';
import { consentLines } from '../db/schema.js';

/**
 * Casbin's storage contract over consent_lines, for tools that want a standard Enforcer over
 * one patient's policy (audits, `$access` explanations, tests).
 *
 * - loadFilteredPolicy(model, { patient }): that patient's lines, in priority order.
 * - loadPolicy(model): refused. A region holds millions of lines; load one patient instead.
 * - savePolicy / addPolicy / removePolicy: refused. Lines are written only by compiling a
 *   Consent (src/consent/routes.ts), in the same transaction as the Consent itself, so policy
 *   and the resource it came from can never disagree.
 *
 * The engine's hot path reads the same table with prepared queries (store.ts) and does not go
 * through this class: Casbin's adapter path inserts rules one by one, which costs more than the
 * decision.
 */
export class ConsentLineAdapter implements FilteredAdapter {
  private filtered = false;

  constructor(private readonly db: Database) {}

  isFiltered(): boolean {
    return this.filtered;
  }

  async loadFilteredPolicy(model: Model, filter: { patient: string; consent?: string }): Promise<void> {
    const where = filter.consent
      ? and(eq(consentLines.patientId, filter.patient), eq(consentLines.consentId, filter.consent))
      : eq(consentLines.patientId, filter.patient);
    const rows = await this.db.orm.select().from(consentLines).where(where);
    rows.sort((a, b) => a.priority.localeCompare(b.priority) || a.consentId.localeCompare(b.consentId) || a.ord - b.ord);
    // Assigned whole, in order: Casbin's addPolicy with a priority field inserts a rule that
    // belongs last one place too early (it splices at index -1).
    model.model.get('p')!.get('p')!.policy = rows.map((r) => [
      r.priority,
      r.patientId,
      r.actor,
      r.purpose,
      r.cls,
      r.label,
      r.start,
      r.end,
      r.dataStart,
      r.dataEnd,
      r.effect,
      r.ref,
    ]);
    this.filtered = true;
  }

  async loadPolicy(): Promise<void> {
    throw new Error('consent lines are loaded one patient at a time: use loadFilteredPolicy(model, { patient })');
  }

  async savePolicy(): Promise<boolean> {
    throw new Error('consent lines are written only by compiling a Consent');
  }

  async addPolicy(): Promise<void> {
    throw new Error('consent lines are written only by compiling a Consent');
  }

  async removePolicy(): Promise<void> {
    throw new Error('consent lines are written only by compiling a Consent');
  }

  async removeFilteredPolicy(): Promise<void> {
    throw new Error('consent lines are written only by compiling a Consent');
  }
}
