import type { PolicySource } from '../consent/engine.js';
import { duaEnforcer, type Policies } from '../consent/policies.js';
import type { Database } from '../db/database.js';
import { duaRules } from './dua-lines.js';
import { readParticipants, readVersion } from './store.js';
import type { BackendClient, Participants } from './types.js';

/**
 * What the request path needs from the participants, kept in memory: the set of backend
 * clients allowed to act, and the Policies whose DUA enforcer is built from the agreements in
 * the database. Both are replaced whole when participants change, never edited in place.
 *
 * Staleness, as in the consent engine: every change advances `participants_version` in its own
 * transaction. A change made through this process's operator API reloads at once (`changed`).
 * One made by another process (the CLI) moves SQLite's `data_version`; the next check sees the
 * counter moved, reads the one-row version, and reloads if it advanced. So the per-request cost
 * is a counter read and a Set lookup; on D1, where there is no counter, one indexed read.
 */
export class ParticipantRegistry implements PolicySource {
  private seenCounter = -1;
  private seenVersion = -1;
  private active: ReadonlyMap<string, BackendClient> = new Map();
  private registered: ReadonlySet<string> = new Set();
  private current: Policies;
  private loading: Promise<void> | undefined;

  private constructor(
    private readonly db: Database,
    private readonly base: Policies,
    private readonly duaModel: string,
  ) {
    this.current = base;
  }

  /** `base` supplies the consent enforcer and defaults; its DUA enforcer is replaced by the database's agreements. */
  static async open(db: Database, base: Policies, duaModel: string): Promise<ParticipantRegistry> {
    const registry = new ParticipantRegistry(db, base, duaModel);
    registry.seenCounter = db.changeCounter?.() ?? -1;
    await registry.load(true);
    return registry;
  }

  /** The current Policies: a new object after every change to agreements, so memos keyed by it cannot go stale. */
  get policies(): Policies {
    return this.current;
  }

  /**
   * A backend client as registered now, if it may act (registered, active, its organization
   * active). Synchronous unless something changed; on D1 (no change counter) one indexed read.
   */
  activeClient(clientId: string): BackendClient | undefined | Promise<BackendClient | undefined> {
    const counter = this.db.changeCounter?.();
    if (counter !== undefined && counter === this.seenCounter && !this.loading) return this.active.get(clientId);
    return this.refresh().then(() => this.active.get(clientId));
  }

  /**
   * Whether this id is a backend client's, in any status, as of the last load (kept fresh by
   * the consent engine's look for changes): never looked up afresh, since it is asked for every
   * person's request and only ever refuses.
   */
  isBackendClient(clientId: string): boolean {
    return this.registered.has(clientId);
  }

  /** Reloads if another process changed participants since the last look. */
  refresh(): Promise<void> {
    const counter = this.db.changeCounter?.();
    if (counter !== undefined && counter === this.seenCounter) return this.loading ?? Promise.resolve();
    this.seenCounter = counter ?? -1;
    return this.enqueue(false);
  }

  /** After this process committed a change: reload now. */
  changed(): Promise<void> {
    return this.enqueue(true);
  }

  private enqueue(force: boolean): Promise<void> {
    // Each load starts when the one before settled, whether or not it failed; a failed load is the caller's error, and the next check tries again.
    const load = () => this.load(force);
    const run: Promise<void> = (this.loading ?? Promise.resolve()).then(load, load);
    this.loading = run;
    const settled = () => {
      if (this.loading === run) this.loading = undefined;
    };
    run.then(settled, settled);
    return run;
  }

  private async load(force: boolean): Promise<void> {
    // The version first: a change committed between the two reads is then seen again next time, never missed.
    const version = await readVersion(this.db);
    if (!force && version === this.seenVersion) return;
    const participants = await readParticipants(this.db);
    const dua = await duaEnforcer(this.duaModel, duaRules(participants));
    // Built field by field rather than spread: whatever else a Policies carries (a memo) must be new too.
    this.current = { consentModel: this.base.consentModel, dua, defaults: this.base.defaults };
    this.active = activeClients(participants);
    this.registered = new Set(participants.clients.map((c) => c.clientId));
    this.seenVersion = version;
  }
}

function activeClients(p: Participants): Map<string, BackendClient> {
  const orgs = new Set(p.organizations.filter((o) => o.status === 'active').map((o) => o.reference));
  return new Map(p.clients.filter((c) => c.status === 'active' && orgs.has(c.organization)).map((c) => [c.clientId, c]));
}
