import { sql } from 'drizzle-orm';
import { check, foreignKey, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * The current version of every stored resource. Earlier versions move to
 * `resourceHistory` when a resource changes, so a fresh ingest writes one row here
 * and nothing to history.
 */
export const resources = sqliteTable(
  'resources',
  {
    type: text('type').notNull(),
    id: text('id').notNull(),
    versionId: integer('version_id').notNull(),
    lastUpdated: text('last_updated').notNull(),
    /** meta.source: the contributing source system's URI. A resource belongs to the source that created it. */
    source: text('source').notNull(),
    ingestionId: text('ingestion_id').notNull(),
    /** Patient compartment: the source-level Patient id this resource is about (see patientLinks for the person). */
    patientId: text('patient_id'),
    /** Search columns. Dates are ISO 8601 strings of the lower and upper instant, so text order is time order. */
    dateStart: text('date_start'),
    dateEnd: text('date_end'),
    status: text('status'),
    /** meta.security codes, space-delimited with a leading and trailing space, so `LIKE '% ETH %'` finds one. */
    security: text('security').notNull(),
    content: text('content').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.type, t.id] }),
    index('resources_compartment').on(t.patientId, t.type),
    index('resources_type_date').on(t.type, t.dateStart),
  ],
);

/** Superseded versions, kept whole so `vread` and `_history` can answer and nothing is lost on update. */
export const resourceHistory = sqliteTable(
  'resource_history',
  {
    type: text('type').notNull(),
    id: text('id').notNull(),
    versionId: integer('version_id').notNull(),
    lastUpdated: text('last_updated').notNull(),
    source: text('source').notNull(),
    ingestionId: text('ingestion_id').notNull(),
    content: text('content').notNull(),
  },
  (t) => [primaryKey({ columns: [t.type, t.id, t.versionId] })],
);

/**
 * Signed checkpoints of the audit chain (src/audit/anchors.ts): each a JWS over the chain's head
 * at `seq`. Kept here and published at /public/audit-anchors, so that copies held by others can
 * show later that the chain once reached this far with this hash.
 */
export const auditAnchors = sqliteTable('audit_anchors', {
  seq: integer('seq').primaryKey(),
  issuedAt: text('issued_at').notNull(),
  jws: text('jws').notNull(),
});

/**
 * Never holds a row: a write inserts into it only when something it relied on changed under it
 * (src/store/write.ts `unchangedGuards`), and the CHECK then fails the whole transaction, which
 * is planned again. SQLite has no RAISE outside triggers; this is the portable way to abort.
 */
export const writeGuards = sqliteTable('write_guards', { ok: integer('ok').notNull() }, (t) => [check('write_guards_never', sql`${t.ok} = 1`)]);

/** Token search values (code, category) of current versions: one row per coding. */
export const resourceTokens = sqliteTable(
  'resource_tokens',
  {
    type: text('type').notNull(),
    id: text('id').notNull(),
    param: text('param').notNull(),
    system: text('system').notNull(),
    code: text('code').notNull(),
  },
  (t) => [
    index('resource_tokens_lookup').on(t.param, t.code, t.system, t.type),
    // Covering for the correlated EXISTS of a search (type, id, param, code, system all bound), and for deletes by owner.
    index('resource_tokens_owner').on(t.type, t.id, t.param, t.code, t.system),
  ],
);

/**
 * Provenance of every write: which source sent it, how, and when. A row stays `running`
 * until its last chunk commits; one found `running` at start-up was interrupted.
 */
export const ingestions = sqliteTable('ingestions', {
  /** A UUID made by the writer, so the row can go in the same batch as the data it describes (D1 has no interactive transactions). */
  id: text('id').primaryKey(),
  source: text('source').notNull(),
  channel: text('channel').notNull(),
  startedAt: text('started_at').notNull(),
  finishedAt: text('finished_at'),
  status: text('status').notNull(),
  written: integer('written').notNull().default(0),
  unchanged: integer('unchanged').notNull().default(0),
  rejected: integer('rejected').notNull().default(0),
});

