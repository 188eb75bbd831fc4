import { sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { ingest, readBundle, type IngestDeps } from '../ingest/index.js';
import { CLINICS, HOSPITALS, SOURCES } from './catalog.js';
import { MARIA_IDS } from './named.js';

/**
 * A small live ADT feed for development: the synthetic region's hospitals send, through the
 * same `ingest()` as any source and as their own source system, ED visits and admissions
 * happening now, for patients attributed to the demo clinics. Each visit is first an
 * in-progress Encounter, then, seconds later, its update to finished with a discharge
 * disposition (and sometimes an ED visit that becomes an inpatient stay first), so that
 * `npm start` shows encounter-start, -transfer and -end events reaching the outbox and, from
 * there, the clinics' endpoints. Development only: the region's history is loaded, this is news.
 */

const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const DISPOSITION = 'http://terminology.hl7.org/CodeSystem/discharge-disposition';

export type VisitKind = 'ed' | 'admission' | 'transfer';

/** A hospital's own Patient record for someone a demo clinic is attributed. */
export interface FeedPatient {
  patientId: string;
  /** The hospital's source URI, e.g. https://hosp-mercy.example.org/fhir. */
  source: string;
  /** The hospital's organization id, e.g. hosp-mercy-org. */
  organizationId: string;
}

/** One write of a visit: how long after the visit begins it is sent, and the Encounter as of then. */
export interface VisitStep {
  afterSeconds: number;
  encounter: (now: string) => Record<string, unknown>;
}

/**
 * The writes one visit makes, in order. Pure. The Encounter id is the caller's, unique per run
 * and apart from the region's (which are `<source>-enc-…`).
 */
export function visitSteps(kind: VisitKind, p: FeedPatient, id: string, timing: { transferSeconds: number; dischargeSeconds: number }): VisitStep[] {
  let started = '';
  const encounter = (cls: 'EMER' | 'IMP', status: 'in-progress' | 'finished', now: string) => {
    if (!started) started = now;
    return {
      resourceType: 'Encounter',
      id,
      meta: { source: p.source },
      status,
      class: { system: ACT_CODE, code: cls, display: cls === 'EMER' ? 'emergency' : 'inpatient encounter' },
      subject: { reference: `Patient/${p.patientId}` },
      period: status === 'finished' ? { start: started, end: now } : { start: started },
      ...(status === 'finished' ? { hospitalization: { dischargeDisposition: { coding: [{ system: DISPOSITION, code: 'home', display: 'Home' }] } } } : {}),
      serviceProvider: { reference: `Organization/${p.organizationId}` },
    };
  };
  const first: 'EMER' | 'IMP' = kind === 'admission' ? 'IMP' : 'EMER';
  const last: 'EMER' | 'IMP' = kind === 'ed' ? 'EMER' : 'IMP';
  return [
    { afterSeconds: 0, encounter: (now) => encounter(first, 'in-progress', now) },
    ...(kind === 'transfer' ? [{ afterSeconds: timing.transferSeconds, encounter: (now: string) => encounter('IMP', 'in-progress', now) }] : []),
    { afterSeconds: timing.dischargeSeconds, encounter: (now) => encounter(last, 'finished', now) },
  ];
}

/**
 * Hospital Patient records of people on a demo clinic's roster in the latest release (the
 * named fixture people left out: their record is what the tests and the README walk through).
 * Without a release yet, any hospital patient.
 */
export async function feedPatients(db: Database, limit = 200): Promise<FeedPatient[]> {
  const hospitals = SOURCES.filter((s) => (HOSPITALS as readonly string[]).includes(s.id));
  const uris = sql.join(
    hospitals.map((h) => sql`${h.uri}`),
    sql`, `,
  );
  const clinics = sql.join(
    CLINICS.map((c) => sql`${`Organization/${c}-org`}`),
    sql`, `,
  );
  const named = sql.join(
    Object.values(MARIA_IDS).map((id) => sql`${id}`),
    sql`, `,
  );
  const attributed = await db.orm.all<{ patientId: string; source: string }>(sql`
    SELECT DISTINCT r.id AS patientId, r.source AS source
    FROM resources r JOIN patient_links l ON l.patient_id = r.id
    JOIN attributions a ON a.person = l.person_id AND a.release_id = (SELECT id FROM releases ORDER BY version DESC LIMIT 1)
    WHERE r.type = 'Patient' AND r.source IN (${uris}) AND a.organization IN (${clinics}) AND r.id NOT IN (${named})
    ORDER BY r.id LIMIT ${limit}`);
  const rows =
    attributed.length > 0
      ? attributed
      : await db.orm.all<{ patientId: string; source: string }>(sql`
    SELECT r.id AS patientId, r.source AS source FROM resources r
    WHERE r.type = 'Patient' AND r.source IN (${uris}) AND r.id NOT IN (${named}) ORDER BY r.id LIMIT ${limit}`);
  return rows.map((r) => ({ ...r, organizationId: hospitals.find((h) => h.uri === r.source)!.organizationId }));
}

export interface AdtFeedOptions {
  /** Seconds between the start of one visit and the next. */
  everySeconds: number;
  /** Seconds before the first visit. */
  firstAfterSeconds?: number;
  transferSeconds?: number;
  dischargeSeconds?: number;
  /** Where a failed write is reported; the feed goes on. */
  log?: (line: string) => void;
}

export interface AdtFeed {
  /** Visits begun so far. */
  visits(): number;
  /** Stops scheduling, and resolves once the write in flight (if any) is committed. */
  stop(): Promise<void>;
}

/** Starts the feed: one visit every `everySeconds` (the first three an ED visit, an admission and an ED-to-inpatient transfer). */
export function startAdtFeed(deps: IngestDeps, opts: AdtFeedOptions): AdtFeed {
  const timing = { transferSeconds: opts.transferSeconds ?? 6, dischargeSeconds: opts.dischargeSeconds ?? 12 };
  const run = Date.now().toString(36);
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let stopped = false;
  let begun = 0;
  let patients: Promise<FeedPatient[]> | undefined;
  // Writes are sent one at a time, in the order they were scheduled, as one hospital's interface engine would.
  let queue: Promise<void> = Promise.resolve();
  const later = (seconds: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopped) fn();
    }, seconds * 1000);
    t.unref?.();
    timers.add(t);
  };
  const send = (p: FeedPatient, encounter: Record<string, unknown>) => {
    queue = queue
      .then(async () => {
        if (stopped) return;
        const b = readBundle({
          resourceType: 'Bundle',
          type: 'transaction',
          meta: { source: p.source },
          entry: [{ fullUrl: `Encounter/${String(encounter.id)}`, resource: encounter, request: { method: 'PUT', url: `Encounter/${String(encounter.id)}` } }],
        });
        if (Array.isArray(b)) throw new Error('the feed built a Bundle the reader refuses');
        const result = await ingest(deps, { source: p.source, channel: 'transaction', mode: b.mode, entries: b.entries });
        const failed = result.outcomes.find((o) => !o.ok);
        if (failed) opts.log?.(`demo ADT feed: ${p.source} ${String(encounter.id)} was refused`);
      })
      .catch((err: unknown) => opts.log?.(`demo ADT feed: a write failed (${err instanceof Error ? err.message : String(err)})`));
  };
  const visit = async () => {
    const n = begun++;
    later(opts.everySeconds, () => void visit());
    patients ??= feedPatients(deps.db);
    const pool = await patients;
    if (pool.length === 0 || stopped) return;
    const p = pool[Math.floor(Math.random() * pool.length)]!;
    const kind: VisitKind =
      n < 3 ? (['ed', 'admission', 'transfer'] as const)[n]! : Math.random() < 0.5 ? 'ed' : Math.random() < 0.5 ? 'admission' : 'transfer';
    const id = `${p.organizationId.replace(/-org$/, '')}-live-${run}-${n + 1}`;
    for (const step of visitSteps(kind, p, id, timing)) later(step.afterSeconds, () => send(p, step.encounter(deps.clock().toISOString())));
  };
  later(opts.firstAfterSeconds ?? 3, () => void visit());
  return {
    visits: () => begun,
    stop: async () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await queue;
    },
  };
}
