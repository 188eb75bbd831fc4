import type { AuditTrail } from '../audit/trail.js';
import type { Database, Statement } from '../db/database.js';
import { changeAuditEvent, type ChangeAction, type ChangeRecord } from './audit.js';
import { ParticipantError } from './errors.js';
import { bumpVersion, insertClient, insertDuaVersion, insertOrganization, readParticipants, updateDuaEnd, updateStatus, type StatusTarget } from './store.js';
import type { Actor, BackendClient, ClientInput, DuaVersionInput, Organization, OrganizationInput, Participants, Status } from './types.js';
import { validateClient, validateDuaEnd, validateDuaVersion, validateOrganization } from './validate.js';

export interface OpsDeps {
  db: Database;
  audit: AuditTrail;
  clock: () => Date;
  newId: () => string;
  /** Called after a change committed, so this process's registry reloads at once (others notice through the change sequence). */
  changed?: () => Promise<void>;
}

interface Planned<T> {
  statements: Statement[];
  value: T;
  target?: ChangeRecord['target'];
}

/**
 * The operator's changes to participants, the one path the CLI, the HTTP API and the
 * development seed share. Each change is: read what is registered, validate (pure, see
 * validate.ts), write all of it and advance the change sequence in one transaction, then audit.
 * A refused change writes nothing and is audited as refused.
 */
export function participantOps(deps: OpsDeps) {
  const { db } = deps;

  async function change<T>(
    action: ChangeAction,
    target: ChangeRecord['target'],
    facts: string[],
    actor: Actor,
    plan: (existing: Participants, now: string) => Promise<Planned<T>> | Planned<T>,
  ): Promise<T> {
    const now = deps.clock().toISOString();
    let planned: Planned<T>;
    try {
      planned = await db.exclusive(async () => {
        const p = await plan(await readParticipants(db), now);
        await db.atomic([...p.statements, bumpVersion(db)]);
        return p;
      });
    } catch (err) {
      const refusal = err instanceof ParticipantError ? err : constraintRefusal(err);
      if (!refusal) throw err;
      await record({ action, target, facts, actor, refused: refusal.problems, when: now });
      throw refusal;
    }
    await record({ action, target: planned.target ?? target, facts, actor, when: now });
    await deps.changed?.();
    return planned.value;
  }

  const record = (r: Omit<ChangeRecord, 'id'>) => deps.audit.record(changeAuditEvent({ ...r, id: deps.newId() }), undefined);

  return {
    list: () => readParticipants(db),

    addOrganization: (input: OrganizationInput, actor: Actor): Promise<Organization> =>
      change(
        'add-organization',
        { kind: 'organization', id: String(input.reference) },
        [`name=${input.name}`, `kind=${input.kind}`],
        actor,
        (existing, now) => {
          const org = validateOrganization(input, existing);
          return { statements: [insertOrganization(db, org, now)], value: org };
        },
      ),

    addClient: (input: ClientInput, actor: Actor): Promise<BackendClient> =>
      change('add-client', { kind: 'client', id: String(input.clientId) }, clientFacts(input), actor, async (existing, now) => {
        const client = await validateClient(input, existing, now);
        return { statements: [insertClient(db, client)], value: client };
      }),

    addDuaVersion: (input: DuaVersionInput, actor: Actor): Promise<{ dua: string; version: number }> =>
      change('add-dua-version', { kind: 'dua', id: String(input.dua) }, duaFacts(input), actor, (existing, now) => {
        const v = validateDuaVersion(input, existing);
        return { statements: insertDuaVersion(db, v, now), value: { dua: v.dua, version: v.version }, target: { kind: 'dua', id: `${v.dua}|${v.version}` } };
      }),

    endDuaVersion: (input: { dua: string; version: number; end: string }, actor: Actor): Promise<{ dua: string; version: number; end: string }> =>
      change('end-dua-version', { kind: 'dua', id: `${input.dua}|${input.version}` }, [`end=${input.end}`], actor, (existing, now) => {
        const period = validateDuaEnd(input, existing);
        return {
          statements: [updateDuaEnd(db, input.dua, input.version, period.end, now)],
          value: { dua: input.dua, version: input.version, end: period.end },
        };
      }),

    /** `reason`: why, as the operator wrote it (kept in the audit trail with the change); at most REASON_MAX characters. */
    setStatus: (t: StatusTarget & { status: Status; reason?: string | undefined }, actor: Actor): Promise<void> => {
      const { status } = t;
      const target = t.target === 'dua-version' ? { kind: 'dua' as const, id: `${t.id}|${t.version}` } : { kind: t.target, id: t.id };
      const reason = t.reason?.trim();
      const facts = [`status=${status}`, ...(reason ? [`reason=${reason}`] : [])];
      return change(status === 'suspended' ? 'suspend' : 'resume', target, facts, actor, (existing, now) => {
        if (reason !== undefined && reason.length > REASON_MAX) throw new ParticipantError('invalid', [`the reason is longer than ${REASON_MAX} characters`]);
        if (!exists(existing, t))
          throw new ParticipantError('not-found', [
            `no ${t.target === 'dua-version' ? `DUA version ${t.id} ${t.version}` : `${t.target} '${t.id}'`} is registered`,
          ]);
        return { statements: [updateStatus(db, t, status, now)], value: undefined };
      });
    },
  };
}

export type ParticipantOps = ReturnType<typeof participantOps>;

/** The longest reason a suspension or reinstatement may carry. */
export const REASON_MAX = 500;
export type { StatusTarget };

function exists(p: Participants, t: StatusTarget): boolean {
  if (t.target === 'client') return p.clients.some((c) => c.clientId === t.id);
  if (t.target === 'organization') return p.organizations.some((o) => o.reference === t.id);
  return p.duas.some((d) => d.id === t.id && d.versions.some((v) => v.version === t.version));
}

/** A concurrent writer (another process) got there first: the database's own guards refused it. */
function constraintRefusal(err: unknown): ParticipantError | undefined {
  const message = String(err);
  if (/overlapping DUA version/.test(message)) return new ParticipantError('conflict', ['the period overlaps another version of this DUA']);
  if (/UNIQUE constraint|PRIMARY KEY/i.test(message)) return new ParticipantError('conflict', ['it is already registered']);
  if (/FOREIGN KEY/i.test(message)) return new ParticipantError('not-found', ['it names something that is not registered']);
  return undefined;
}

function clientFacts(c: ClientInput): string[] {
  const keys = Array.isArray((c.jwks as { keys?: unknown })?.keys) ? (c.jwks as { keys: { kid?: unknown }[] }).keys : undefined;
  return [
    `kind=${c.kind}`,
    `organization=${c.organization}`,
    `scope=${c.scope}`,
    `purposes=${Array.isArray(c.purposes) ? c.purposes.join(' ') : ''}`,
    ...(c.sourceUri !== undefined ? [`source=${c.sourceUri}`] : []),
    ...(c.dua !== undefined ? [`dua=${c.dua}`] : []),
    // Key ids only: a key set is never copied into the audit trail.
    ...(keys ? [`jwks kids=${keys.map((k) => String(k?.kid ?? '?')).join(',')}`] : []),
    ...(c.jwksUri !== undefined ? [`jwks_uri=${c.jwksUri}`] : []),
  ];
}

function duaFacts(d: DuaVersionInput): string[] {
  const lines = Array.isArray(d.lines) ? d.lines : [];
  return [`organization=${d.organization}`, `start=${d.start}`, `end=${d.end}`, ...lines.map((l) => `line=${l?.purpose},${l?.cls},${l?.category},${l?.scope}`)];
}