/** Master patient index: every source-level Patient record and the person it belongs to, with why. */
export const patientLinks = sqliteTable(
  'patient_links',
  {
    patientId: text('patient_id').primaryKey(),
    personId: text('person_id').notNull(),
    rule: text('rule').notNull(),
    reason: text('reason').notNull(),
    linkedAt: text('linked_at').notNull(),
  },
  (t) => [index('patient_links_person').on(t.personId)],
);

/** Match keys (identifier system|value, or the normalised demographic key) and the person they lead to. */
export const matchKeys = sqliteTable('match_keys', {
  key: text('key').primaryKey(),
  personId: text('person_id').notNull(),
});

/**
 * oidc-provider's models (sessions, interactions, codes, tokens, replay detection), one row each.
 * The payload is kept whole as JSON; the indexed columns are the lookups the adapter contract needs.
 */
export const oidcPayloads = sqliteTable(
  'oidc_payloads',
  {
    model: text('model').notNull(),
    id: text('id').notNull(),
    payload: text('payload').notNull(),
    grantId: text('grant_id'),
    userCode: text('user_code'),
    uid: text('uid'),
    /** Epoch seconds; null means it does not expire. */
    expiresAt: integer('expires_at'),
    consumedAt: integer('consumed_at'),
  },
  (t) => [
    primaryKey({ columns: [t.model, t.id] }),
    index('oidc_payloads_grant').on(t.grantId),
    index('oidc_payloads_uid').on(t.model, t.uid),
    index('oidc_payloads_expiry').on(t.expiresAt),
  ],
);

/** People who log in: the fixture identities in development. Passwords are scrypt hashes, never plain. */
export const accounts = sqliteTable('accounts', {
  username: text('username').primaryKey(),
  passwordHash: text('password_hash').notNull(),
  name: text('name').notNull(),
  role: text('role').notNull(),
  /** Patient/…, Practitioner/… or RelatedPerson/…; absent for researchers and operators. */
  fhirUser: text('fhir_user'),
  organization: text('organization').notNull(),
  /** For patients and caregivers: the patient whose record the account acts on. */
  patient: text('patient'),
});

/**
 * Casbin policy lines compiled from active patient Consents (see policies/consent.conf), stored
 * per person so the consent engine loads one patient's lines, never all of them.
 */
export const consentLines = sqliteTable(
  'consent_lines',
  {
    patientId: text('patient_id').notNull(),
    consentId: text('consent_id').notNull(),
    ord: integer('ord').notNull(),
    priority: text('priority').notNull(),
    actor: text('actor').notNull(),
    purpose: text('purpose').notNull(),
    cls: text('cls').notNull(),
    label: text('label').notNull(),
    start: text('start').notNull(),
    end: text('end').notNull(),
    dataStart: text('data_start').notNull(),
    dataEnd: text('data_end').notNull(),
    effect: text('effect').notNull(),
    ref: text('ref').notNull(),
  },
  (t) => [primaryKey({ columns: [t.patientId, t.consentId, t.ord] })],
);

/**
 * A global sequence of consent changes: each change writes the person's row with the next
 * number. A process that has seen sequence N re-reads only people changed after N, which is
 * how a revocation in one process reaches every other on its next request.
 */
export const consentVersions = sqliteTable(
  'consent_versions',
  {
    patientId: text('patient_id').primaryKey(),
    seq: integer('seq').notNull(),
  },
  (t) => [index('consent_versions_seq').on(t.seq)],
);

/** Break-the-glass grants: who, for which patient, why, and until when. */
export const breakGlass = sqliteTable(
  'break_glass',
  {
    id: text('id').primaryKey(),
    patientId: text('patient_id').notNull(),
    practitioner: text('practitioner').notNull(),
    organization: text('organization').notNull(),
    reason: text('reason').notNull(),
    startedAt: text('started_at').notNull(),
    expiresAt: text('expires_at').notNull(),
  },
  (t) => [index('break_glass_patient').on(t.patientId, t.expiresAt)],
);

