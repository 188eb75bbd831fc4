import type { JSONWebKeySet } from 'jose';
import type { AuditLog } from '../audit/log.js';
import type { Database } from '../db/database.js';

/** What the console's operations need: the data, the audit trail (its own database), a clock and ids. */
export interface OperationsDeps {
  db: Database;
  audit: AuditLog;
  clock: () => Date;
  newId: () => string;
  /** The keys that sign the audit trail's anchors; without them the check walks the chain alone. */
  anchorKeys?: JSONWebKeySet;
}
