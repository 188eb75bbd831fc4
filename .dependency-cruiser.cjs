/**
 * The layers, checked on every `npm test` (npm run deps:check). The arrows point one way:
 * HTTP handlers and pages -> the gate and domain folders -> db, with the FHIR vocabulary a
 * leaf everyone may import. See README "Architecture".
 */
const NODE_ONLY_PACKAGES = 'node_modules/(better-sqlite3|oidc-provider|@hono/node-server)/';
// Where Node-only code may live: the Node entry point and what only it loads.
const NODE_SIDE =
  '^src/(entry/(node|bootstrap|deps|ingest-file|keys-on-disk|policy-files|publisher|startup-error)\\.ts|cli/|authz-server/|db/sqlite(-staging)?\\.ts|db/sqlite-writer\\.worker\\.mjs)';
// Raw record access: the gate (and the domain code it calls) reads through these; handlers and pages never do.
const STORAGE = '^src/(db/|store/(read|write|plan)\\.ts|search/sql\\.ts|consent/(engine|decide|view|store)\\.ts)|node_modules/drizzle-orm/';

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'Import cycles hide which layer depends on which.', from: { path: '^src/' }, to: { circular: true } },
    {
      name: 'app-runs-on-workers',
      severity: 'error',
      comment: 'The app (and the Worker entry) must not reach Node-only modules; only the Node entry point and its helpers may.',
      from: { path: '^src/', pathNot: NODE_SIDE },
      to: { dependencyTypes: ['core'] },
    },
    { name: 'app-runs-on-workers-packages', severity: 'error', from: { path: '^src/', pathNot: NODE_SIDE }, to: { path: NODE_ONLY_PACKAGES } },
    {
      name: 'handlers-and-pages-use-the-gate',
      severity: 'error',
      comment: 'Routes and pages parse, call the gate (or the FHIR API) and render: never the ORM, the schema, raw reads or the consent engine.',
      from: { path: '^src/(api|web)/' },
      to: { path: STORAGE },
    },
    {
      name: 'domain-knows-no-http',
      severity: 'error',
      comment: 'Domain folders are called by HTTP handlers, never the other way round.',
      from: { path: '^src/', pathNot: '^src/(api|http|web|entry|authz-server|app\\.ts|app-env\\.ts)' },
      to: { path: '^src/(api|http|web)/|node_modules/hono/' },
    },
    {
      name: 'fhir-vocabulary-is-a-leaf',
      severity: 'error',
      comment: 'src/fhir holds types, errors, ids and references: everyone imports it, it imports nothing of ours.',
      from: { path: '^src/fhir/' },
      to: { path: '^src/(?!fhir/)' },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A module nothing imports is dead code (entry points and CLIs excepted).',
      from: { orphan: true, path: '^src/', pathNot: '^src/(entry/(node|worker)\\.ts|cli/|.*\\.d\\.ts$)' },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    // Type-only imports count: a page that imports the schema's types still depends on it.
    exclude: { path: '^(test|bench)/' },
  },
};