/**
 * The review of each break-the-glass grant, append-only: the patient (or the caregiver acting
 * for her) asking for one (`requested`), and an operator's finding (`decided`, with `outcome`).
 * A grant with no `decided` row is waiting for review; every grant is reviewed, asked for or not.
 */
export const breakGlassReviews = sqliteTable(
  'break_glass_reviews',
  {
    id: text('id').primaryKey(),
    grantId: text('grant_id').notNull(),
    kind: text('kind', { enum: ['requested', 'decided'] }).notNull(),
    /** Who: Patient/…, RelatedPerson/… (acting for her), or the operator's account. */
    actor: text('actor').notNull(),
    at: text('at').notNull(),
    /** For `decided`: whether the emergency access was justified. */
    outcome: text('outcome', { enum: ['appropriate', 'inappropriate'] }),
    note: text('note'),
  },
  (t) => [index('break_glass_reviews_grant').on(t.grantId, t.kind)],
);

/**
 * The audit trail, an append-only hash chain. Each row's hash covers the previous row's hash and
 * the row's own fields (src/audit/rows.ts says which), so changing, deleting or reordering any
 * event breaks every hash after it (checked by `npm run audit:verify`). `seq` is assigned by the
 * writer, so two writers that raced for the same place collide on the primary key instead of
 * forking the chain.
 *
 * Kinds: `access` (a read, search or write of patient data: the compact facts in columns, the
 * BALP AuditEvent rendered when read), `event` (an operator's or publisher's AuditEvent, kept
 * whole in `resource`), `v1` (an event written before the compact form, kept whole and hashed
 * as it was).
 */
