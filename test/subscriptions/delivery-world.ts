import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterEach } from 'vitest';
import type { Notifier } from '../../src/subscriptions/runtime.js';
import type { Database } from '../../src/db/database.js';
import { ingest, readBundle } from '../../src/ingest/index.js';
import { newSecret } from '../../src/subscriptions/sign.js';
import { insertSubscription, outboxHead, readySubscription, type SubscriptionFilter } from '../../src/subscriptions/store.js';
import { bundle, patient, putEntry, SOURCE_A } from '../helpers/fhir.js';
import { exportJWK, generateKeyPair } from 'jose';
import { createReceiptSigner } from '../../src/consent/receipt.js';
import { writeConsent } from '../../src/consent/write.js';
import type { SqliteDatabase } from '../../src/db/sqlite.js';
import { resolvePerson } from '../../src/store/read.js';
import type { DeliveryDeps } from '../../src/subscriptions/deliver.js';
import { patientSelf } from '../consent/helpers.js';
import { tempDb, testDeps } from '../helpers/db.js';
import { registerFixtureParticipants } from '../helpers/participants.js';
import { consentFor } from '../helpers/scenario.js';
import { attributeTo } from '../helpers/attribution.js';

const ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

/** What a receiver saw of one notification: verified, parsed. */
export interface Received {
  messageId: string;
  type: string;
  eventsSinceStart: number;
  numbers: number[];
  focus: (string | undefined)[];
  bundle: { entry: { fullUrl?: string; resource?: { resourceType: string } }[]; meta?: { security?: { code: string }[] } };
  answered: number;
}

export type ReceiverMode = 'ok' | 'fail' | 'hang';

/**
 * A subscriber's endpoint on loopback (node:http, port 0) that verifies every notification's
 * signature with the Standard Webhooks reference library and records what it confirmed.
 * `down()` closes the port; `up()` listens on the same port again.
 */
