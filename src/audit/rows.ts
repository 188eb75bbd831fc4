import type { auditEvents } from '../db/schema.js';
import { chainHash } from './chain.js';
import { renderAccess, type CompactAccess } from './event.js';

export type AuditRow = typeof auditEvents.$inferSelect;
/** A row before the writer gives it its place in the chain. */
export type UnchainedRow = Omit<AuditRow, 'seq' | 'prevHash' | 'hash'>;

/**
 * The exact text a row's hash covers. Every field a reader relies on is in it (the person too,
 * so an event cannot be moved out of her accounting by editing one column). A `v1` row is
 * hashed as it was written before the compact form, as its whole AuditEvent.
 */
export function chainedText(row: UnchainedRow): string {
  switch (row.kind) {
    case 'v1':
      return row.resource ?? '';
    case 'event':
      return JSON.stringify(['event', row.id, row.recorded, row.person, row.resource]);
    case 'access':
      return JSON.stringify([
        'access',
        row.id,
        row.recorded,
        row.person,
        row.interaction,
        row.query,
        row.outcome,
        row.purpose,
        row.agent,
        row.role,
        row.organization,
        row.client,
        row.token,
        row.breakGlass,
        row.reasons,
        row.detail,
      ]);
  }
}

/** The row for an access: its compact facts, one column each. */
export function accessRow(a: CompactAccess): UnchainedRow {
  return { ...a, kind: 'access', resource: null };
}

/** The row for an AuditEvent built elsewhere (operators, the publisher, the participants registry), kept whole. */
export function eventRow(event: { id: string; recorded: string }, person: string | undefined): UnchainedRow {
  return {
    id: event.id,
    recorded: event.recorded,
    person: person ?? null,
    kind: 'event',
    interaction: null,
    query: null,
    outcome: null,
    purpose: null,
    agent: null,
    role: null,
    organization: null,
    client: null,
    token: null,
    breakGlass: null,
    reasons: null,
    detail: null,
    resource: JSON.stringify(event),
  };
}

/** The AuditEvent a row stands for, as JSON text: what the accounting of disclosures, exports and the console show. */
export function renderedText(row: UnchainedRow): string {
  if (row.kind !== 'access') return row.resource ?? '{}';
  return JSON.stringify(
    renderAccess({
      id: row.id,
      recorded: row.recorded,
      person: row.person,
      interaction: row.interaction as CompactAccess['interaction'],
      query: row.query ?? '',
      outcome: row.outcome as CompactAccess['outcome'],
      purpose: row.purpose,
      agent: row.agent,
      role: row.role,
      organization: row.organization,
      client: row.client,
      token: row.token,
      breakGlass: row.breakGlass ? 1 : 0,
      reasons: row.reasons,
      detail: row.detail,
    }),
  );
}

/** Rows given their places after `last`: consecutive numbers, each hash over the one before and its own text. */
export function linkRows(last: { seq: number; hash: string }, rows: readonly UnchainedRow[]): AuditRow[] {
  let seq = last.seq;
  let prev = last.hash;
  return rows.map((row) => {
    const hash = chainHash(prev, chainedText(row));
    const linked = { ...row, seq: ++seq, prevHash: prev, hash };
    prev = hash;
    return linked;
  });
}