export const auditEvents = sqliteTable(
  'audit_events',
  {
    seq: integer('seq').primaryKey(),
    id: text('id').notNull(),
    recorded: text('recorded').notNull(),
    /** The person whose data was accessed, for their accounting of disclosures. */
    person: text('person'),
    kind: text('kind', { enum: ['access', 'event', 'v1'] }).notNull(),
    interaction: text('interaction'),
    query: text('query'),
    outcome: text('outcome'),
    purpose: text('purpose'),
    agent: text('agent'),
    role: text('role'),
    organization: text('organization'),
    client: text('client'),
    token: text('token'),
    breakGlass: integer('break_glass'),
    reasons: text('reasons'),
    detail: text('detail'),
    /** The whole AuditEvent, for kinds `event` and `v1`. */
    resource: text('resource'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [index('audit_events_person').on(t.person, t.seq)],
);

/**
 * Bulk export jobs. A job records who asked, for which patients (a group, or every patient the
 * requester may export), which types, and its transactionTime. When its manifest is ready it
 * also holds its snapshot: which version of which resource each member's file holds, as of
 * transactionTime (ids and version numbers, never content). Files are read from the store on
 * download, each member decided again then, so no patient data is staged.
 */
export const exportJobs = sqliteTable('export_jobs', {
  id: text('id').primaryKey(),
  /** The requester's client and subject: only they may poll, download or cancel. */
  owner: text('owner').notNull(),
  requester: text('requester').notNull(),
  /** 'group', 'patient' or 'system': which $export was called. */
  level: text('level').notNull().default('group'),
  /** The group exported; for Patient- and system-level exports, the rosters the requester may export, comma-separated. */
  groupId: text('group_id').notNull(),
  types: text('types').notNull(),
  since: text('since'),
  transactionTime: text('transaction_time').notNull(),
  /** The kick-off URL with its query, for the manifest's `request`. */
  request: text('request'),
  /** OperationOutcome issues for what a lenient kick-off ignored (JSON), served as the manifest's error file. */
  ignored: text('ignored'),
  status: text('status').notNull(),
  members: text('members'),
  /** JSON: for each type, each member's `[id, versionId]` pairs as of transactionTime. */
  snapshot: text('snapshot'),
  manifest: text('manifest'),
});

/**
 * Published releases of the public dataset. A release is immutable (triggers in the migration
 * refuse UPDATE and DELETE): publishing again makes a new version.
 */
export const releases = sqliteTable('releases', {
  id: text('id').primaryKey(),
  version: integer('version').notNull().unique(),
  issued: text('issued').notNull(),
  /** 'suppression' or 'differential-privacy'. */
  mode: text('mode').notNull(),
  /** Calendar years covered, comma-separated. */
  years: text('years').notNull(),
  epsilon: real('epsilon'),
  /** Compact JWS over manifest.json, signed with the gateway key. */
  manifestJws: text('manifest_jws').notNull(),
});

/**
 * The disclosure audit each exact release passed, for the operators: every withheld value's
 * attacker interval and the protection it had to keep, never the values themselves. Not
 * published; immutable like the release.
 */
export const releaseAudits = sqliteTable('release_audits', {
  releaseId: text('release_id').primaryKey(),
  /** JSON: { checked, programs, millis, withheld: [{ id, cause, attacker, protected }] }. */
  report: text('report').notNull(),
});

export const releaseFiles = sqliteTable(
  'release_files',
  {
    releaseId: text('release_id').notNull(),
    name: text('name').notNull(),
    mediaType: text('media_type').notNull(),
    sha256: text('sha256').notNull(),
    bytes: integer('bytes').notNull(),
    content: text('content').notNull(),
  },
  (t) => [primaryKey({ columns: [t.releaseId, t.name] })],
);

/** The public, append-only privacy-budget ledger: epsilon spent by each release. */
export const privacyLedger = sqliteTable('privacy_ledger', {
  seq: integer('seq').primaryKey(),
  releaseId: text('release_id').notNull(),
  epsilon: real('epsilon').notNull(),
  lifetimeBudget: real('lifetime_budget').notNull(),
  recorded: text('recorded').notNull(),
  mechanism: text('mechanism').notNull(),
});

/**
 * The lifetime privacy budget (epsilon) in force, as an append-only history: the last row is
 * the budget. The first row is bound from policies/privacy-budget.json when the first release
 * is made; later rows only by the operator's `npm run budget -- set` (audited). Triggers in the
 * migration refuse edits, a budget below what is spent, and any spend past the budget.
 */
export const privacyBudget = sqliteTable('privacy_budget', {
  seq: integer('seq').primaryKey(),
  epsilon: real('epsilon').notNull(),
  /** The budget before this row; null for the first. */
  previous: real('previous'),
  /** Epsilon already spent when the row was written. */
  spent: real('spent').notNull(),
  /** 'policy' (bound at the first release), 'operator' (npm run budget), or 'upgrade' (carried over from the ledger). */
  source: text('source').notNull(),
  operator: text('operator').notNull(),
  reason: text('reason').notNull(),
  recorded: text('recorded').notNull(),
});

/**
 * At most one writer of releases and the privacy ledger at a time, across processes: a single
 * row taken with one compare-and-set upsert (free, or expired), renewed while the work runs and
 * deleted when it ends. The expiry frees the lock of a process that died holding it.
 */
export const releaseLock = sqliteTable('release_lock', {
  id: integer('id').primaryKey(),
  /** What holds it: 'publish' or 'budget'. */
  purpose: text('purpose').notNull(),
  /** Random per taking: only the taker renews or frees it. */
  token: text('token').notNull(),
  /** Who holds it, in words, for the message another publisher reads. */
  holder: text('holder').notNull(),
  acquired: text('acquired').notNull(),
  expires: text('expires').notNull(),
});

/** Attribution of each person to a primary-care organization per year, with the method and reason; the roster Groups are built from it. */
export const attributions = sqliteTable(
  'attributions',
  {
    year: integer('year').notNull(),
    person: text('person').notNull(),
    organization: text('organization'),
    method: text('method').notNull(),
    reason: text('reason').notNull(),
    releaseId: text('release_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.releaseId, t.year, t.person] }), index('attributions_org').on(t.releaseId, t.organization, t.year)],
);

/**
 * Browser sessions of the portal pages, and login attempts in flight (state, nonce and PKCE
 * verifier). Only a SHA-256 of the cookie value is stored, so a copy of the database does not
 * hold usable session cookies.
 */
export const webSessions = sqliteTable('web_sessions', {
  idHash: text('id_hash').primaryKey(),
  kind: text('kind').notNull(),
  data: text('data').notNull(),
  expiresAt: text('expires_at').notNull(),
});

/**
 * Participants of the exchange, registered by an operator (src/participants/): organizations,
 * their backend clients, and their data use agreements. In development they are seeded from the
 * synthetic region; in production there are none until an operator adds them.
 */
export const organizations = sqliteTable('organizations', {
  /** `Organization/<id>`, as tokens, DUAs and consents name it. */
  reference: text('reference').primaryKey(),
  name: text('name').notNull(),
  /** provider | payer | analytics | hie */
  kind: text('kind').notNull(),
  /** active | suspended: a suspended organization's clients are refused and its DUAs permit nothing. */
  status: text('status').notNull(),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
});

/** Data use agreements: one organization each; what they permit lives in their versions. */
export const duas = sqliteTable('duas', {
  id: text('id').primaryKey(),
  organization: text('organization')
    .notNull()
    .references(() => organizations.reference),
  createdAt: text('created_at').notNull(),
});

/**
 * A DUA's versions, each with an effective period. Start and end are ISO instants (a date-only
 * end means the end of that day, UTC), '' meaning open; periods of one DUA's versions never
 * overlap (checked in code, and by triggers in the migration for writers that skip the code).
 */
export const duaVersions = sqliteTable(
  'dua_versions',
  {
    duaId: text('dua_id')
      .notNull()
      .references(() => duas.id),
    version: integer('version').notNull(),
    start: text('start').notNull(),
    end: text('end').notNull(),
    /** active | suspended */
    status: text('status').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.duaId, t.version] })],
);

/** A DUA version's lines: the columns of policies/duas.csv (see policies/dua.conf). */
export const duaLines = sqliteTable(
  'dua_lines',
  {
    duaId: text('dua_id').notNull(),
    version: integer('version').notNull(),
    ord: integer('ord').notNull(),
    purpose: text('purpose').notNull(),
    cls: text('cls').notNull(),
    category: text('category').notNull(),
    /** any | member */
    scope: text('scope').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.duaId, t.version, t.ord] }),
    foreignKey({ columns: [t.duaId, t.version], foreignColumns: [duaVersions.duaId, duaVersions.version] }),
  ],
);