export async function startReceiver(secret: string) {
  const webhook = new Webhook(secret);
  const received: Received[] = [];
  let mode: ReceiverMode = 'ok';
  let delayMs = 0;
  const bad: string[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void answer());
    const answer = async () => {
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        webhook.verify(body, req.headers as Record<string, string>);
      } catch (err) {
        bad.push(String(err));
        res.writeHead(401).end();
        return;
      }
      if (mode === 'hang') return; // never answers: the gateway's timeout must give up
      const answered = mode === 'ok' ? 200 : 500;
      const b = JSON.parse(body) as Received['bundle'] & {
        entry: {
          resource: {
            parameter: {
              name: string;
              valueCode?: string;
              valueString?: string;
              part?: { name: string; valueString?: string; valueReference?: { reference: string } }[];
            }[];
          };
        }[];
      };
      const params = b.entry[0]!.resource.parameter;
      const events = params.filter((p) => p.name === 'notification-event');
      received.push({
        messageId: String(req.headers['webhook-id']),
        type: params.find((p) => p.name === 'type')!.valueCode!,
        eventsSinceStart: Number(params.find((p) => p.name === 'events-since-subscription-start')!.valueString),
        numbers: events.map((e) => Number(e.part!.find((p) => p.name === 'event-number')!.valueString)),
        focus: events.map((e) => e.part!.find((p) => p.name === 'focus')?.valueReference?.reference),
        bundle: b,
        answered,
      });
      res.writeHead(answered).end();
    };
  };
  let server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    bad,
    set mode(m: ReceiverMode) {
      mode = m;
    },
    /** How long it takes to answer: a slow receiver keeps a delivery in flight, for a kill to land in. */
    set delayMs(ms: number) {
      delayMs = ms;
    },
    /** The event numbers it confirmed (answered 2xx to), in arrival order. */
    confirmed: () => received.filter((r) => r.answered === 200 && r.type === 'event-notification').flatMap((r) => r.numbers),
    async down() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
    async up() {
      server = createServer(handler);
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** The notifier and receivers a test file's tests open, stopped and closed after each test. */
export function openedPerTest() {
  const open: { notifier?: Notifier; receivers: Receiver[] } = { receivers: [] };
  afterEach(async () => {
    await open.notifier?.stop();
    open.notifier = undefined;
    for (const r of open.receivers.splice(0)) await r.close().catch(() => undefined);
  });
  const receiver = async (secret: string) => {
    const r = await startReceiver(secret);
    open.receivers.push(r);
    return r;
  };
  return { open, receiver };
}

export const hoursAgo = (now: Date, h: number) => new Date(now.getTime() - h * 3_600_000).toISOString();

/** An Encounter as a hospital (source A) sends it. */
export function encounter(id: string, patientId: string, fields: { status: string; cls?: string; start: string; end?: string }) {
  return {
    resourceType: 'Encounter',
    id,
    meta: { source: SOURCE_A },
    status: fields.status,
    class: { system: ACT, code: fields.cls ?? 'EMER' },
    subject: { reference: `Patient/${patientId}` },
    period: { start: fields.start, ...(fields.end ? { end: fields.end } : {}) },
  };
}

/** Through the real ingest, as the hospital's feed arrives. */
export async function send(deps: ReturnType<typeof testDeps>, entries: unknown[]) {
  const b = readBundle(bundle('transaction', entries));
  if (Array.isArray(b)) throw new Error(JSON.stringify(b));
  return ingest(deps, { source: SOURCE_A, channel: 'transaction', mode: 'transaction', entries: b.entries });
}

/** A patient of her own: distinct demographics, so matching does not link her to the others. */
export const patientEntry = (id: string, n = [...id].reduce((a, c) => a * 31 + c.charCodeAt(0), 7) % 9000) =>
  putEntry(
    patient(id, {
      name: [{ family: `Family${n}`, given: [`Given${n}`] }],
      birthDate: `19${String(10 + (n % 80)).padStart(2, '0')}-0${1 + (n % 9)}-1${n % 10}`,
    }),
  );
export { putEntry };

/**
 * A subscription row as the Subscription API (another part of issue 15) stores it, written
 * straight with store.ts: active (its handshake done), starting at the outbox's current head.
 */
export async function subscribe(
  db: Database,
  opts: {
    id: string;
    endpoint: string;
    secret?: string;
    organization?: string;
    dua?: string;
    topic?: string;
    filters?: SubscriptionFilter[];
    maxCount?: number;
    payload?: string;
    heartbeatSeconds?: number;
    timeoutSeconds?: number;
    created?: string;
  },
) {
  const secret = opts.secret ?? newSecret();
  const created = opts.created ?? new Date().toISOString();
  await insertSubscription(
    db,
    readySubscription(
      {
        id: opts.id,
        organization: opts.organization ?? 'Organization/clinic-oak-org',
        owner: 'clinic-oak-backend',
        dua: opts.dua ?? 'dua-clinic-oak',
        topic: opts.topic ?? 'encounter-start',
        filters: JSON.stringify(opts.filters ?? []),
        endpoint: opts.endpoint,
        headers: JSON.stringify(['Authorization: Bearer clinic-token']),
        payload: opts.payload ?? 'id-only',
        heartbeatSeconds: opts.heartbeatSeconds ?? null,
        timeoutSeconds: opts.timeoutSeconds ?? 2,
        maxCount: opts.maxCount ?? 10,
        secret,
        startSeq: await outboxHead(db),
      },
      created,
    ),
  );
  return secret;
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const FHIR = 'http://gateway.test/fhir';
const { privateKey } = await generateKeyPair('ES256', { extractable: true });
const signer = createReceiptSigner({ ...(await exportJWK(privateKey)), kid: 'gw' }, 'http://gateway.test');

/**
 * The region's participants, Oakwood Family Medicine (clinic-oak-org, a DUA permitting
 * treatment) and patients who each consented to Oakwood receiving their records for treatment,
 * so that the gate tells Oakwood of their stays. The clock is real unless one is given.
 */
export async function world(opts: { patients?: string[]; clock?: () => Date; db?: SqliteDatabase } = {}) {
  const db = opts.db ?? tempDb();
  await registerFixtureParticipants(db);
  const deps = testDeps(db, { clock: opts.clock ?? (() => new Date()), signer });
  const delivery: DeliveryDeps = { ...deps, fhirBase: FHIR };
  const patients = opts.patients ?? ['pa-1'];
  await send(deps, [
    putEntry({ resourceType: 'Organization', id: 'clinic-oak-org', meta: { source: SOURCE_A }, name: 'Oakwood Family Medicine' }),
    ...patients.map(patientEntry),
  ]);
  const consents = new Map<string, string>();
  for (const id of patients) consents.set(id, (await consentToOakwood(deps, id)).id);
  // Oakwood is their attributed practice: an organization is told only of its own patients.
  await attributeTo(db, 'Organization/clinic-oak-org', await Promise.all(patients.map(async (id) => (await resolvePerson(db, id)) ?? id)));
  return { db, deps, delivery, consents };
}

/** The patient herself permits Oakwood (all her records, any purpose its DUA allows). */
export async function consentToOakwood(deps: ReturnType<typeof testDeps>, patientId: string, type: 'permit' | 'deny' = 'permit', consentId?: string) {
  const person = (await resolvePerson(deps.db, patientId)) ?? patientId;
  const requester = { ...patientSelf(person), fhirUser: `Patient/${patientId}` };
  const body = consentFor(
    consentId ?? `c-${patientId}`,
    { type, actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }] },
    { patient: { reference: `Patient/${patientId}` } },
  );
  return writeConsent(deps, requester, consentId ? { ...body, id: consentId } : body, consentId);
}
