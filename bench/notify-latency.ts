import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWTPayload } from 'jose';
import { clinicianClaims, patientClaims, sourceClaims } from '../test/helpers/tokens.js';

export interface NotifyTarget {
  /** Where writes go, and where the clinician breaks the glass (the other isolate on the Worker). */
  base: string;
  other: string;
  mint(claims: JWTPayload): Promise<string>;
  fetch(url: string, init: { method: string; headers: Record<string, string>; body: string }): Promise<Response>;
}

const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';

/**
 * Commit to receipt: a patient's endpoint subscribed to break-the-glass, then `rounds` grants one
 * after another, each timed from the grant's request to her endpoint receiving its notification.
 * Returns the latencies in ms, sorted.
 */
export async function notificationLatency(t: NotifyTarget, rounds: number): Promise<number[]> {
  const post = async (base: string, path: string, token: string, body: object, method = 'POST') => {
    const res = await t.fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  const source = await t.mint(sourceClaims('urn:bench:worker'));
  for (const [type, id] of [
    ['Patient', 'bn-1'],
    ['Practitioner', 'dr-bn'],
    ['Organization', 'clinic-oak-org'],
  ] as const)
    await post(t.base, `/fhir/${type}/${id}`, source, { resourceType: type, id, meta: { source: 'urn:bench:worker' } }, 'PUT');
  const her = await t.mint(patientClaims('bn-1'));
  const clinician = await t.mint(clinicianClaims('dr.bn', 'dr-bn', { purpose_of_use: ['ETREAT'] }));

  let waiting: (() => void) | undefined;
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(200).end();
      waiting?.();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    await post(t.base, '/fhir/Subscription', her, {
      resourceType: 'Subscription',
      meta: { profile: [`${BACKPORT}/backport-subscription`] },
      status: 'requested',
      reason: 'bench',
      criteria: 'https://consent-gateway.example/fhir/SubscriptionTopic/break-the-glass',
      channel: {
        type: 'rest-hook',
        endpoint,
        payload: 'application/fhir+json',
        extension: [{ url: `${BACKPORT}/backport-heartbeat-period`, valueUnsignedInt: 3600 }],
      },
    });
    const latencies: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const before = received;
      const told = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no notification within 30 s')), 30_000);
        waiting = () => {
          if (received > before) {
            clearTimeout(timer);
            resolve();
          }
        };
      });
      const start = performance.now();
      await post(t.other, '/fhir/Patient/bn-1/$break-the-glass', clinician, {
        resourceType: 'Parameters',
        parameter: [{ name: 'reason', valueString: 'bench round' }],
      });
      await told;
      latencies.push(performance.now() - start);
    }
    return latencies.sort((a, b) => a - b);
  } finally {
    server.close();
  }
}