/** SMART Backend Services clients, served to oidc-provider through its adapter (model 'Client'). */
export const backendClients = sqliteTable('backend_clients', {
  clientId: text('client_id').primaryKey(),
  name: text('name').notNull(),
  /** source | payer | analytics */
  kind: text('kind').notNull(),
  organization: text('organization')
    .notNull()
    .references(() => organizations.reference),
  /** The source system it writes as (meta.source); one client per source. */
  sourceUri: text('source_uri').unique(),
  scope: text('scope').notNull(),
  /** Purposes of use, space-separated. */
  purposes: text('purposes').notNull(),
  /** Its public keys as a JWKS (JSON), or where to fetch them: exactly one is set. */
  jwks: text('jwks'),
  jwksUri: text('jwks_uri'),
  duaId: text('dua_id').references(() => duas.id),
  /** active | suspended: a suspended client gets no token and its tokens are refused. */
  status: text('status').notNull(),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
});

/** One row: advanced in the same transaction as every participant change, so caches in any process know to reload. */
export const participantsVersion = sqliteTable('participants_version', {
  id: integer('id').primaryKey(),
  seq: integer('seq').notNull(),
});

/**
 * The notification outbox: each topic event a write raises, written in the same transaction as
 * the write, so an admission is never stored without its event nor an event without its
 * admission. `seq` is commit order. `dispatched` turns 1 once the event has been decided for
 * every subscription and numbered for those that may receive it (src/subscriptions/dispatch.ts).
 */
