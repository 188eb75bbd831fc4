import type { AuditTrail } from '../audit/trail.js';
import type { Database } from '../db/database.js';
import { cryptoWords, DEFAULT_CLIPPING, DEFAULT_RULES, gateRelease, loadSolver, type Solver, type Zip3Table } from '../deid/index.js';
import { recordLedgerChange, type Operator } from './audit.js';
import { auditReportJson } from './audit-report.js';
import type { BudgetPolicy } from './budget/policy.js';
import { epsilonProblem, spendProblem } from './budget/rules.js';
import { budgetStatement, readBudget } from './budget/store.js';
import { buildFiles, sha256Hex } from './build.js';
import { claimYears, computeRelease, type Suppression } from './compute.js';
import { PublishRefused } from './errors.js';
import type { ManifestSigner } from './files/manifest.js';
import { checkDifferencing } from './guard.js';
import { LedgerBusy, withLedgerLock, type HeldLock, type LockOptions } from './lock.js';
import type { ReleaseInfo } from './release.js';
import { listReleases, releaseStatements, writeRelease } from './store.js';

export { PublishRefused } from './errors.js';

export interface PublishDeps {
  db: Database;
  signer: ManifestSigner;
  zip3: Zip3Table;
  /** The committed default (policies/privacy-budget.json) the first release binds; afterwards the database's budget rules. */
  budgetPolicy: BudgetPolicy;
  clock: () => Date;
  /** The LP/MIP solver of the disclosure audit; HiGHS from the installed package by default. */
  solver?: Solver;
  /** How an exact release chooses what to withhold (compute.ts); the gate checks whatever it chooses. */
  suppression?: Suppression;
  /** Where publishing, and every refusal of it, is recorded. */
  audit: AuditTrail;
  operator: Operator;
  newId?: () => string;
  /** How long to wait for another publisher, and what it is told while this one holds the lock. */
  lock?: Partial<Omit<LockOptions, 'purpose'>>;
}

export interface PublishRequest {
  /** Differential privacy for this release when set. */
  epsilon?: number;
  years?: number[];
}

export interface Published {
  info: ReleaseInfo;
  files: { name: string; sha256: string; bytes: number }[];
  millis: number;
  /** Set when this release bound the lifetime budget (the first release). */
  boundBudget?: number;
  /** An exact release: time in the disclosure audit, while choosing what to withhold and at the gate. */
  disclosure?: { suppressionAuditMillis: number; gateMillis: number; programs: number };
}

/**
 * Publishes a new, immutable release. Under the release ledger's lock (one publisher at a time
 * across processes): checks the request, the budget and the differencing rule, computes and
 * de-identifies the metrics, builds and signs the files, and writes the budget (first release
 * only), the release, its files, ledger entry and attribution rosters in one transaction. Every
 * outcome, published or refused, is audited. A refusal writes nothing to the database.
 */
export async function publishRelease(deps: PublishDeps, request: PublishRequest = {}): Promise<Published> {
  const started = performance.now();
  const now = deps.clock().toISOString();
  const newId = deps.newId ?? (() => crypto.randomUUID());
  const facts = [
    `mode=${request.epsilon === undefined ? 'suppression' : 'differential-privacy'}`,
    ...(request.epsilon !== undefined ? [`epsilon=${request.epsilon}`] : []),
    ...(request.years ? [`years=${request.years.join(',')}`] : []),
    ...(deps.operator.osUser ? [`os-user=${deps.operator.osUser}`] : []),
  ];
  try {
    const invalid = requestProblem(request);
    if (invalid) throw new PublishRefused(invalid);
    const published = await withLedgerLock(deps.db, { holder: `publish by ${deps.operator.id}`, ...deps.lock, purpose: 'publish' }, (lock) =>
      publishHoldingLock(deps, request, now, lock),
    );
    await recordLedgerChange(deps.audit, newId, {
      action: 'publish',
      when: now,
      operator: deps.operator,
      target: published.info.id,
      facts: [
        ...facts,
        `years-published=${published.info.years.join(',')}`,
        ...(published.boundBudget !== undefined ? [`bound-budget=${published.boundBudget}`] : []),
      ],
    });
    return { ...published, millis: performance.now() - started };
  } catch (err) {
    if (err instanceof PublishRefused || err instanceof LedgerBusy)
      await recordLedgerChange(deps.audit, newId, { action: 'publish', when: now, operator: deps.operator, target: 'release', facts, refused: err.message });
    throw err;
  }
}

