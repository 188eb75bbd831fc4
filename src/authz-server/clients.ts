import type { ClientMetadata } from 'oidc-provider';
import type { JWK } from 'jose';
import type { Purpose } from '../auth/purposes.js';
import { SOURCES } from '../synthetic/index.js';

/** A SMART Backend Services client: a machine acting for an organization under a data use agreement. */
export interface BackendClient {
  clientId: string;
  name: string;
  kind: 'source' | 'payer' | 'analytics';
  organization: string;
  /** The source system it writes as (meta.source), for sources and payers. */
  sourceUri?: string;
  dua: string;
  purposes: Purpose[];
  scope: string;
}

/**
 * The region's machine clients: every hospital and clinic EHR and every payer is a source that
 * writes its own data; payers also read for payment and operations; the analytics client reads
 * only aggregates.
 */
export function fixtureBackendClients(): BackendClient[] {
  const clients: BackendClient[] = [];
  for (const source of SOURCES) {
    if (source.kind === 'directory') continue;
    const payer = source.kind === 'payer';
    clients.push({
      clientId: source.id,
      name: source.name,
      kind: payer ? 'payer' : 'source',
      organization: `Organization/${source.organizationId}`,
      sourceUri: source.uri,
      dua: `dua-${source.id}`,
      purposes: payer ? ['HPAYMT', 'HOPERAT'] : ['TREAT', 'HOPERAT'],
      scope: payer ? 'system/*.cu system/*.rs' : 'system/*.cu',
    });
  }
  clients.push({
    clientId: 'analytics',
    name: 'Great Lakes Health Analytics Institute',
    kind: 'analytics',
    organization: 'Organization/org-research',
    dua: 'dua-analytics-aggregates',
    purposes: ['HRESCH', 'PUBHLTH'],
    scope: 'system/Group.rs system/MeasureReport.rs',
  });
  return clients;
}

/** oidc-provider metadata for a backend client: private_key_jwt with its own public keys, client_credentials only. */
export function backendClientMetadata(client: BackendClient, publicJwk: JWK): ClientMetadata {
  return {
    client_id: client.clientId,
    client_name: client.name,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    jwks: { keys: [publicJwk] },
    scope: client.scope,
    organization: client.organization,
    dua: client.dua,
    purposes_of_use: client.purposes,
    client_kind: client.kind,
    ...(client.sourceUri ? { source_uri: client.sourceUri } : {}),
  };
}

/**
 * Public SMART apps for people (PKCE, no secret). `smart-demo` is a native-style app: as RFC 8252
 * asks, its loopback redirect may use any port.
 */
export function publicAppMetadata(baseUrl: string): ClientMetadata[] {
  return [
    {
      client_id: 'smart-demo',
      client_name: 'SMART demo app',
      application_type: 'native',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'none',
    },
    {
      client_id: 'consent-portal',
      client_name: 'Consent Gateway portal',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [`${baseUrl}/portal/callback`, `${baseUrl}/clinician/callback`],
      token_endpoint_auth_method: 'none',
    },
  ];
}

export const EXTRA_CLIENT_PROPERTIES = ['organization', 'dua', 'purposes_of_use', 'client_kind', 'source_uri'] as const;