export const notificationEvents = sqliteTable(
  'notification_events',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull().unique(),
    /** A topic code of src/subscriptions/topics.ts, e.g. encounter-start. */
    topic: text('topic').notNull(),
    /** What the event is about, e.g. `Encounter/<id>`, and the version that raised it. */
    focus: text('focus').notNull(),
    versionId: integer('version_id'),
    /** The source-level Patient the event is about (patient_links gives the person). */
    patientId: text('patient_id').notNull(),
    /** The encounter class (v3 ActCode), for encounter topics. */
    encounterClass: text('class'),
    /** When it happened (the period's start or end); the attribution roster of this date decides `attributed-organization`. */
    occurred: text('occurred').notNull(),
    /** When it was committed. */
    recorded: text('recorded').notNull(),
    dispatched: integer('dispatched').notNull().default(0),
  },
  (t) => [
    index('notification_events_pending').on(t.dispatched, t.seq),
    // A stay starts once and ends once (src/subscriptions/outbox.ts), even between concurrent writers.
    uniqueIndex('notification_events_once')
      .on(t.focus, t.topic)
      .where(sql`${t.topic} IN ('encounter-start', 'encounter-end')`),
  ],
);

/**
 * Topic subscriptions (R4 Backport), one row per Subscription. The resource as the subscriber
 * sees it is `resource`; what delivery needs is in columns. `secret` signs every notification
 * (Standard Webhooks HMAC) and is shown once, in the answer to the create.
 */
export const subscriptions = sqliteTable(
  'subscriptions',
  {
    id: text('id').primaryKey(),
    /** The organization told: the subscriber's, or the attributed organization an operator subscribed for. */
    organization: text('organization').notNull(),
    /** The backend client that owns it; an operator's administrative subscription names the operator. */
    owner: text('owner').notNull(),
    /** The DUA the recipient receives under. */
    dua: text('dua'),
    topic: text('topic').notNull(),
    /** JSON: [{ name, values: string[] }], each filter ANDed, the values of one ORed. */
    filters: text('filters').notNull(),
    endpoint: text('endpoint').notNull(),
    /** JSON string[]: `Name: value` headers sent with every notification. */
    headers: text('headers').notNull(),
    /** empty | id-only | full-resource */
    payload: text('payload').notNull(),
    heartbeatSeconds: integer('heartbeat_seconds'),
    timeoutSeconds: integer('timeout_seconds').notNull(),
    maxCount: integer('max_count').notNull(),
    /** requested | active | error | off */
    status: text('status').notNull(),
    secret: text('secret').notNull(),
    /** The last event number given (events-since-subscription-start). */
    eventsSinceStart: integer('events_since_start').notNull().default(0),
    /** The outbox position (notification_events.seq) when it was created: it hears only of events after it. */
    startSeq: integer('start_seq').notNull().default(0),
    /** The highest event number the endpoint confirmed (2xx); everything up to it is done. */
    confirmed: integer('confirmed').notNull().default(0),
    /** Delivery state: when the current run of failures began, how many, when to try next, the last error. */
    failingSince: text('failing_since'),
    failures: integer('failures').notNull().default(0),
    nextAttemptAt: text('next_attempt_at'),
    lastError: text('last_error'),
    /** When anything (a notification or a heartbeat) last reached the endpoint. */
    lastSentAt: text('last_sent_at'),
    /** Subscription.end: no events after it. */
    end: text('end'),
    versionId: integer('version_id').notNull(),
    resource: text('resource').notNull(),
    created: text('created').notNull(),
    updated: text('updated').notNull(),
  },
  (t) => [index('subscriptions_topic').on(t.topic, t.status)],
);

/**
 * What each subscription was told, numbered: event N is the subscription's N-th event it may
 * receive. Only permitted events get a number, so the numbers never reveal a withheld one. A
 * row is kept after delivery, for `$events` replay and for the patient's accounting.
 */
