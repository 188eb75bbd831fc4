import { and, asc, count, desc, eq, gte } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { auditEvents } from '../db/schema.js';
import { insertRows } from '../store/write.js';
import type { JSONWebKeySet } from 'jose';
import { GENESIS } from './chain.js';
import { listAnchors } from './anchors.js';
import { compactAccess, type AccessRecord } from './event.js';
import { accessRow, eventRow, linkRows, renderedText, type UnchainedRow } from './rows.js';
import type { AuditTrail, StoredAnchor } from './trail.js';
import { chainHead, lastEventMarked, verifyTrail, type TrailVerdict } from './verify.js';

interface Pending {
  row: UnchainedRow;
  done: () => void;
  failed: (err: unknown) => void;
}

/**
 * Appends events to the hash chain with group commit: a request's event is committed before
 * its response is sent (the request awaits `access` or `record`), but events arriving while a
 * commit is in flight share the next one, so under load one commit serves many requests.
 *
 * An access is stored as its compact facts (a few hundred bytes, src/audit/rows.ts), hashed as
 * such, and rendered as a BALP AuditEvent only when someone reads it: building, hashing and
 * writing two kilobytes of JSON per read was most of what a read cost.
 */
/** A macrotask where the runtime has setImmediate (Node; Workers with nodejs_compat), else a timer. */
const nextTurn = (): Promise<void> =>
  new Promise((resolve) => (typeof globalThis.setImmediate === 'function' ? globalThis.setImmediate(resolve) : setTimeout(resolve, 0)));

export class AuditLog implements AuditTrail {
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  /**
   * Where the chain ends, as this writer left it, and the database's change counter then. While
   * the counter has not moved no other connection has written, so the end is still this one and
   * need not be read again; another process's append moves it, and the end is read afresh.
   */
  private head: { seq: number; hash: string; counter: number } | undefined;

  private readonly lastEvent;

  /** The database the trail lives in: on Node its own file, so its constant commits do not look like data changes to the consent engine's change check. */
  constructor(readonly db: Database) {
    this.lastEvent = db.orm.select({ seq: auditEvents.seq, hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.seq)).limit(1).prepare();
  }

  /** An access to patient data (or a refusal of one): stored compact. */
  access(record: AccessRecord): Promise<void> {
    return this.enqueue(accessRow(compactAccess(record)));
  }

  /** Each joins the same group commit, so many at once cost one transaction, not one each. */
  async accessMany(records: readonly AccessRecord[]): Promise<void> {
    await Promise.all(records.map((r) => this.access(r)));
  }

  /** An AuditEvent built by its caller (an operator's action, a release, a registry change): stored whole. */
  record(event: { id: string; recorded: string }, person: string | undefined): Promise<void> {
    return this.enqueue(eventRow(event, person));
  }

  private enqueue(row: UnchainedRow): Promise<void> {
    return new Promise((done, failed) => {
      this.pending.push({ row, done, failed });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    // Let the requests of this turn of the event loop join the batch: over HTTP, every request
    // the poll phase read. (A microtask gathered only those already past their lookups, and
    // commits of one or two events were most of what a read cost.)
    await nextTurn();
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

  /** The chain's end, and the change counter it was read at (see `head`). */
  private async end(): Promise<{ seq: number; hash: string; counter: number | undefined }> {
    const counter = this.db.changeCounter?.();
    if (this.head && counter !== undefined && counter === this.head.counter) return this.head;
    const [last] = (await this.lastEvent.all()) as { seq: number; hash: string }[];
    return { ...(last ?? { seq: 0, hash: GENESIS }), counter };
  }

  private async append(batch: Pending[], attempt = 0): Promise<void> {
    try {
      await this.db.exclusive(async () => {
        const last = await this.end();
        const rows = linkRows(
          last,
          batch.map((p) => p.row),
        );
        const end = rows[rows.length - 1]!;
        this.head = undefined;
        await this.db.atomic(insertRows(auditEvents, rows));
        // Our own commit leaves the counter as it was; another writer's moves it (and had it
        // written in between, its rows would have taken our seq and failed this insert).
        if (last.counter !== undefined) this.head = { seq: end.seq, hash: end.hash, counter: last.counter };
      });
    } catch (err) {
      // Another process took the same place in the chain: read the new end and try again.
      if (attempt < 5 && /UNIQUE|PRIMARY KEY/i.test(String(err))) return this.append(batch, attempt + 1);
      throw err;
    }
  }

  countAbout(person: string): Promise<number> {
    return countEventsAbout(this, person);
  }

  eventsAboutAt(person: string, from: number, limit: number): Promise<{ content: string }[]> {
    return eventsAboutAt(this, person, from, limit);
  }

  eventAbout(person: string, id: string): Promise<string | undefined> {
    return eventAbout(this, person, id);
  }

  anchors(limit?: number): Promise<StoredAnchor[]> {
    return listAnchors(this.db, limit);
  }

  async status(marker: string) {
    const lastMarked = await lastEventMarked(this.db, marker);
    return { ...(await chainHead(this.db)), ...(lastMarked ? { lastMarked } : {}) };
  }

  verify(anchorKeys: JSONWebKeySet | undefined, saved: readonly string[] = []): Promise<TrailVerdict> {
    return verifyTrail(this.db, anchorKeys, saved);
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
  const rows = await log.db.orm
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.person, person), gte(auditEvents.seq, start.seq)))
    .orderBy(asc(auditEvents.seq))
    .limit(limit);
  return rows.map((row) => ({ content: renderedText(row) }));
}

/** One event about this person by its id, rendered; undefined for an event about anyone else. */
export async function eventAbout(log: AuditLog, person: string, id: string): Promise<string | undefined> {
  const [row] = await log.db.orm
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.id, id), eq(auditEvents.person, person)))
    .limit(1);
  return row ? renderedText(row) : undefined;
}
