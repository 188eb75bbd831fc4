import { publicJwks } from '../keys/index.js';
import { anchorSigner, startAnchoring } from '../audit/anchors.js';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { count } from 'drizzle-orm';
import type Provider from 'oidc-provider';
import type { Hono } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { configWarnings, type Config } from '../config/config.js';
import { resources } from '../db/schema.js';
import { openSqlite, type SqliteDatabase } from '../db/sqlite.js';
import type { AppDeps } from '../app-env.js';
import { markInterruptedIngestions } from '../store/write.js';
import { generateRegion, type NamedPerson, type Region } from '../synthetic/index.js';
import { provisionAccounts } from '../authz-server/accounts.js';
import { publicAppMetadata, registeredClientMetadata } from '../authz-server/clients.js';
import { interactionRoutes } from '../authz-server/interactions.js';
import { LoginLimiter } from '../authz-server/login-limiter.js';
import { createProvider } from '../authz-server/provider.js';
import { sweepExpired } from '../authz-server/adapter.js';
import { ConsentEngine } from '../consent/engine.js';
import { loadPolicies } from '../consent/policies.js';
import { createReceiptSigner } from '../consent/receipt.js';
import { nodeDeps } from './deps.js';
import { readPolicyFiles } from './policy-files.js';
import { ingestFile } from './ingest-file.js';
import { loadClientKeys, loadCookieKeys, loadSigningKeys } from './keys-on-disk.js';
import { publishDeps } from './publisher.js';
import { progressCounter, type ProgressSink } from './progress.js';
import { fileProblem, makeDirectory } from './startup-error.js';
import { listReleases } from '../release/store.js';
import { publishRelease, PublishRefused } from '../release/publish.js';
import { startAdtFeed, type AdtFeed } from '../synthetic/adt-feed.js';
import { seedDemoSubscriptions } from '../subscriptions/demo-subscriptions.js';
import { seedContracts } from '../performance/seed.js';
import { startReportSchedule } from './report-schedule.js';
import { developmentSeed, fixtureParticipants, parseDuaCsv, participantOps, ParticipantRegistry, readParticipants } from '../participants/index.js';

/** ID tokens live an hour, the longest of anything signed, so a replaced key is published at least that long. */
const LONGEST_TOKEN_SECONDS = 3600;

export interface Booted {
  db: SqliteDatabase;
  deps: AppDeps;
  provider: Provider;
  interactions: Hono<{ Bindings: HttpBindings }>;
  notes: string[];
  stop: () => void;
}

/**
 * Everything `npm start` does before it serves: config, database, keys, clients, accounts, and the
 * synthetic region on an empty database. The long steps of a first start (generating and loading
 * the region, publishing its first release) report to `progress` as they go; everything else is
 * in the returned notes.
 */
