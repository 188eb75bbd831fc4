import type { Requester } from '../auth/requester.js';
import type { AuditTrail } from '../audit/trail.js';
import type { AccessRecord } from '../audit/event.js';
import type { ConsentEngine } from '../consent/engine.js';
import type { Decision, DecisionRequest } from '../consent/decide.js';
import type { Database } from '../db/database.js';
import type { CompiledCodeLists } from '../labels/index.js';
import type { Blobs } from '../store/blobs.js';

/** What the gate is built from: the store, the consent engine and the audit trail. */
export interface GateDeps {
  db: Database;
  consent: ConsentEngine;
  audit: AuditTrail;
  clock: () => Date;
  newId: () => string;
  codeLists: CompiledCodeLists;
  /** Bodies too large for a row (R2 on the Worker): read back whole before anything leaves. */
  blobs?: Blobs;
}

export type AuditRecord = Omit<AccessRecord, 'when' | 'id' | 'requester'>;

/** One request's view of the gate's parts: who asks, and the steps every method shares. */
export interface GateContext {
  deps: GateDeps;
  requester: Requester;
  decide(person: string, req: Omit<DecisionRequest, 'when' | 'requester'>): Promise<Decision>;
  /**
   * The database's generation as this request read it (src/db/database.ts): its decisions and
   * cached lookups are as fresh as that reading, taken when the request first needs it.
   */
  generation(): number | undefined;
  /** Waits until the event is committed: nothing leaves the gate before its audit record is durable. */
  audit(record: AuditRecord): Promise<void>;
  /** A bulk job's records (one per member): durable when it resolves, as audit's. */
  auditMany(records: readonly AuditRecord[]): Promise<void>;
}

/**
 * How long a request trusts its reading of the database's generation. Most requests finish
 * well within it and read it once; a long one (an export's stream) reads it again as it goes.
 */
const GENERATION_TRUSTED_MS = 5;

export function gateContext(deps: GateDeps, requester: Requester): GateContext {
  let generation: number | undefined;
  let readAt = -Infinity;
  const fresh = () => {
    const now = performance.now();
    if (now - readAt > GENERATION_TRUSTED_MS) {
      generation = deps.db.generation?.();
      readAt = now;
    }
    return generation;
  };
  const decide = deps.consent.session(fresh);
  return {
    deps,
    requester,
    generation: fresh,
    decide: (person, req) => decide(person, { ...req, requester }),
    audit: async (record) => {
      await deps.audit.access({ ...record, requester, when: deps.clock().toISOString(), id: deps.newId() });
    },
    auditMany: async (records) => {
      if (records.length === 0) return;
      const when = deps.clock().toISOString();
      await deps.audit.accessMany(records.map((record) => ({ ...record, requester, when, id: deps.newId() })));
    },
  };
}

/** The audit fields a decision contributes: its purpose, and whether break-the-glass opened it. */
export function purposeOf(d: Decision | undefined): { purpose?: string; breakGlass?: boolean } {
  if (!d) return {};
  return { ...(d.purpose ? { purpose: d.purpose } : {}), ...(d.permit && d.reasons.some((r) => r.layer === 'break-glass') ? { breakGlass: true } : {}) };
}
