import type { Database, Statement } from '../db/database.js';
import { FhirError, type Issue } from '../fhir/errors.js';
import type { CompiledCodeLists } from '../labels/index.js';
import { planWrites, resourceKey, type Outcome, type Plan, type Prepared } from '../store/plan.js';
import { loadExisting, loadPersonForKeys, loadPersonOfPatients } from '../store/read.js';
import { countIngestionStatement, insertRows, planStatements, startIngestionStatement, unchangedGuards } from '../store/write.js';
import type { BundleMode, EntryRead, WriteRequest } from './entries.js';
import { prepare } from './prepare.js';
import { nextTurn, STEP } from './turns.js';
import { propagateLabels } from './propagate.js';
import { resolveReferences } from './references.js';
import { loadTrustState, trustRefusals } from './trust.js';
import { coverageChangedStatement, coverageReplacedStatement } from '../consent/store.js';
import { notificationEvents } from '../db/schema.js';
import { announce, outboxRows, raisedTopics, type OutboxListener } from '../subscriptions/outbox.js';
import type { EncounterShape } from '../subscriptions/topics.js';
import type { Blobs } from '../store/blobs.js';
import { isSpilled, rowContent, TOO_STRUCTURED, tooStructured, wholeContent } from '../store/spill.js';

export interface IngestDeps {
  db: Database;
  clock: () => Date;
  codeLists: CompiledCodeLists;
  newId: () => string;
  /** Told after each unit commits, with the outbox events it raised (see AppDeps.onCommitted). */
  onCommitted?: OutboxListener;
  log?: (event: string, detail: Record<string, unknown>) => void;
  /** Where content too large for a row goes (R2 on the Worker); without it every row holds its content. */
  blobs?: Blobs;
}

export interface IngestRequest {
  /** The sending system, when known from the channel (a bundle's meta.source, a CLI flag, a client's registration). */
  source?: string;
  channel: 'rest' | 'transaction' | 'batch' | 'cli';
  mode: BundleMode;
  entries: readonly EntryRead[];
  /** Statements written in the same atomic unit as the entries (transactions only), e.g. a Consent's compiled policy lines. */
  alongside?: readonly Statement[];
  /** Set only by the consent API (src/consent/write.ts): Consents are written there and nowhere else. */
  consentAuthor?: boolean;
}

export interface IngestResult {
  ingestionId: string;
  /** One per entry, in entry order. */
  outcomes: Outcome[];
  /** Each person whose record this ingestion added to or changed, with how many resources: what the accounting of disclosures shows her. */
  touched: Touched[];
}

export interface Touched {
  person: string;
  created: number;
  updated: number;
}

/** Entries per atomic unit in batch mode: large enough to amortise a commit, small enough to keep a write lock short. */
const BATCH_CHUNK = 2000;

/**
 * Attempts at a unit before answering 409. Reads happen outside the write, so another process
 * (or request) may write the same resource in between; the write's own guards (the primary keys
 * of resources, history, links and match keys) then fail it, and the unit is read and planned again.
 */
const ATTEMPTS = 5;

/**
 * Writes entries with matching, labels and provenance.
 *
 * A transaction is all-or-nothing: any bad entry throws a FhirError listing every problem and
 * nothing is written. A batch writes each good entry and reports each bad one; it commits in
 * chunks, so a process killed half-way leaves whole chunks and an ingestion row still marked
 * `running`, never a half-written resource.
 */
