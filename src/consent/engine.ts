import type { Database } from '../db/database.js';
import { boundariesOf, earliest, nextBoundary, nextDuaBoundary } from './boundaries.js';
import { decideWith, type Decision, type DecisionRequest, type PatientView } from './decide.js';
import type { Policies } from './policies.js';
import { changedSinceQuery, latestSeq, patientViewLoader } from './store.js';

export interface EngineOptions {
  /** Patients whose views are kept in memory; the least recently used go first. */
  maxPatients?: number;
  /** Decisions memoised per patient view. */
  maxDecisionsPerPatient?: number;
  /**
   * Where each patient's consent version lives, when not in this database's change counter (the
   * Worker: her Durable Object). A view is then kept only while her version stands still, asked
   * once per request, and the database-wide look for changes (which catches a Coverage or link
   * changed by ingest) runs at most every `sweepMs`.
   */
  versions?: ConsentVersions;
  sweepMs?: number;
}

/**
 * A patient's consent version held outside the database (src/entry/worker/patient-object.ts).
 * A write that changes her decisions is bracketed: `changing` before it (her version moves and
 * is unsettled, so no view read meanwhile is kept), `changed` once it committed (it moves again
 * and settles). A writer killed in between leaves her unsettled until its lease runs out, then
 * settled at a version no earlier view holds: views are read afresh, never kept stale.
 */
export interface ConsentVersions {
  current(person: string): Promise<{ version: number; settled: boolean }>;
  changing(person: string): Promise<void>;
  changed(person: string): Promise<void>;
}

/**
 * Policies that can change while the process runs (agreements registered by an operator, see
 * src/participants/registry.ts): read afresh for every decision, and asked to refresh whenever
 * the database's change counter moved.
 */
export interface PolicySource {
  readonly policies: Policies;
  refresh(): Promise<void>;
}

interface Entry {
  view: PatientView;
  /** Her version (ConsentVersions) when the view was read; undefined where the database's counter serves. */
  version?: number;
  decisions: Map<string, Memo>;
  /** Every instant at which one of her lines or grants starts or ends, sorted: where a decision may change. */
  boundaries?: readonly string[];
}

/** A decision and the span of time in which it holds: from when it was made to the next boundary. */
interface Memo {
  decision: Decision;
  from: string;
  until: string | undefined;
}

/**
 * Decisions scoped to one patient: Casbin evaluates only that patient's lines (a few), never
 * the region's (millions). Views are kept in an LRU and memoise their decisions.
 *
 * Staleness: every consent change advances a global sequence (consent_versions). Before
 * answering, the engine asks whether anything changed since the sequence it last saw: on SQLite
 * that is the database's generation (rows this connection wrote plus `data_version`, which
 * moves when another connection commits), read once per request; only when it moved does one
 * indexed query list the people changed since, and only they are dropped. So a revocation made
 * by any process is seen on the next request, without a timer.
 */
export class ConsentEngine {
  private readonly cache = new Map<string, Entry>();
  private seenSeq = -1;
  private seenCounter = -1;
  private readonly maxPatients: number;
  private readonly maxDecisions: number;
  private readonly loadView: (person: string, now: string) => Promise<PatientView>;
  private changed: ReturnType<typeof changedSinceQuery> | undefined;
  private decidedUnder: Policies | undefined;
  private readonly versions: ConsentVersions | undefined;
  private readonly sweepMs: number;
  private sweptAt = -Infinity;
  /** This process wrote (recheck): look at the next decision, not at the next pace. */
  private sweepNow = false;

  constructor(
    private readonly db: Database,
    private readonly source: Policies | PolicySource,
    private readonly clock: () => Date,
    options: EngineOptions = {},
  ) {
    this.maxPatients = options.maxPatients ?? 50_000;
    this.maxDecisions = options.maxDecisionsPerPatient ?? 256;
    this.versions = options.versions;
    this.sweepMs = options.sweepMs ?? 1000;
    // The consent model's text never changes while running (only agreements do), so the first Policies' serves.
    this.loadView = patientViewLoader(db, this.policies);
  }

  get policies(): Policies {
    return 'refresh' in this.source ? this.source.policies : this.source;
  }

  /** `decide(requester, patient, class or resource, purpose)`: see decide.ts and policies/precedence.md. */
  async decide(person: string, req: Omit<DecisionRequest, 'when'> & { when?: string }): Promise<Decision> {
    return this.decideAt(person, req, this.db.generation?.());
  }

  private async decideAt(
    person: string,
    req: Omit<DecisionRequest, 'when'> & { when?: string },
    generation: number | undefined,
    asked?: Map<string, Promise<{ version: number; settled: boolean }>>,
  ): Promise<Decision> {
    const entry = await this.entry(person, generation, asked);
    const policies = this.policies;
    // Agreements changed (a new Policies): memoised decisions were made under the old ones.
    if (policies !== this.decidedUnder) {
      for (const e of this.cache.values()) e.decisions.clear();
      this.decidedUnder = policies;
    }
    // One spelling of an instant (UTC, milliseconds): periods and grants are compared with it as
    // text, so 08:00:40-02:00 must not sort before a deny starting at 10:00:30Z (red team).
    const when = req.when === undefined ? this.clock().toISOString() : canonicalInstant(req.when);
    // A decision about another instant than now: her view as it was then (a cached view holds the
    // grants and memberships of now), and nothing remembered (red team: a grant that had expired
    // was honoured for a question about the hours it ran, or the other way round).
    if (req.when !== undefined) return decideWith(policies, await this.loadView(person, when), { ...req, when });
    // Her version is unsettled (a write is under way): this view was read for this decision only.
    if (this.cache.get(person) !== entry) return decideWith(policies, entry.view, { ...req, when });
    // No time in the key: a remembered decision holds until the next instant at which one of her
    // lines or grants starts or ends (a grant expiring at 10:00:30 ends there, not at the next
    // minute).
    const key = `${req.requester.subject}|${req.requester.clientId}|${req.requester.tokenId}|${req.cls}|${req.categories?.join(',') ?? '*'}|${req.purpose ?? ''}|${req.date ?? ''}|${req.memberDuring ? `${req.memberDuring.start}/${req.memberDuring.end}` : ''}`;
    const memo = entry.decisions.get(key);
    if (memo && memo.from <= when && (memo.until === undefined || when < memo.until)) return memo.decision;
    const decision = decideWith(policies, entry.view, { ...req, when });
    entry.boundaries ??= boundariesOf(entry.view);
    // The agreements have periods too: the decision holds until the first of either's boundaries.
    const until = earliest(nextBoundary(entry.boundaries, when), nextDuaBoundary(policies, when));
    if (!memo && entry.decisions.size >= this.maxDecisions) entry.decisions.delete(entry.decisions.keys().next().value!);
    entry.decisions.set(key, { decision, from: when, until });
    return decision;
  }