export const subscriptionEvents = sqliteTable(
  'subscription_events',
  {
    subscriptionId: text('subscription_id').notNull(),
    eventNumber: integer('event_number').notNull(),
    /** notification_events.id */
    eventId: text('event_id').notNull(),
    /** The person it is about. */
    person: text('person').notNull(),
    /** What the decision at numbering allowed: full (the Encounter) or notice (class and period only). */
    detail: text('detail').notNull(),
    numberedAt: text('numbered_at').notNull(),
    /** Set when the endpoint confirmed a notification carrying it. */
    deliveredAt: text('delivered_at'),
  },
  (t) => [
    primaryKey({ columns: [t.subscriptionId, t.eventNumber] }),
    uniqueIndex('subscription_events_once').on(t.subscriptionId, t.eventId),
    index('subscription_events_person').on(t.person, t.numberedAt),
  ],
);

/**
 * Versioned attribution rosters (Da Vinci ATR): one Group per provider organization × payer ×
 * month, `roster-{org}-{payer}-{YYYY-MM}`. Each run makes a new version: drafts first, then the
 * final one on the 1st. Versions and their members are never changed (triggers).
 */
export const rosterVersions = sqliteTable(
  'roster_versions',
  {
    groupId: text('group_id').notNull(),
    version: integer('version').notNull(),
    /** `Organization/{id}` references. */
    organization: text('organization').notNull(),
    payer: text('payer').notNull(),
    /** The month attributed, YYYY-MM. */
    period: text('period').notNull(),
    /** 'draft' or 'final' (ATR attribution-list-status). */
    status: text('status').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.version] }), index('roster_versions_org').on(t.organization, t.period)],
);

/** The members of one roster version, with how each was attributed and what changed since the version before. */
export const rosterMembers = sqliteTable(
  'roster_members',
  {
    groupId: text('group_id').notNull(),
    version: integer('version').notNull(),
    person: text('person').notNull(),
    /** ATR change type: new, nochange, changed, dropped. */
    changeType: text('change_type').notNull(),
    /** 'designation' or 'plurality'. */
    method: text('method').notNull(),
    reason: text('reason').notNull(),
    periodStart: text('period_start').notNull(),
    periodEnd: text('period_end').notNull(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.version, t.person] })],
);

/**
 * A provider organization's dispute of one roster member (FHIR Task, owned by the payer, with a
 * deadline). Accepted, it removes the member from later versions of that organization × payer
 * roster, until she designates the organization herself.
 */
export const attributionDisputes = sqliteTable(
  'attribution_disputes',
  {
    id: text('id').primaryKey(),
    groupId: text('group_id').notNull(),
    /** The roster version disputed. */
    version: integer('version').notNull(),
    person: text('person').notNull(),
    organization: text('organization').notNull(),
    payer: text('payer').notNull(),
    /** Who filed it (the requester's subject). */
    requester: text('requester').notNull(),
    /** The reason code, and the evidence: free text and references offered (JSON). */
    reason: text('reason').notNull(),
    evidence: text('evidence').notNull(),
    /** requested, accepted, rejected. */
    status: text('status').notNull(),
    createdAt: text('created_at').notNull(),
    deadline: text('deadline').notNull(),
    decidedAt: text('decided_at'),
    decidedBy: text('decided_by'),
    decisionNote: text('decision_note'),
    /** The Task's versionId, for If-Match. */
    versionId: integer('version_id').notNull().default(1),
  },
  (t) => [index('attribution_disputes_roster').on(t.organization, t.payer, t.status)],
);

/**
 * Value-based contracts between a payer and a provider organization (Da Vinci VBPR
 * `vbp-measure`): the terms as JSON, validated by src/performance/contract.ts.
 */
export const vbpContracts = sqliteTable('vbp_contracts', {
  id: text('id').primaryKey(),
  payer: text('payer').notNull(),
  organization: text('organization').notNull(),
  terms: text('terms').notNull(),
  createdAt: text('created_at').notNull(),
});