export async function ingest(deps: IngestDeps, request: IngestRequest): Promise<IngestResult> {
  const outcomes: (Outcome | undefined)[] = new Array(request.entries.length);
  const rejected = (index: number, status: 400 | 403 | 409 | 412 | 413, issues: Issue[]) => (outcomes[index] = { index, ok: false, status, issues });

  const requests: WriteRequest[] = [];
  for (const entry of request.entries) {
    if (entry.ok) requests.push(entry.request);
    else rejected(entry.index, 400, entry.issues);
  }
  rejectDuplicates(requests, rejected);
  resolveReferences(requests, deps.newId);

  const candidates: Prepared[] = [];
  for (let i = 0; i < requests.length; i++) {
    const r = requests[i]!;
    if (i > 0 && i % STEP === 0) await nextTurn();
    if (outcomes[r.index]) continue;
    const p = prepare(r, request.source, deps.codeLists);
    if (Array.isArray(p)) rejected(r.index, 400, p);
    else if (deps.blobs && tooStructured(p.resource))
      rejected(r.index, 413, [{ code: 'too-long', diagnostics: TOO_STRUCTURED, expression: `Bundle.entry[${r.index}].resource` }]);
    else candidates.push(p);
  }
  // Each whole-Bundle pass below takes a tenth of a second at 100,000 entries, and SQLite's reads
  // do not yield by themselves (better-sqlite3 is synchronous): a turn between them keeps the
  // event loop's longest wait to one pass.
  const large = candidates.length > STEP;
  if (large) await nextTurn();
  const trust = await loadTrustState(deps.db, candidates);
  if (large) await nextTurn();
  for (const refusal of trustRefusals(candidates, trust, request.consentAuthor === true)) rejected(refusal.index, 403, refusal.issues);
  const prepared = candidates.filter((p) => !outcomes[p.index]);
  if (request.mode === 'transaction') throwIfAnyRejected(outcomes);
  if (large) await nextTurn();
  await propagateLabels(deps.db, prepared, deps.codeLists);
  if (large) await nextTurn();

  const ingestionId = deps.newId();
  const started = deps.clock().toISOString();
  const source = request.source ?? prepared[0]?.source ?? 'unknown';
  const units = request.mode === 'transaction' ? [prepared] : chunked(prepared, BATCH_CHUNK);
  const touched = new Map<string, { created: number; updated: number }>();
  for (let u = 0; u < units.length; u++) {
    const unit = units[u]!;
    const context: UnitContext = {
      deps,
      request,
      ingestionId,
      outcomes,
      start: u === 0 ? { source, startedAt: started, rejectedBefore: request.entries.length - prepared.length } : undefined,
      last: u === units.length - 1,
    };
    for (let attempt = 1; ; attempt++) {
      try {
        // In-process units still queue, so they rarely meet; other processes meet the write's guards.
        const { written, events } = await deps.db.exclusive(() => writeUnit(context, unit));
        for (const [patientId, n] of written) {
          const t = touched.get(patientId);
          if (t) {
            t.created += n.created;
            t.updated += n.updated;
          } else touched.set(patientId, n);
        }
        await announce(deps, events);
        break;
      } catch (err) {
        if (!isWriteConflict(err)) throw err;
        // The plan stamped versionIds into the resources; the next attempt stamps its own.
        for (const p of unit) {
          const meta = p.resource.meta as { versionId?: string; lastUpdated?: string } | undefined;
          delete meta?.versionId;
          delete meta?.lastUpdated;
        }
        if (attempt >= ATTEMPTS) {
          const conflict = FhirError.of(409, 'conflict', 'Another write changed the same resources at the same time; nothing was written, try again');
          if (request.mode === 'transaction') throw conflict;
          for (const p of unit)
            if (outcomes[p.index]?.ok !== false) outcomes[p.index] = { index: p.index, ok: false, status: 409, issues: [...conflict.issues] };
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
      }
    }
  }
  return { ingestionId, outcomes: outcomes as Outcome[], touched: await touchedPeople(deps.db, touched) };
}

interface UnitContext {
  deps: IngestDeps;
  request: IngestRequest;
  ingestionId: string;
  outcomes: (Outcome | undefined)[];
  /** Set for the first unit, which opens the ingestion row. */
  start: { source: string; startedAt: string; rejectedBefore: number } | undefined;
  /** The last unit closes it. */
  last: boolean;
}

/** Resources a unit created and updated, by the Patient whose compartment they are in. */
type Written = Map<string, { created: number; updated: number }>;

/**
 * Reads, plans and writes one atomic unit (a whole transaction, or a batch chunk), STEP entries
 * at a time. Each step's statements are handed to the write as soon as they are planned and
 * its rows dropped, so a large transaction holds one step's rows in memory, not all of them;
 * the write lands whole, or not at all, at the end (Database.staged). A step sees the match keys
 * earlier steps gave a person, as one plan would. It does not need to see their rows otherwise:
 * a Bundle names each resource once (rejectDuplicates).
 */
async function writeUnit(context: UnitContext, unit: readonly Prepared[]): Promise<{ written: Written; events: string[] }> {
  const { deps, request, ingestionId, outcomes } = context;
  const db = deps.db;
  // One step needs no staging; neither does D1, which takes the statements as one batch.
  const staged = unit.length > STEP && db.staged ? db.staged() : undefined;
  const collected: Statement[] = [];
  const write = (statements: readonly Statement[]) => (staged ? staged.add(statements) : collected.push(...statements));
  const now = deps.clock().toISOString();
  const personForKey = new Map<string, string>();
  const counts = { written: 0, unchanged: 0, rejected: context.start?.rejectedBefore ?? 0 };
  const written: Written = new Map();
  const coverages = new Set<string>();
  const events: string[] = [];
  let failed = false;
  try {
    if (context.start)
      write([startIngestionStatement(db, { id: ingestionId, source: context.start.source, channel: request.channel, startedAt: context.start.startedAt })]);
    for (let i = 0; i < unit.length; i += STEP) {
      if (i > 0) await nextTurn();
      const step = unit.slice(i, i + STEP);
      const state = await loadState(db, step, deps.blobs);
      // The keys earlier steps gave people, then those stored (no copy: a copy per step grows with the Bundle).
      const stored = state.personForKey;
      const keysSoFar = { get: (key: string) => personForKey.get(key) ?? stored.get(key) } as ReadonlyMap<string, string>;
      const plan = planWrites(step, { ...state, personForKey: keysSoFar }, now, ingestionId);
      for (const k of plan.keys) personForKey.set(k.key, k.personId);
      for (const o of plan.outcomes) {
        outcomes[o.index] = o;
        if (!o.ok) counts.rejected++;
        else if (!o.changed) counts.unchanged++;
      }
      counts.written += plan.rows.length;
      // A transaction with any refusal writes nothing; its later steps are still planned, so the answer lists every problem.
      if (request.mode === 'transaction' && plan.outcomes.some((o) => !o.ok)) failed = true;
      if (failed) continue;
      tally(written, plan.rows);
      for (const r of plan.rows) if (r.type === 'Coverage' && r.patientId) coverages.add(r.patientId);
      const raised = await raisedTopics(db, plan);
      const outbox = outboxRows(plan, now, deps.newId, raised, encountersOf(step));
      for (const e of outbox) events.push(e.id);
      // Over a row's limit, the body goes to the blob store now, before the row that names it can commit.
      for (const row of plan.rows) row.content = await rowContent(deps.blobs, row.type, row.id, row.content);
      write([
        // Whoever a replaced Coverage covered before (read before the row changes), then after.
        ...plan.replaced.filter((r) => r.type === 'Coverage').map((r) => coverageReplacedStatement(db, r.id)),
        ...planStatements(db, plan),
        ...unchangedGuards(
          db,
          plan.outcomes.flatMap((o) => (o.ok && !o.changed ? [o] : [])),
        ),
        // An admission and its notification event commit together or not at all (the outbox).
        ...insertRows(notificationEvents, outbox),
      ]);
    }
    if (failed) throwIfAnyRejected(outcomes);
    write([
      // A changed Coverage changes who is a payer's member: every process sees it at the next
      // request, as with a consent change. After every step's links: the person it covers may be
      // linked by a Patient record in a later step (found by the red team).
      ...[...coverages].map((patientId) => coverageChangedStatement(db, patientId)),
      ...(request.mode === 'transaction' ? (request.alongside ?? []) : []),
      countIngestionStatement(db, ingestionId, counts, context.last ? now : undefined),
    ]);
    if (staged) await staged.commit();
    else await db.atomic(collected);
    return { written, events };
  } finally {
    staged?.discard();
  }
}

function tally(written: Written, rows: readonly Plan['rows'][number][]): void {
  for (const row of rows) {
    const patientId = row.type === 'Patient' ? row.id : row.patientId;
    if (!patientId) continue;
    let n = written.get(patientId);
    if (!n) written.set(patientId, (n = { created: 0, updated: 0 }));
    if (row.versionId === 1) n.created++;
    else n.updated++;
  }
}

/**
 * Another writer got there first: a primary key or UNIQUE constraint failed, a write guard saw a
 * resource change under the plan (write_guards), or the database stayed locked past
 * busy_timeout. better-sqlite3 says so in a SqliteError's code, D1 only in its message, and
 * drizzle may wrap either (the original is then the cause).
 */
function isWriteConflict(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && /^SQLITE_(CONSTRAINT_PRIMARYKEY|CONSTRAINT_UNIQUE|BUSY)/.test(e.code)) return true;
    if (/UNIQUE constraint failed|SQLITE_BUSY|database is locked|CHECK constraint failed: write_guards/i.test(String(e.message ?? ''))) return true;
  }
  return false;
}

