/**
 * A gateway's delivery, alone in a process of its own, over an existing database file: the
 * same runtime the Node entry starts (src/subscriptions/runtime.ts), with the same consent
 * engine and audit log, so a test can SIGKILL it mid-delivery and start another. Usage:
 * `node --import tsx test/subscriptions/deliverer-process.ts <gateway.db>`.
 */
import { AuditLog } from '../../src/audit/log.js';
import { ConsentEngine } from '../../src/consent/engine.js';
import { loadPolicies } from '../../src/consent/policies.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { readPolicyFiles } from '../../src/entry/policy-files.js';
import { defaultCodeLists } from '../../src/labels/index.js';
import { ParticipantRegistry } from '../../src/participants/index.js';
import { createNotifier } from '../../src/subscriptions/runtime.js';

const db = openSqlite(process.argv[2]!);
const texts = await readPolicyFiles();
const participants = await ParticipantRegistry.open(db, await loadPolicies(texts), texts.duaModel);
const clock = () => new Date();
const notifier = createNotifier(
  {
    db,
    consent: new ConsentEngine(db, participants, clock),
    audit: new AuditLog(db),
    clock,
    newId: () => crypto.randomUUID(),
    codeLists: defaultCodeLists,
    fhirBase: 'http://gateway.test/fhir',
  },
  {
    holder: `deliverer pid ${process.pid}`,
    pollMs: 20,
    leaseTtlMs: Number(process.env.LEASE_TTL_MS ?? 2000),
    log: (e, d) => console.error(e, JSON.stringify(d)),
  },
);
notifier.start();
console.log('delivering');
process.on('SIGTERM', () => void notifier.stop().finally(() => (db.close(), process.exit(0))));
