import { and, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { notificationEvents } from '../db/schema.js';
import type { Plan } from '../store/plan.js';
import { encounterEvents as topicEvents, type EncounterShape } from './topics.js';

export type NotificationEventRow = typeof notificationEvents.$inferInsert;

/** Told after a write commits, with the ids of the outbox events it raised (possibly none). */
export type OutboxListener = (events: readonly string[]) => void | Promise<void>;

/**
 * Tells the listener what a committed write put in the outbox. Its failure cannot undo the
 * write, and must not turn it into an error: the events are in the outbox, and the next wake-up
 * (the Node poll, the Worker's next message or its cron) delivers them.
 */
export async function announce(
  deps: { onCommitted?: OutboxListener; log?: (event: string, detail: Record<string, unknown>) => void },
  events: readonly string[],
): Promise<void> {
  try {
    await deps.onCommitted?.(events);
  } catch (err) {
    deps.log?.('outbox-announce-failed', { events: events.length, message: err instanceof Error ? err.message : String(err) });
  }
}

/**
 * How old an event may be and still notify: a source back-loading last year's stays is
 * sending history, not news, and the daily digest and the record already hold it. A late
 * feed inside the window still notifies.
 */
export const NOTIFY_MAX_AGE_DAYS = 30;

/**
 * A stay starts once and ends once, however its source flips its status on the way (in
 * progress, planned by mistake, in progress again): the second start is not news. A unique
 * index on (focus, topic) for these topics holds it against concurrent writers too.
 */
const ONCE: readonly string[] = ['encounter-start', 'encounter-end'];

/** `focus|topic` of the start and end events already raised for the Encounters a plan replaces. */
export async function raisedTopics(db: Database, plan: Plan): Promise<Set<string>> {
  const focuses = plan.replaced.filter((r) => r.type === 'Encounter').map((r) => `Encounter/${r.id}`);
  const raised = new Set<string>();
  for (let i = 0; i < focuses.length; i += db.maxParams) {
    const rows = await db.orm
      .select({ focus: notificationEvents.focus, topic: notificationEvents.topic })
      .from(notificationEvents)
      // The topic condition, literally as the index states it (a bound parameter would not do),
      // lets SQLite use the partial unique index on (focus, topic).
      .where(and(sql.raw(`topic IN ('encounter-start', 'encounter-end')`), inArray(notificationEvents.focus, focuses.slice(i, i + db.maxParams))));
    for (const r of rows) raised.add(`${r.focus}|${r.topic}`);
  }
  return raised;
}

/**
 * The outbox rows a plan raises: one per topic event of each Encounter it writes (see
 * topics.ts), compared with the version it replaces. Pure; the caller writes them in the same
 * atomic unit as the plan, so the event exists exactly when its Encounter version does.
 */
export function outboxRows(
  plan: Plan,
  now: string,
  newId: () => string,
  raised: ReadonlySet<string> = new Set(),
  written?: ReadonlyMap<string, EncounterShape>,
  maxAgeDays = NOTIFY_MAX_AGE_DAYS,
): NotificationEventRow[] {
  const rows: NotificationEventRow[] = [];
  const oldest = new Date(Date.parse(now) - maxAgeDays * 86_400_000).toISOString();
  let replacedEncounters: Map<string, string> | undefined;
  for (const row of plan.rows) {
    if (row.type !== 'Encounter' || !row.patientId) continue;
    replacedEncounters ??= new Map(plan.replaced.filter((r) => r.type === 'Encounter').map((r) => [r.id, r.content]));
    const replaced = replacedEncounters.get(row.id);
    const before = replaced === undefined ? undefined : (JSON.parse(replaced) as EncounterShape);
    // The resource as written, when the caller still holds it, saves parsing what it just serialised.
    const after = written?.get(row.id) ?? (JSON.parse(row.content) as EncounterShape);
    for (const e of topicEvents(before, after, now)) {
      if (e.occurred < oldest) continue;
      const focus = `Encounter/${row.id}`;
      if (ONCE.includes(e.topic) && raised.has(`${focus}|${e.topic}`)) continue;
      rows.push({
        id: newId(),
        topic: e.topic,
        focus,
        versionId: row.versionId,
        patientId: row.patientId,
        encounterClass: e.encounterClass,
        occurred: e.occurred,
        recorded: now,
      });
    }
  }
  return rows;
}
