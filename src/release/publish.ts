import type { Database } from '../db/database.js';
import { checkBudget, cryptoWords, DEFAULT_CLIPPING, type Zip3Table } from '../deid/index.js';
import { buildFiles, sha256Hex } from './build.js';
import { computeRelease } from './compute.js';
import type { ManifestSigner } from './files/manifest.js';
import { checkDifferencing } from './guard.js';
import type { ReleaseInfo } from './release.js';
import { listReleases, readLedger, releaseStatements } from './store.js';

export interface PublishDeps {
  db: Database;
  signer: ManifestSigner;
  baseUrl: string;
  zip3: Zip3Table;
  /** Lifetime privacy budget (epsilon) across all releases. */
  lifetimeEpsilon: number;
  clock: () => Date;
}

export interface PublishRequest {
  /** Differential privacy for this release when set. */
  epsilon?: number;
  years?: number[];
}

export class PublishRefused extends Error {
  readonly code = 'publish-refused';
}

export interface Published {
  info: ReleaseInfo;
  files: { name: string; sha256: string; bytes: number }[];
  millis: number;
}

/**
 * Publishes a new, immutable release: checks the differencing rule and the privacy budget,
 * computes and de-identifies the metrics, builds and signs the files, and writes release, files,
 * ledger entry and attribution rosters in one transaction. Serialised, so two publishers cannot
 * take the same version number or both spend the last of the budget.
 */
export async function publishRelease(deps: PublishDeps, request: PublishRequest = {}): Promise<Published> {
  const started = performance.now();
  return deps.db.exclusive(async () => {
    const now = deps.clock().toISOString();
    const previous = await listReleases(deps.db);
    const mode = request.epsilon === undefined ? 'suppression' : 'differential-privacy';
    const ledger = await readLedger(deps.db);
    let spentBefore = 0;
    if (request.epsilon !== undefined) {
      const budget = checkBudget(
        ledger.map((l) => ({ release: l.releaseId, epsilon: l.epsilon })),
        request.epsilon,
        deps.lifetimeEpsilon,
      );
      if (!budget.ok) throw new PublishRefused(budget.message);
      spentBefore = budget.spent;
    }
    const computed = await computeRelease(deps.db, {
      now,
      zip3: deps.zip3,
      ...(request.years ? { years: request.years } : {}),
      ...(request.epsilon !== undefined ? { privacy: { epsilon: request.epsilon, clipping: DEFAULT_CLIPPING }, words: cryptoWords() } : {}),
    });
    if (computed.years.length === 0) throw new PublishRefused('there is no claims data to publish');
    const guard = checkDifferencing(previous, mode, computed.years);
    if (!guard.ok) throw new PublishRefused(guard.message);
    const version = (previous[0]?.version ?? 0) + 1;
    const info: ReleaseInfo = {
      id: `v${version}`,
      version,
      issued: now,
      baseUrl: deps.baseUrl,
      years: computed.years,
      mode,
      population: computed.population,
      zip3Vintage: deps.zip3.vintage,
      ...(computed.privacy ? { privacy: { ...computed.privacy, lifetimeBudget: deps.lifetimeEpsilon, spentBefore }, clipping: DEFAULT_CLIPPING } : {}),
    };
    const files = await buildFiles(info, computed.cells, deps.signer);
    const stored = await Promise.all(
      files.map(async (f) => ({ ...f, sha256: await sha256Hex(f.content), bytes: new TextEncoder().encode(f.content).byteLength })),
    );
    await deps.db.atomic(
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
        request.epsilon !== undefined
          ? { epsilon: request.epsilon, lifetimeBudget: deps.lifetimeEpsilon, recorded: now, mechanism: 'discrete-gaussian-zcdp' }
          : undefined,
        computed.attributions,
      ),
    );
    return { info, files: stored.map(({ name, sha256, bytes }) => ({ name, sha256, bytes })), millis: performance.now() - started };
  });
}