export async function bootstrap(config: Config, progress: ProgressSink = () => {}): Promise<Booted> {
  const notes = configWarnings(config).map((w) => `WARNING: ${w}`);
  await makeDirectory(config.dataDir).catch((err) => Promise.reject(fileProblem(err, 'DATA_DIR', config.dataDir)));
  const db = openDataFile(config, 'gateway.db');
  const now = new Date();
  const interrupted = await markInterruptedIngestions(db, now.toISOString()).catch((err) =>
    Promise.reject(fileProblem(err, 'DATA_DIR', join(config.dataDir, 'gateway.db'))),
  );
  if (interrupted > 0) notes.push(`${interrupted} ingestion(s) interrupted by an earlier stop were marked 'interrupted'; their committed chunks stand.`);

  const ring = await loadSigningKeys(config.keysDir, now, LONGEST_TOKEN_SECONDS, { generateIfNone: config.mode === 'development' });
  if (ring.generated) notes.push(`Generated a signing key in ${config.keysDir}/`);
  // The audit trail lives in its own file (audit.db), so its constant commits do not wake the
  // consent engine's change check on the data file. synchronous = FULL: a response leaves only
  // once its event would survive a power cut, not only the process dying. Its commits (and their
  // fsync) run on a writer thread, so the event loop serves other requests meanwhile, whose
  // events gather into the next commit.
  const auditDb = openDataFile(config, 'audit.db', { synchronous: 'FULL', commits: 'thread' });
  const policyTexts = await readPolicyFiles();
  // Agreements and backend clients come from the database, re-read when they change (src/participants/).
  const participants = await ParticipantRegistry.open(db, await loadPolicies(policyTexts), policyTexts.duaModel);
  // Access tokens verify only against live keys; retired ones are published for receipts and manifests.
  const deps = { ...nodeDeps(db, config, new ConsentEngine(db, participants, () => new Date()), ring.live, auditDb), participants };
  deps.signer = createReceiptSigner(ring.signing.privateJwk, config.baseUrl);
  deps.anchorKeys = publicJwks(ring.published);

  if (config.mode === 'development') {
    // Participants first: the region's Coverages are accepted only from registered payer sources.
    await seedDevelopmentParticipants(config, deps, policyTexts.duas, notes);
    await loadDevelopmentFixtures(config, deps, db, notes, progress);
    notes.push(`Value-based contracts (VBPR): ${await seedContracts(db)} from fixtures/vbp-contracts.json`);
    // So that /public/data.json is never empty: the fixture region's first release.
    if ((await listReleases(db)).length === 0) {
      progress('publishing the first release of the synthetic region: metrics, suppression and its disclosure audit (about 15 to 30 s per year of claims)...');
      // A release the disclosure audit refuses is not published, and the gateway still starts:
      // the operator is told why in one sentence (the refusal is in the audit trail).
      const published = await publishRelease(publishDeps(db, ring.signing.privateJwk, deps.audit, { via: 'start', id: 'development start-up' })).catch(
        (err: unknown) => {
          if (err instanceof PublishRefused) return err;
          throw err;
        },
      );
      if (published instanceof PublishRefused) notes.push(`No release was published at start-up: ${published.message} (npm run publish to try again)`);
      else
        notes.push(
          `Published release ${published.info.id} of the synthetic region (${published.info.years.join(', ')}) in ${(published.millis / 1000).toFixed(1)} s` +
            (published.boundBudget !== undefined ? `; lifetime privacy budget bound: epsilon ${published.boundBudget} (npm run budget -- show)` : ''),
        );
    }
  }

  if ((await readParticipants(db)).organizations.length === 0) {
    notes.push(
      'No participants are registered yet: no backend client is accepted until an operator registers one. Add the first with:\n' +
        '  npm run participants -- add-org --reference Organization/<id> --name "<name>" --kind provider\n' +
        '  (then add-dua and add-client; npm run participants -- help)',
    );
  }

  const fhirBase = `${config.baseUrl}/fhir`;
  const provider = createProvider({
    issuer: config.issuer,
    fhirBase,
    otherFhirBases: config.trustedGateways.map((o) => `${o}/fhir`),
    db,
    clock: deps.clock,
    // oidc-provider publishes every key it holds and signs with the first that may sign, so all
    // but the signing key are marked verification-only.
    signingKeys: ring.published.map((k) => (k === ring.signing ? k.privateJwk : { ...k.privateJwk, key_ops: ['verify'] })),
    clients: publicAppMetadata(config.baseUrl, config.trustedGateways),
    findClient: (id) => registeredClientMetadata(db, id),
    cookieKeys: await loadCookieKeys(config.keysDir),
    accessTokenTtl: config.accessTokenTtl,
    refreshTokenTtl: config.refreshTokenTtl,
  });
  const limiter = new LoginLimiter({ windowMs: 15 * 60_000, perAccount: 5, perAddress: 20, clock: Date.now });
  const otherFhirBases = config.trustedGateways.map((o) => `${o}/fhir`);
  const interactions = interactionRoutes({ provider, db, fhirBase, otherFhirBases, limiter, log: deps.log });
  // Signed anchors of the audit chain, every minute, published at /public/audit-anchors.
  const anchoring = startAnchoring(auditDb, anchorSigner(ring.signing.privateJwk, config.baseUrl), deps.clock, (err) =>
    deps.log('audit-anchor-failed', { message: err instanceof Error ? err.message : String(err) }),
  );
  const sweeper = setInterval(() => void sweepExpired(db, deps.clock), 10 * 60_000);
  sweeper.unref();
  const reportSchedule = await startReportSchedule(config, deps, notes, progress);
  const feed = await startDemo(config, deps, notes);
  return {
    db,
    deps,
    provider,
    interactions,
    notes,
    stop: () => {
      anchoring.stop();
      clearInterval(sweeper);
      reportSchedule.stop();
      void feed?.stop();
      auditDb.close();
    },
  };
}

/**
 * Development only: the region's hospitals go on sending admissions and discharges while the
 * gateway runs, and each demo clinic is subscribed to them at the demo receiver, so
 * notifications are seen flowing (DEMO_FEED_SECONDS=0 turns both off).
 */
async function startDemo(config: Config, deps: AppDeps, notes: string[]): Promise<AdtFeed | undefined> {
  if (config.mode !== 'development' || config.demoFeedSeconds === 0) return undefined;
  const created = await seedDemoSubscriptions(deps.db, { baseUrl: config.baseUrl, clock: deps.clock, newId: deps.newId });
  notes.push(
    `Demo ADT feed: the synthetic hospitals send an ED visit or admission for a demo clinic's patient every ${config.demoFeedSeconds} s, discharged seconds later (DEMO_FEED_SECONDS=0 turns it off).`,
    `Demo receiver: each demo clinic is subscribed to every topic${created > 0 ? ` (${created} subscriptions created)` : ''}; deliveries are listed at ${config.baseUrl}/dev/receiver`,
  );
  return startAdtFeed(deps, { everySeconds: config.demoFeedSeconds, log: (line) => deps.log('demo-feed', { line }) });
}

