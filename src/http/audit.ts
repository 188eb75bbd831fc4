import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import type { AccessRecord } from '../audit/event.js';

/** Records an AuditEvent for this request and waits until it is committed: the response never outruns its audit. */
export async function audit(c: Context<AppEnv>, record: Omit<AccessRecord, 'when' | 'id' | 'requester'>): Promise<void> {
  const { deps } = c.var;
  await deps.audit.access({ ...record, requester: c.var.requester, when: deps.clock().toISOString(), id: deps.newId() });
}
