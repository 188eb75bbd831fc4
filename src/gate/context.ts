import type { Requester } from '../auth/requester.js';
import type { AuditLog } from '../audit/log.js';
import { auditEvent, type AccessRecord } from '../audit/event.js';
import type { ConsentEngine } from '../consent/engine.js';
import type { Decision, DecisionRequest } from '../consent/decide.js';
import type { Database } from '../db/database.js';
import type { CompiledCodeLists } from '../labels/index.js';

/** What the gate is built from: the store, the consent engine and the audit trail. */
export interface GateDeps {
  db: Database;
  consent: ConsentEngine;
  audit: AuditLog;
  clock: () => Date;
  newId: () => string;
  codeLists: CompiledCodeLists;
}

export type AuditRecord = Omit<AccessRecord, 'when' | 'id' | 'requester'>;

/** One request's view of the gate's parts: who asks, and the steps every method shares. */
export interface GateContext {
  deps: GateDeps;
  requester: Requester;
  decide(person: string, req: Omit<DecisionRequest, 'when' | 'requester'>): Promise<Decision>;
  /** Waits until the event is committed: nothing leaves the gate before its audit record is durable. */
  audit(record: AuditRecord): Promise<void>;
}

export function gateContext(deps: GateDeps, requester: Requester): GateContext {
  return {
    deps,
    requester,
    decide: (person, req) => deps.consent.decide(person, { ...req, requester }),
    audit: async (record) => {
      await deps.audit.record(auditEvent({ ...record, requester, when: deps.clock().toISOString(), id: deps.newId() }), record.person);
    },
  };
}

/** The audit fields a decision contributes: its purpose, and whether break-the-glass opened it. */
export function purposeOf(d: Decision | undefined): { purpose?: string; breakGlass?: boolean } {
  if (!d) return {};
  return { ...(d.purpose ? { purpose: d.purpose } : {}), ...(d.permit && d.reasons.some((r) => r.layer === 'break-glass') ? { breakGlass: true } : {}) };
}