/** The people a unit's rows are about, by person: a Patient row is its own compartment; others name theirs in patientId. */
async function touchedPeople(db: Database, byPatient: ReadonlyMap<string, { created: number; updated: number }>): Promise<Touched[]> {
  const personOf = await loadPersonOfPatients(db, [...byPatient.keys()]);
  const byPerson = new Map<string, Touched>();
  for (const [patientId, n] of byPatient) {
    // An unlinked Patient id is the id its person will get (matching's rule 'new').
    const person = personOf.get(patientId) ?? patientId;
    let t = byPerson.get(person);
    if (!t) byPerson.set(person, (t = { person, created: 0, updated: 0 }));
    t.created += n.created;
    t.updated += n.updated;
  }
  return [...byPerson.values()];
}

async function loadState(db: Database, unit: readonly Prepared[], blobs: Blobs | undefined) {
  const patients = unit.filter((p) => p.matchKeys);
  const [existing, personForKey, personOfPatient] = await Promise.all([
    loadExisting(db, unit),
    loadPersonForKeys(
      db,
      patients.flatMap((p) => p.matchKeys!.map((k) => k.key)),
    ),
    loadPersonOfPatients(
      db,
      patients.map((p) => p.id),
    ),
  ]);
  for (const e of existing.values()) if (isSpilled(e.content)) e.whole = await wholeContent(blobs, e.type, e.id, e.content);
  return { existing, personForKey, personOfPatient };
}

