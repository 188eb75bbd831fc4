import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/app.js';
import { scenario } from '../helpers/scenario.js';

export const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
export const TOPIC = 'https://consent-gateway.example/fhir/SubscriptionTopic';
export const SECRET_URL = 'urn:consent-gateway:subscription-secret';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real subscriber endpoint on loopback: records what it is sent and answers `status` (settable). */
export async function receiver(status = 200) {
  const received: Received[] = [];
  const state = { status };
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(state.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received, state, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A Subscription as a clinic would send it. */
export function subscription(endpoint: string, opts: { filters?: string[]; payload?: string; channel?: object; extra?: object } = {}) {
  return {
    resourceType: 'Subscription',
    meta: { profile: [`${BACKPORT}/backport-subscription`] },
    status: 'requested',
    reason: 'Follow up after admissions and discharges',
    criteria: `${TOPIC}/encounter-start`,
    ...(opts.filters ? { _criteria: { extension: opts.filters.map((valueString) => ({ url: `${BACKPORT}/backport-filter-criteria`, valueString })) } } : {}),
    channel: {
      type: 'rest-hook',
      endpoint,
      payload: 'application/fhir+json',
      _payload: { extension: [{ url: `${BACKPORT}/backport-payload-content`, valueCode: opts.payload ?? 'id-only' }] },
      header: ['Authorization: Bearer clinic-inbox-token'],
      extension: [
        { url: `${BACKPORT}/backport-heartbeat-period`, valueUnsignedInt: 3600 },
        { url: `${BACKPORT}/backport-timeout`, valueUnsignedInt: 5 },
        { url: `${BACKPORT}/backport-max-count`, valuePositiveInt: 10 },
      ],
      ...opts.channel,
    },
    ...opts.extra,
  };
}

const system = (clientId: string, organization: string, dua: string, scope: string, purposes: string[], kind = 'source') => ({
  sub: clientId,
  client_id: clientId,
  client_kind: kind,
  organization,
  dua,
  source: `https://${clientId}.example.org/fhir`,
  scope,
  purpose_of_use: purposes,
});

/** The scenario's in-process gateway, with backend clients and an operator that may manage Subscriptions. */
export async function subscriptionScenario() {
  const s = await scenario();
  const mint = (claims: Record<string, unknown>) => s.issuer.mint(claims);
  const tokens = {
    oak: await mint(system('clinic-oak', 'Organization/clinic-oak-org', 'dua-clinic-oak', 'system/Subscription.cruds', ['TREAT'])),
    maple: await mint(system('clinic-maple', 'Organization/clinic-maple-org', 'dua-clinic-maple', 'system/Subscription.cruds', ['TREAT'])),
    oakReadOnly: await mint(system('clinic-oak', 'Organization/clinic-oak-org', 'dua-clinic-oak', 'system/Subscription.rs', ['TREAT'])),
    oakOperations: await mint(system('clinic-oak', 'Organization/clinic-oak-org', 'dua-clinic-oak', 'system/Subscription.cruds', ['HOPERAT'])),
    payer: await mint(
      system('payer-lakeshore', 'Organization/payer-lakeshore-org', 'dua-payer-lakeshore', 'system/Subscription.cruds', ['HPAYMT', 'HOPERAT'], 'payer'),
    ),
    // A registered organization whose agreement has no treatment line (the research organization).
    analytics: await mint(system('analytics', 'Organization/org-research', 'dua-analytics-aggregates', 'system/Subscription.cruds', ['TREAT'], 'analytics')),
    operator: await mint({
      sub: 'alex',
      client_id: 'smart-demo',
      role: 'operator',
      organization: 'Organization/org-hie',
      scope: 'user/Subscription.cruds',
      purpose_of_use: ['HSYSADMIN'],
    }),
  };
  const production = createApp({ ...s.deps, config: { ...s.deps.config, mode: 'production' } });
  const send = (method: string, path: string, token: string, body?: unknown, app = s.app, headers: Record<string, string> = {}) =>
    app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const rows = () => s.db.sqlite.prepare('select count(*) from subscriptions').pluck().get() as number;
  return { ...s, subTokens: tokens, production, call: send, rows };
}

export type SubscriptionScenario = Awaited<ReturnType<typeof subscriptionScenario>>;
