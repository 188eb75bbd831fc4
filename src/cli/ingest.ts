import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/config.js';
import { openSqlite } from '../db/sqlite.js';
import { ingestFile } from '../entry/ingest-file.js';
import { FhirError } from '../fhir/errors.js';
import { defaultCodeLists } from '../labels/index.js';
import { markInterruptedIngestions } from '../store/write.js';

const usage = 'usage: npm run ingest -- <file.json|file.ndjson>... [--source <uri>]';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { source: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help || positionals.length === 0) {
    console.error(usage);
    return values.help ? 0 : 2;
  }
  const config = loadConfig(process.env);
  await mkdir(config.dataDir, { recursive: true });
  const db = openSqlite(join(config.dataDir, 'gateway.db'));
  const deps = { db, codeLists: defaultCodeLists, clock: () => new Date(), newId: () => crypto.randomUUID() };
  await markInterruptedIngestions(db, deps.clock().toISOString());
  let failed = false;
  try {
    for (const path of positionals) {
      const started = performance.now();
      try {
        const { outcomes } = await ingestFile(deps, path, values.source);
        const seconds = (performance.now() - started) / 1000;
        const written = outcomes.filter((o) => o.ok && o.changed).length;
        const unchanged = outcomes.filter((o) => o.ok && !o.changed).length;
        const rejected = outcomes.filter((o) => !o.ok);
        console.log(
          `${path}: ${written} written, ${unchanged} unchanged, ${rejected.length} rejected in ${seconds.toFixed(2)} s (${Math.round(outcomes.length / seconds)} resources/s)`,
        );
        for (const r of rejected.slice(0, 10)) if (!r.ok) console.log(`  entry ${r.index}: ${r.issues.map((i) => i.diagnostics).join('; ')}`);
        if (rejected.length > 10) console.log(`  … and ${rejected.length - 10} more`);
        failed ||= rejected.length > 0;
      } catch (err) {
        if (!(err instanceof FhirError)) throw err;
        failed = true;
        console.error(`${path}: nothing written:`);
        for (const issue of err.issues.slice(0, 20)) console.error(`  ${issue.expression ? `${issue.expression}: ` : ''}${issue.diagnostics}`);
      }
    }
  } finally {
    db.close();
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  },
);