/** The same resource twice in one Bundle has no defined order of effect, so FHIR forbids it. */
function rejectDuplicates(requests: readonly WriteRequest[], rejected: (index: number, status: 400, issues: Issue[]) => void): void {
  const seen = new Set<string>();
  for (const r of requests) {
    if (r.method !== 'PUT') continue;
    const key = resourceKey(r.type, r.id!);
    if (seen.has(key))
      rejected(r.index, 400, [{ code: 'invalid', diagnostics: `${key} appears more than once in the Bundle`, expression: `Bundle.entry[${r.index}]` }]);
    seen.add(key);
  }
}

function throwIfAnyRejected(outcomes: readonly (Outcome | undefined)[]): void {
  const failures = outcomes.filter((o): o is Extract<Outcome, { ok: false }> => o !== undefined && !o.ok);
  if (failures.length === 0) return;
  const status = failures.some((f) => f.status === 403)
    ? 403
    : failures.some((f) => f.status === 413)
      ? 413
      : failures.some((f) => f.status === 400)
        ? 400
        : failures.some((f) => f.status === 409)
          ? 409
          : 412;
  throw new FhirError(
    status,
    failures.flatMap((f) => f.issues.map((i) => ({ ...i, expression: i.expression ?? `Bundle.entry[${f.index}]` }))),
  );
}

/** The Encounters a unit writes, by id, as their objects (for the outbox's trigger). */
function encountersOf(unit: readonly Prepared[]): Map<string, EncounterShape> {
  const out = new Map<string, EncounterShape>();
  for (const p of unit) if (p.type === 'Encounter') out.set(p.id, p.resource as EncounterShape);
  return out;
}

function chunked<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out.length > 0 ? out : [[]];
}