/** Opens and migrates a database file in DATA_DIR; a damaged file, or one that cannot be created, is a StartupError. */
function openDataFile(config: Config, name: string, options?: Parameters<typeof openSqlite>[1]): SqliteDatabase {
  const path = join(config.dataDir, name);
  try {
    return openSqlite(path, options);
  } catch (err) {
    throw fileProblem(err, 'DATA_DIR', path);
  }
}

/** Development only: the synthetic region on an empty database, and the fixture accounts with the dev password. */
async function loadDevelopmentFixtures(config: Config, deps: AppDeps, db: SqliteDatabase, notes: string[], progress: ProgressSink): Promise<void> {
  const [{ n }] = (await db.orm.select({ n: count() }).from(resources)) as [{ n: number }];
  const fixtureFiles = await ensureFixtures(config, progress);
  if (n === 0) {
    const started = performance.now();
    const tick = progressCounter(
      progress,
      'loading synthetic region',
      fixtureFiles.reduce((sum, f) => sum + f.resources, 0),
      'resources',
    );
    let loaded = 0;
    let sources = 0;
    const report = () => tick(loaded, `${sources} / ${fixtureFiles.length} sources, ${((performance.now() - started) / 1000).toFixed(0)} s`);
    // A large source file is one transaction that takes a while; the line repeats meanwhile (ingest yields between steps).
    const heartbeat = setInterval(report, 1000);
    let written = 0;
    try {
      for (const file of fixtureFiles) {
        const result = await ingestFile(deps, file.path);
        written += result.outcomes.filter((o) => o.ok && o.changed).length;
        loaded += file.resources;
        sources++;
        report();
      }
    } finally {
      clearInterval(heartbeat);
    }
    notes.push(
      `Loaded the synthetic region (${config.fixturePatients} patients, seed ${config.fixtureSeed}): ${written} resources in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  const people = JSON.parse(await readFile(join(config.fixturesDir, 'people.json'), 'utf8')) as NamedPerson[];
  const created = await provisionAccounts(db, people, config.devPassword);
  if (created > 0) notes.push(`Created ${created} fixture accounts (${people.map((p) => p.username).join(', ')}).`);
}

/**
 * Development only: the synthetic region's organizations, backend clients (with the dev key
 * pairs in KEYS_DIR/clients/) and the DUAs of policies/duas.csv, registered where missing.
 */
async function seedDevelopmentParticipants(config: Config, deps: AppDeps, duasCsv: string, notes: string[]): Promise<void> {
  const fixture = fixtureParticipants();
  const keys = await loadClientKeys(
    join(config.keysDir, 'clients'),
    fixture.clients.map((c) => c.clientId),
  );
  const ops = participantOps({ db: deps.db, audit: deps.audit, clock: deps.clock, newId: deps.newId, changed: () => deps.participants!.changed() });
  const clients = fixture.clients.map((c) => ({ ...c, jwks: { keys: [keys.get(c.clientId)!.publicJwk] } }));
  const created = await developmentSeed(ops, { organizations: fixture.organizations, duas: parseDuaCsv(duasCsv), clients });
  if (created.organizations + created.duaVersions + created.clients > 0) {
    notes.push(
      `Registered the synthetic region's participants: ${created.organizations} organizations, ${created.duaVersions} DUA versions (policies/duas.csv), ${created.clients} backend clients (keys in ${config.keysDir}/clients/).`,
    );
  }
}

/** The fixture files for the configured size and seed (with how many resources each holds), generated if they are not already on disk. */
export async function ensureFixtures(config: Config, progress: ProgressSink = () => {}): Promise<{ path: string; resources: number }[]> {
  const manifestPath = join(config.fixturesDir, 'manifest.json');
  const filesOf = (manifest: Region['manifest']) =>
    manifest.files.map((f) => ({ path: join(config.fixturesDir, f.fileName), resources: Object.values(f.resources).reduce((a, b) => a + b, 0) }));
  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Region['manifest'];
    if (manifest.patients === config.fixturePatients && manifest.seed === config.fixtureSeed) return filesOf(manifest);
  }
  const region = generateRegion({
    patients: config.fixturePatients,
    seed: config.fixtureSeed,
    onPatient: progressCounter(progress, 'generating synthetic region', config.fixturePatients, 'patients'),
  });
  progress(`writing the synthetic region's source files to ${config.fixturesDir}/`);
  await writeRegion(region, config.fixturesDir);
  return filesOf(region.manifest);
}

export async function writeRegion(region: Region, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const source of region.sources) await writeFile(join(dir, source.fileName), JSON.stringify(source.bundle));
  await writeFile(join(dir, 'people.json'), JSON.stringify(region.people, null, 2));
  await writeFile(join(dir, 'truth.json'), JSON.stringify(region.truth));
  // The manifest last: its presence says the set is complete.
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(region.manifest, null, 2));
}