/**
 * Reports for accountable providers, kept as made: gaps in care, performance (VBPR) and the
 * multi-payer view. Immutable (triggers), retrievable by organization and date. `roster` names
 * the roster version used (`Group/{id}/_history/{v}`), so a report can be reproduced.
 */
export const reports = sqliteTable(
  'reports',
  {
    id: text('id').primaryKey(),
    /** 'care-gaps', 'performance' or 'multi-payer'. */
    kind: text('kind').notNull(),
    organization: text('organization').notNull(),
    payer: text('payer'),
    contract: text('contract'),
    periodStart: text('period_start').notNull(),
    periodEnd: text('period_end').notNull(),
    roster: text('roster'),
    /** 'schedule', or the requester's subject. */
    requestedBy: text('requested_by').notNull(),
    createdAt: text('created_at').notNull(),
    /** The FHIR content (a MeasureReport; for gaps, a summary); a gaps report's documents are in report_documents. */
    content: text('content').notNull(),
  },
  (t) => [index('reports_org').on(t.organization, t.kind, t.createdAt)],
);

/** One patient's gaps-in-care document of a report (a DEQM gaps Bundle), readable as `Bundle/{id}`. */
export const reportDocuments = sqliteTable(
  'report_documents',
  {
    reportId: text('report_id').notNull(),
    person: text('person').notNull(),
    /** The Bundle's id. */
    id: text('id').notNull(),
    content: text('content').notNull(),
  },
  (t) => [primaryKey({ columns: [t.reportId, t.person] }), uniqueIndex('report_documents_id').on(t.id)],
);

/** Each DetectedIssue of a gaps report, so the provider can find it and remark on it. */
export const careGaps = sqliteTable(
  'care_gaps',
  {
    id: text('id').primaryKey(),
    reportId: text('report_id').notNull(),
    person: text('person').notNull(),
    measure: text('measure').notNull(),
    /** open-gap, closed-gap, prospective-gap, not-applicable. */
    status: text('status').notNull(),
  },
  (t) => [index('care_gaps_report').on(t.reportId)],
);

/** Remarks a provider adds to a gap (PATCH). A remark never changes the gap's status. */
export const gapRemarks = sqliteTable(
  'gap_remarks',
  {
    id: text('id').primaryKey(),
    gapId: text('gap_id').notNull(),
    /** completed-elsewhere, attribution-incorrect, patient-declined, other. */
    code: text('code').notNull(),
    text: text('text'),
    author: text('author').notNull(),
    organization: text('organization').notNull(),
    at: text('at').notNull(),
    /** The dispute an attribution-incorrect remark opened (attribution_disputes.id). */
    dispute: text('dispute'),
  },
  (t) => [index('gap_remarks_gap').on(t.gapId)],
);

/** Each scheduled or on-demand run of the provider reports (src/reports/run.ts): what is due is what has no finished run. */
export const reportRuns = sqliteTable('report_runs', {
  /** `{kind}:{period}`, e.g. `roster-final:2026-01`, `performance:2025-Q4`. */
  key: text('key').primaryKey(),
  startedAt: text('started_at').notNull(),
  finishedAt: text('finished_at'),
  /** How many rosters or reports it made. */
  made: integer('made'),
  /** Why it failed, in one sentence (no PHI). */
  error: text('error'),
});

export const schema = {
  notificationEvents,
  subscriptions,
  subscriptionEvents,
  resources,
  resourceHistory,
  resourceTokens,
  ingestions,
  patientLinks,
  matchKeys,
  oidcPayloads,
  accounts,
  consentLines,
  consentVersions,
  breakGlass,
  auditEvents,
  exportJobs,
  releases,
  releaseAudits,
  releaseFiles,
  privacyLedger,
  privacyBudget,
  releaseLock,
  attributions,
  webSessions,
  organizations,
  duas,
  duaVersions,
  duaLines,
  backendClients,
  participantsVersion,
  rosterVersions,
  rosterMembers,
  attributionDisputes,
  vbpContracts,
  reports,
  reportDocuments,
  careGaps,
  gapRemarks,
  reportRuns,
};
export type Schema = typeof schema;
