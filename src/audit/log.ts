import { and, asc, count, desc, eq, gte } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { auditEvents } from '../db/schema.js';
import { insertRows } from '../store/write.js';
import { chainHash, GENESIS } from './chain.js';

interface Pending {
  content: string;
  person: string | null;
  id: string;
  recorded: string;
  done: () => void;
  failed: (err: unknown) => void;
}

/**
 * Appends AuditEvents to the hash chain with group commit: a request's event is committed before
 * its response is sent (the request awaits `record`), but events arriving while a commit is in
 * flight share the next one, so under load one fsync serves many requests.
 */
export class AuditLog {
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;

  private readonly lastEvent;

  /** The database the trail lives in: on Node its own file, so its constant commits do not look like data changes to the consent engine's change check. */
  constructor(readonly db: Database) {
    this.lastEvent = db.orm.select({ seq: auditEvents.seq, hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.seq)).limit(1).prepare();
  }

  record(event: { id: string; recorded: string }, person: string | undefined): Promise<void> {
    return new Promise((done, failed) => {
      this.pending.push({ content: JSON.stringify(event), person: person ?? null, id: event.id, recorded: event.recorded, done, failed });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    // Let the requests of this turn of the event loop join the batch.
    await Promise.resolve();
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        await this.append(batch);
        for (const p of batch) p.done();
      } catch (err) {
        for (const p of batch) p.failed(err);
      }
    }
    this.flushing = undefined;
  }

  private async append(batch: Pending[], attempt = 0): Promise<void> {
    try {
      await this.db.exclusive(async () => {
        const [last] = (await this.lastEvent.all()) as { seq: number; hash: string }[];
        let seq = last?.seq ?? 0;
        let prev = last?.hash ?? GENESIS;
        const rows = [];
        for (const p of batch) {
          const hash = chainHash(prev, p.content);
          rows.push({ seq: ++seq, id: p.id, recorded: p.recorded, person: p.person, content: p.content, prevHash: prev, hash });
          prev = hash;
        }
        await this.db.atomic(insertRows(auditEvents, rows));
      });
    } catch (err) {
      // Another process took the same place in the chain: read the new end and try again.
      if (attempt < 5 && /UNIQUE|PRIMARY KEY/i.test(String(err))) return this.append(batch, attempt + 1);
      throw err;
    }
  }
}

/**
 * How many events are about this person now. The trail only grows and a new event always takes
 * the next sequence number, so her first n events, in the order recorded, never change: n is a
 * snapshot of her accounting that later events cannot shift.
 */
export async function countEventsAbout(log: AuditLog, person: string): Promise<number> {
  const [row] = await log.db.orm.select({ n: count() }).from(auditEvents).where(eq(auditEvents.person, person));
  return row?.n ?? 0;
}

/**
 * Her events at positions `from` to `from + limit - 1` in the order recorded (0 is her first).
 * The position is found on the (person, seq) index alone; only the page's own rows are read.
 */
export async function eventsAboutAt(log: AuditLog, person: string, from: number, limit: number): Promise<{ content: string }[]> {
  if (limit <= 0) return [];
  const [start] = await log.db.orm
    .select({ seq: auditEvents.seq })
    .from(auditEvents)
    .where(eq(auditEvents.person, person))
    .orderBy(asc(auditEvents.seq))
    .limit(1)
    .offset(from);
  if (!start) return [];
  return log.db.orm
    .select({ content: auditEvents.content })
    .from(auditEvents)
    .where(and(eq(auditEvents.person, person), gte(auditEvents.seq, start.seq)))
    .orderBy(asc(auditEvents.seq))
    .limit(limit);
}
