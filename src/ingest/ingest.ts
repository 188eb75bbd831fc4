import type { Database, Statement } from '../db/database.js';
import { FhirError, type Issue } from '../fhir/errors.js';
import type { CompiledCodeLists } from '../labels/index.js';
import { planWrites, resourceKey, type Outcome, type Prepared } from '../store/plan.js';
import { loadExisting, loadPersonForKeys, loadPersonOfPatients } from '../store/read.js';
import { countIngestionStatement, planStatements, startIngestionStatement } from '../store/write.js';
import type { BundleMode, EntryRead, WriteRequest } from './entries.js';
import { prepare } from './prepare.js';
import { propagateLabels } from './propagate.js';
import { resolveReferences } from './references.js';
import { loadTrustState, trustRefusals } from './trust.js';
import { coverageChangedStatement } from '../consent/store.js';

export interface IngestDeps {
  db: Database;
  clock: () => Date;
  codeLists: CompiledCodeLists;
  newId: () => string;
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
}

/** Entries per atomic unit in batch mode: large enough to amortise a commit, small enough to keep a write lock short. */
const BATCH_CHUNK = 2000;

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
  const rejected = (index: number, status: 400 | 403 | 409, issues: Issue[]) => (outcomes[index] = { index, ok: false, status, issues });

  const requests: WriteRequest[] = [];
  for (const entry of request.entries) {
    if (entry.ok) requests.push(entry.request);
    else rejected(entry.index, 400, entry.issues);
  }
  rejectDuplicates(requests, rejected);
  resolveReferences(requests, deps.newId);

  const candidates: Prepared[] = [];
  for (const r of requests) {
    if (outcomes[r.index]) continue;
    const p = prepare(r, request.source, deps.codeLists);
    if (Array.isArray(p)) rejected(r.index, 400, p);
    else candidates.push(p);
  }
  for (const refusal of trustRefusals(candidates, await loadTrustState(deps.db, candidates), request.consentAuthor === true))
    rejected(refusal.index, 403, refusal.issues);
  const prepared = candidates.filter((p) => !outcomes[p.index]);
  if (request.mode === 'transaction') throwIfAnyRejected(outcomes);
  await propagateLabels(deps.db, prepared, deps.codeLists);

  const ingestionId = deps.newId();
  const started = deps.clock().toISOString();
  const source = request.source ?? prepared[0]?.source ?? 'unknown';
  const units = request.mode === 'transaction' ? [prepared] : chunked(prepared, BATCH_CHUNK);
  for (let u = 0; u < units.length; u++) {
    const unit = units[u]!;
    const last = u === units.length - 1;
    await deps.db.exclusive(async () => {
      const state = await loadState(deps.db, unit);
      const now = deps.clock().toISOString();
      const plan = planWrites(unit, state, now, ingestionId);
      for (const o of plan.outcomes) outcomes[o.index] = o;
      if (request.mode === 'transaction') throwIfAnyRejected(outcomes);
      const counts = {
        written: plan.rows.length,
        unchanged: plan.outcomes.filter((o) => o.ok && !o.changed).length,
        rejected: plan.outcomes.filter((o) => !o.ok).length + (u === 0 ? request.entries.length - prepared.length : 0),
      };
      await deps.db.atomic([
        ...(u === 0 ? [startIngestionStatement(deps.db, { id: ingestionId, source, channel: request.channel, startedAt: started })] : []),
        ...planStatements(deps.db, plan),
        // A changed Coverage changes who is a payer's member: every process sees it at the next request, as with a consent change.
        ...plan.rows.filter((r) => r.type === 'Coverage' && r.patientId).map((r) => coverageChangedStatement(deps.db, r.patientId!)),
        ...(request.mode === 'transaction' ? (request.alongside ?? []) : []),
        countIngestionStatement(deps.db, ingestionId, counts, last ? now : undefined),
      ]);
    });
  }
  return { ingestionId, outcomes: outcomes as Outcome[] };
}

async function loadState(db: Database, unit: readonly Prepared[]) {
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
  const status = failures.some((f) => f.status === 403) ? 403 : failures.some((f) => f.status === 400) ? 400 : 409;
  throw new FhirError(
    status,
    failures.flatMap((f) => f.issues.map((i) => ({ ...i, expression: i.expression ?? `Bundle.entry[${f.index}]` }))),
  );
}

function chunked<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out.length > 0 ? out : [[]];
}
