/**
 * A subscriber's rest-hook endpoint on loopback, and the Subscription a patient registers for
 * break-the-glass on her own record. It records every POST with what it answered, can answer
 * any status, and can hold a request open. No vitest import: the benchmarks use it too.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

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

/** The Subscription a patient registers for break-the-glass on her own record (Backport IG). */
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
