import type { JWTPayload } from 'jose';
import { endpoint, subscriptionBody } from '../test/helpers/subscriber.js';
import { clinicianClaims, patientClaims, sourceClaims } from '../test/helpers/tokens.js';

export interface NotifyTarget {
  /** Where writes go, and where the clinician breaks the glass (the other isolate on the Worker). */
  base: string;
  other: string;
  mint(claims: JWTPayload): Promise<string>;
  fetch(url: string, init: { method: string; headers: Record<string, string>; body: string }): Promise<Response>;
}

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
  const source = await t.mint(sourceClaims('urn:test:worker'));
  for (const [type, id] of [
    ['Patient', 'bn-1'],
    ['Practitioner', 'dr-bn'],
    ['Organization', 'clinic-oak-org'],
  ] as const)
    await post(t.base, `/fhir/${type}/${id}`, source, { resourceType: type, id, meta: { source: 'urn:test:worker' } }, 'PUT');
  const her = await t.mint(patientClaims('bn-1'));
  const clinician = await t.mint(clinicianClaims('dr.bn', 'dr-bn', { purpose_of_use: ['ETREAT'] }));

  let waiting: (() => void) | undefined;
  const hook = await endpoint();
  // Each notification is answered at once and wakes the round waiting for it.
  hook.state.onEvent = (_r, answer) => {
    answer();
    waiting?.();
  };
  try {
    await post(t.base, '/fhir/Subscription', her, subscriptionBody(hook.url));
    const latencies: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const told = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no notification within 30 s')), 30_000);
        waiting = () => {
          clearTimeout(timer);
          resolve();
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
    hook.close();
  }
}