  /**
   * Decisions for one request, which says how fresh its data is with `generation` (the
   * database's generation as the request read it, src/gate/context.ts): a look for changes is
   * then one comparison, not a query of SQLite's counter before every one of the handful of
   * decisions a request makes, which cost more than deciding.
   */
  session(generation: () => number | undefined): (person: string, req: Omit<DecisionRequest, 'when'> & { when?: string }) => Promise<Decision> {
    // Her version is asked once per request, whatever number of decisions it makes.
    const asked = new Map<string, Promise<{ version: number; settled: boolean }>>();
    return (person, req) => this.decideAt(person, req, generation(), asked);
  }

  /**
   * Runs a write that changes her decisions (a Consent, a break-the-glass grant) so that every
   * process sees it at its next request: bracketed by her version where it lives elsewhere, and
   * her view here dropped.
   */
  async writing<T>(person: string, work: () => Promise<T>): Promise<T> {
    await this.versions?.changing(person);
    try {
      return await work();
    } finally {
      this.cache.delete(person);
      await this.versions?.changed(person);
    }
  }

  /** The patient's compiled consent lines, in priority order: what is enforced. */
  async linesOf(person: string): Promise<PatientView['lines']> {
    return (await this.entry(person)).view.lines;
  }

  /** The organizations with an active Coverage for this person: a payer's "own members" test. */
  async payersOf(person: string): Promise<ReadonlySet<string>> {
    return (await this.entry(person)).view.payers;
  }

  /**
   * After this process wrote through the same connection (which does not move SQLite's
   * data_version): look for changed people at the next decision, as for another process's write.
   */
  recheck(): void {
    this.seenCounter = -1;
    this.sweepNow = true;
  }

  get size(): number {
    return this.cache.size;
  }

  private async entry(
    person: string,
    generation = this.db.generation?.(),
    asked?: Map<string, Promise<{ version: number; settled: boolean }>>,
  ): Promise<Entry> {
    await this.refresh(generation);
    let entry = this.cache.get(person);
    const now = this.clock().toISOString();
    if (this.versions) {
      let ask = asked?.get(person);
      if (!ask) {
        ask = this.versions.current(person);
        asked?.set(person, ask);
      }
      const { version, settled } = await ask;
      if (!settled) {
        this.cache.delete(person);
        return { view: await this.loadView(person, now), decisions: new Map() };
      }
      if (entry && entry.version !== version) {
        this.cache.delete(person);
        entry = undefined;
      }
      if (!entry) return this.keep(person, { view: await this.loadView(person, now), decisions: new Map(), version });
    }
    // A Coverage period started or ended since the view was loaded: membership is different now.
    if (entry?.view.validUntil && entry.view.validUntil <= this.clock().toISOString()) {
      this.cache.delete(person);
      entry = undefined;
    }
    if (entry) {
      // Move to the most recent end of the LRU.
      this.cache.delete(person);
      this.cache.set(person, entry);
      return entry;
    }
    return this.keep(person, { view: await this.loadView(person, now), decisions: new Map() });
  }

  private keep(person: string, entry: Entry): Entry {
    if (this.cache.size >= this.maxPatients) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(person, entry);
    return entry;
  }

  private async refresh(generation: number | undefined): Promise<void> {
    // The generation moves with this process's writes too, so a Coverage or consent written
    // here is looked for as another process's would be (recheck() is then only a hint).
    const counter = generation ?? this.db.changeCounter?.();
    if (counter !== undefined && counter === this.seenCounter && this.seenSeq >= 0) return;
    // Versions held elsewhere answer for consents and grants; the look for other changes is paced.
    if (this.versions && counter === undefined && this.seenSeq >= 0) {
      const t = this.clock().getTime();
      if (!this.sweepNow && t - this.sweptAt < this.sweepMs) return;
      this.sweepNow = false;
      this.sweptAt = t;
    }
    this.seenCounter = counter ?? -1;
    if ('refresh' in this.source) await this.source.refresh();
    if (this.seenSeq < 0) {
      this.seenSeq = await latestSeq(this.db);
      return;
    }
    // Any commit by another connection (the audit trail's included) lands here; the query is prepared once.
    this.changed ??= changedSinceQuery(this.db);
    for (const { patientId, seq } of (await this.changed.all({ seq: this.seenSeq })) as { patientId: string; seq: number }[]) {
      this.cache.delete(patientId);
      if (seq > this.seenSeq) this.seenSeq = seq;
    }
  }
}

function canonicalInstant(when: string): string {
  const t = Date.parse(when);
  if (Number.isNaN(t)) throw new RangeError(`not an instant: ${when}`);
  return new Date(t).toISOString();
}
