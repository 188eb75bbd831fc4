import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import type { AppDeps } from '../http/env.js';
import { defaultCodeLists } from '../labels/index.js';

/** Dependencies for a process on this machine: the real clock, random UUIDs, JSON lines on stderr. */
export function nodeDeps(db: Database, config: Config): AppDeps {
  return {
    db,
    config,
    clock: () => new Date(),
    codeLists: defaultCodeLists,
    newId: () => crypto.randomUUID(),
    log: (event, detail) => process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), event, ...detail })}\n`),
  };
}