async function publishHoldingLock(deps: PublishDeps, request: PublishRequest, now: string, lock: HeldLock): Promise<Omit<Published, 'millis'>> {
  const previous = await listReleases(deps.db);
  const mode = request.epsilon === undefined ? 'suppression' : 'differential-privacy';
  const budget = await readBudget(deps.db);
  // The first release binds the committed default; from then on the database's figure is the budget.
  const lifetimeBudget = budget.current?.epsilon ?? deps.budgetPolicy.epsilon;
  if (request.epsilon !== undefined) {
    const over = spendProblem(lifetimeBudget, budget.spent, request.epsilon);
    if (over) throw new PublishRefused(over);
  }
  const years = await yearsToPublish(deps.db, request.years ?? (mode === 'differential-privacy' ? defaultNoisyYears(previous, now) : undefined), now);
  const guard = checkDifferencing(previous, mode, years);
  if (!guard.ok) throw new PublishRefused(guard.message);

  const solver = deps.solver ?? (await loadSolver());
  const computed = await computeRelease(deps.db, {
    solver,
    ...(deps.suppression ? { suppression: deps.suppression } : {}),
    now,
    zip3: deps.zip3,
    years,
    ...(request.epsilon !== undefined ? { privacy: { epsilon: request.epsilon, clipping: DEFAULT_CLIPPING }, words: cryptoWords() } : {}),
  });
  // The gate: an exact release is published only if the disclosure audit, run afresh over the
  // release as it would be published, finds every withheld value protected.
  const gateStarted = performance.now();
  const gate = computed.exact ? gateRelease(solver, computed.exact, computed.cells, DEFAULT_RULES) : undefined;
  const gateMillis = performance.now() - gateStarted;
  if (gate && !gate.ok)
    throw new PublishRefused(
      `The disclosure audit refused this release: ${gate.problems.slice(0, 3).join('; ')}${gate.problems.length > 3 ? `; and ${gate.problems.length - 3} more` : ''}. Nothing was published.`,
    );
  await lock.renew();
  const version = (previous[0]?.version ?? 0) + 1;
  const info: ReleaseInfo = {
    id: `v${version}`,
    version,
    issued: now,
    years: computed.years,
    mode,
    population: computed.population,
    zip3Vintage: deps.zip3.vintage,
    ...(computed.privacy ? { privacy: { ...computed.privacy, lifetimeBudget, spentBefore: budget.spent }, clipping: DEFAULT_CLIPPING } : {}),
  };
  const files = await buildFiles(info, computed.cells, deps.signer);
  const stored = await Promise.all(
    files.map(async (f) => ({ ...f, sha256: await sha256Hex(f.content), bytes: new TextEncoder().encode(f.content).byteLength })),
  );
  await lock.renew();
  const bind = budget.current
    ? undefined
    : budgetStatement(deps.db, {
        epsilon: lifetimeBudget,
        previous: null,
        spent: budget.spent,
        source: 'policy',
        operator: `${deps.operator.via}:${deps.operator.id}`,
        reason: `Bound by the first release (${info.id}) from ${deps.budgetPolicy.file}: ${deps.budgetPolicy.reason}`,
        recorded: now,
      });
  await writeRelease(
    deps.db,
    info.id,
    releaseStatements(
      deps.db,
      {
        id: info.id,
        version,
        issued: now,
        mode,
        years: info.years,
        epsilon: request.epsilon ?? null,
        manifestJws: files.find((f) => f.name === 'manifest.jws')!.content,
      },
      stored,
      computed.privacy && request.epsilon !== undefined
        ? { epsilon: request.epsilon, lifetimeBudget, recorded: now, mechanism: computed.privacy.mechanism }
        : undefined,
      computed.attributions,
      bind,
      gate ? auditReportJson(gate) : undefined,
    ),
  );
  const disclosure =
    gate && computed.audit
      ? {
          suppressionAuditMillis: computed.audit.millis.linear + computed.audit.millis.integer,
          gateMillis,
          programs: computed.audit.programs + gate.audit.programs,
        }
      : undefined;
  return {
    info,
    files: stored.map(({ name, sha256, bytes }) => ({ name, sha256, bytes })),
    ...(bind ? { boundBudget: lifetimeBudget } : {}),
    ...(disclosure ? { disclosure } : {}),
  };
}

/** An epsilon that is a positive number, years that are calendar years: anything else is refused before the lock is taken. */
function requestProblem(request: PublishRequest): string | undefined {
  if (request.epsilon !== undefined) {
    const problem = epsilonProblem(request.epsilon, 'epsilon');
    if (problem) return problem;
  }
  if (request.years !== undefined) {
    if (request.years.length === 0) return 'years must name at least one calendar year';
    if (!request.years.every((y) => Number.isInteger(y) && y >= 1900 && y <= 2200)) return 'years must be calendar years, such as 2024,2025';
  }
  return undefined;
}

/**
 * The years of a differentially private release, when none are asked for: those already
 * published (public), or else the last complete calendar year (the clock's). Never taken from the
 * data: one person's claim in another year would add that year, every row of it, and change how
 * the budget is split.
 */
function defaultNoisyYears(previous: readonly { years: readonly number[] }[], now: string): number[] {
  const years = [...new Set(previous.flatMap((r) => r.years))].sort((a, b) => a - b);
  return years.length > 0 ? years : [Number(now.slice(0, 4)) - 1];
}

/** The years asked for, each of which must have claims; by default every year with claims up to now. */
async function yearsToPublish(db: Database, asked: readonly number[] | undefined, now: string): Promise<number[]> {
  const nowYear = Number(now.slice(0, 4));
  const available = (await claimYears(db)).filter((y) => y <= nowYear);
  if (available.length === 0) throw new PublishRefused('there is no claims data to publish');
  if (!asked) return available;
  const missing = asked.filter((y) => !available.includes(y));
  if (missing.length > 0)
    throw new PublishRefused(
      `there is no claims data for ${missing.join(', ')} (years with data: ${available.join(', ')}); nothing to publish for ${missing.length === 1 ? 'it' : 'them'}`,
    );
  return [...new Set(asked)].sort((a, b) => a - b);
}
