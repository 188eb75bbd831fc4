/**
 * Red team 7: shared setup for the attacks on the Worker's queued notifications. A patient
 * registers her own endpoint for break-the-glass (as test/worker/notifications.test.ts does);
 * endpoints record every POST, can answer any status, and can hold a request open.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Webhook } from 'standardwebhooks';
import { expect } from 'vitest';
import { clinicianClaims, sourceClaims } from '../helpers/tokens.js';
import type { LocalWorkers } from '../helpers/wrangler.js';

export const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
export const TOPIC = 'https://consent-gateway.example/fhir/SubscriptionTopic';
export const SECRET_URL = 'urn:consent-gateway:subscription-secret';

export type Received = { headers: IncomingHttpHeaders; body: string; answered: number; type: string | undefined; numbers: number[]; at: number };

export interface Endpoint {
  url: string;
  received: Received[];
  /** Status answered to event notifications (handshakes answer `handshakeStatus`). */
  state: { status: number; handshakeStatus: number; handshakeDelayMs: number; hold: boolean; onEvent?: (r: Received, answer: () => void) => void };
  /** Requests being held open (state.hold). */
  held: (() => void)[];
  close(): void;
}

type Bundle = {
  entry: { resource: { resourceType: string; parameter?: { name: string; valueCode?: string; part?: { name: string; valueString?: string }[] }[] } }[];
};

export function told(body: string): { type: string | undefined; numbers: number[] } {
  const status = (JSON.parse(body) as Bundle).entry[0]!.resource;
  const params = status.parameter ?? [];
  return {
    type: params.find((p) => p.name === 'type')?.valueCode,
    numbers: params.filter((p) => p.name === 'notification-event').map((p) => Number(p.part!.find((q) => q.name === 'event-number')!.valueString)),
  };
}

export async function endpoint(): Promise<Endpoint> {
  const received: Received[] = [];
  const held: (() => void)[] = [];
  const state: Endpoint['state'] = { status: 200, handshakeStatus: 200, handshakeDelayMs: 0, hold: false };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      let t: { type: string | undefined; numbers: number[] } = { type: undefined, numbers: [] };
      try {
        t = told(body);
      } catch {
        /* not a bundle */
      }
      if (t.type === 'handshake') {
        const r: Received = { headers: req.headers, body, answered: state.handshakeStatus, ...t, at: Date.now() };
        received.push(r);
        setTimeout(() => res.writeHead(state.handshakeStatus).end(), state.handshakeDelayMs);
        return;
      }
      const r: Received = { headers: req.headers, body, answered: state.status, ...t, at: Date.now() };
      received.push(r);
      if (state.onEvent) return state.onEvent(r, () => res.writeHead(r.answered).end());
      if (state.hold) {
        r.answered = 0;
        held.push(() => res.destroy());
        return;
      }
      res.writeHead(r.answered).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    state,
    held,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Event numbers told in POSTs the endpoint answered 2xx, in arrival order. */
export const confirmedNumbers = (e: Endpoint) =>
  e.received.filter((r) => r.answered >= 200 && r.answered < 300 && r.type === 'event-notification').flatMap((r) => r.numbers);

export function fhirClient(w: LocalWorkers) {
  return (base: string, path: string, token: string, body?: object, method?: string) =>
    w.fetch(`${base}/fhir/${path}`, {
      method: method ?? (body ? 'POST' : 'GET'),
      headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${token}` },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
}

export async function seed(w: LocalWorkers, patients: string[]): Promise<{ clinician: string }> {
  const source = await w.issuer.mint(sourceClaims('urn:test:worker'));
  for (const [type, id] of [...patients.map((p) => ['Patient', p] as const), ['Organization', 'clinic-oak-org'] as const, ['Practitioner', 'dr-q'] as const]) {
    const res = await w.fetch(`${w.primary}/fhir/${type}/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${source}` },
      body: JSON.stringify({ resourceType: type, id, meta: { source: 'urn:test:worker' } }),
    });
    expect(res.status).toBeLessThan(300);
  }
  return { clinician: await w.issuer.mint(clinicianClaims('dr.q', 'dr-q', { purpose_of_use: ['ETREAT'] }), 3600) };
}

export function subscriptionBody(url: string, opts: { timeout?: number; maxCount?: number } = {}) {
  return {
    resourceType: 'Subscription',
    meta: { profile: [`${BACKPORT}/backport-subscription`] },
    status: 'requested',
    reason: 'Tell me when anyone breaks the glass on my record',
    criteria: `${TOPIC}/break-the-glass`,
    channel: {
      type: 'rest-hook',
      endpoint: url,
      payload: 'application/fhir+json',
      _payload: { extension: [{ url: `${BACKPORT}/backport-payload-content`, valueCode: 'id-only' }] },
      extension: [
        { url: `${BACKPORT}/backport-heartbeat-period`, valueUnsignedInt: 3600 },
        { url: `${BACKPORT}/backport-timeout`, valueUnsignedInt: opts.timeout ?? 5 },
        { url: `${BACKPORT}/backport-max-count`, valuePositiveInt: opts.maxCount ?? 10 },
      ],
    },
  };
}

export async function subscribe(w: LocalWorkers, token: string, url: string, opts: { timeout?: number; maxCount?: number } = {}) {
  const res = await fhirClient(w)(w.primary, 'Subscription', token, subscriptionBody(url, opts));
  expect(res.status, await res.clone().text()).toBe(201);
  const sub = (await res.json()) as { id: string; status: string; extension: { url: string; valueString: string }[] };
  return { id: sub.id, status: sub.status, webhook: new Webhook(sub.extension.find((e) => e.url === SECRET_URL)!.valueString) };
}

export async function breakGlass(w: LocalWorkers, base: string, clinician: string, patient: string): Promise<string> {
  const res = await fhirClient(w)(base, `Patient/${patient}/$break-the-glass`, clinician, {
    resourceType: 'Parameters',
    parameter: [{ name: 'reason', valueString: 'unconscious in the ED' }],
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const grant = ((await res.json()) as { parameter: { name: string; valueString?: string }[] }).parameter.find((p) => p.name === 'grant')!.valueString!;
  return `break-glass-${grant.slice('break-glass/'.length)}`;
}

/** The local D1's SQLite file (read-only look at what the gateway stored). */
export function d1(w: LocalWorkers): Database.Database {
  const dir = join(w.doDir, '..', 'd1', 'miniflare-D1DatabaseObject');
  const file = readdirSync(dir).find((f) => f.endsWith('.sqlite'));
  if (!file) throw new Error('no D1 file');
  return new Database(join(dir, file), { readonly: true, fileMustExist: true });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
