import type { JSONWebKeySet } from 'jose';
import type { AuditTrail } from '../audit/trail.js';
import type { Database } from '../db/database.js';

/** What the console's operations need: the data, the audit trail (its own database), a clock and ids. */
export interface OperationsDeps {
  db: Database;
  audit: AuditTrail;
  clock: () => Date;
  newId: () => string;
  /** The keys that sign the audit trail's anchors; without them the check walks the chain alone. */
  anchorKeys?: JSONWebKeySet;
}

/** The console's share of a larger set of dependencies (the app's). */
export function operationsDeps(d: OperationsDeps): OperationsDeps {
  const { db, audit, clock, newId, anchorKeys } = d;
  return { db, audit, clock, newId, ...(anchorKeys ? { anchorKeys } : {}) };
}
