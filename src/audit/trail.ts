import type { ChainHead } from './anchors.js';
import type { JSONWebKeySet } from 'jose';
import type { AccessRecord } from './event.js';
import type { TrailVerdict } from './verify.js';

/** A signed anchor as stored and published: the newest head it signs, when, and the JWS. */
export interface StoredAnchor {
  seq: number;
  issuedAt: string;
  jws: string;
  /** A sealed anchor's heads, kept for the verifier and never published (src/audit/anchors.ts). */
  heads?: ChainHead[];
}

/**
 * The audit trail as the app uses it, whatever holds it: one hash-chained file on Node
 * (src/audit/log.ts), or one chain per patient in her Durable Object on the Worker
 * (src/entry/worker/). Every write resolves only once the event is durable, so a response never
 * leaves before its audit record.
 */
export interface AuditTrail {
  /** An access to patient data (or a refusal of one). */
  access(record: AccessRecord): Promise<void>;
  /**
   * Many accesses at once, by a bulk job (a roster, a digest, a report over a population):
   * durable when it resolves, as access is. The Worker sends them through its audit queue once
   * they span more than a few patients' chains, since one request cannot call thousands of objects.
   */
  accessMany(records: readonly AccessRecord[]): Promise<void>;
  /** An AuditEvent built by its caller (an operator's action, a release, a registry change), about `person` or no one. */
  record(event: { id: string; recorded: string }, person: string | undefined): Promise<void>;
  /** How many events are about this person now: a snapshot of her accounting that later events cannot shift. */
  countAbout(person: string): Promise<number>;
  /** Her events at positions `from` to `from + limit - 1` in the order recorded (0 is her first), rendered. */
  eventsAboutAt(person: string, from: number, limit: number): Promise<{ content: string }[]>;
  /** One event about this person by its id, rendered; undefined for an event about anyone else. */
  eventAbout(person: string, id: string): Promise<string | undefined>;
  /** The signed anchors, newest first (/public/audit-anchors publishes them without their kept heads). */
  anchors(limit?: number): Promise<StoredAnchor[]>;
  /** The console's view: how many events, where the (gateway's) chain ends, and the last check's event. */
  status(marker: string): Promise<{
    events: number;
    head?: { seq: number; hash: string; recorded: string };
    /** Chains with events after their last anchored head (the Worker's; events reported to the anchor object only). */
    unanchored?: number;
    lastMarked?: Record<string, unknown>;
  }>;
  /** Every chain walked and the anchors checked against them (with `anchorKeys`), as `audit:verify` does. */
  verify(anchorKeys: JSONWebKeySet | undefined, saved?: readonly string[]): Promise<TrailVerdict>;
}
