import type { ClientMetadata } from 'oidc-provider';
import type { Database } from '../db/database.js';
import { findClient, type BackendClient } from '../participants/index.js';

/**
 * oidc-provider metadata for a registered backend client (src/participants/): private_key_jwt
 * with its own public keys (inline or by jwks_uri), client_credentials only. Served through the
 * adapter's Client model, so a client registered or suspended while running is seen at once.
 */
export function backendClientMetadata(client: BackendClient): ClientMetadata {
  return {
    client_id: client.clientId,
    client_name: client.name,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'private_key_jwt',
    ...signingAlg(client),
    ...(client.jwks ? { jwks: client.jwks as ClientMetadata['jwks'] } : { jwks_uri: client.jwksUri! }),
    scope: client.scope,
    organization: client.organization,
    ...(client.dua ? { dua: client.dua } : {}),
    purposes_of_use: client.purposes,
    client_kind: client.kind,
    ...(client.sourceUri ? { source_uri: client.sourceUri } : {}),
  };
}

/** Pinned to the one algorithm its inline keys allow; otherwise any that provider.ts enables and its keys match. */
function signingAlg(client: BackendClient): Pick<ClientMetadata, 'token_endpoint_auth_signing_alg'> {
  const algs = new Set(
    (client.jwks?.keys ?? []).map((k) => (k.alg as string | undefined) ?? (k.kty === 'EC' ? (k.crv === 'P-384' ? 'ES384' : 'ES256') : 'RS384')),
  );
  return algs.size === 1 ? { token_endpoint_auth_signing_alg: [...algs][0] as ClientMetadata['token_endpoint_auth_signing_alg'] } : {};
}

/** The metadata of a registered client while it and its organization are active; nothing otherwise, which oidc-provider answers with invalid_client. */
export async function registeredClientMetadata(db: Database, clientId: string): Promise<ClientMetadata | undefined> {
  const client = await findClient(db, clientId);
  return client && client.status === 'active' && client.organizationStatus === 'active' ? backendClientMetadata(client) : undefined;
}

/**
 * Public SMART apps for people (PKCE, no secret). `smart-demo` is a native-style app: as RFC 8252
 * asks, its loopback redirect may use any port.
 */
export function publicAppMetadata(baseUrl: string, trustedGateways: readonly string[] = []): ClientMetadata[] {
  return [
    {
      client_id: 'smart-demo',
      client_name: 'SMART demo app',
      application_type: 'native',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'none',
    },
    {
      client_id: 'consent-portal',
      client_name: 'Consent Gateway portal',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      // The pages of this gateway and of the trusted ones (a Worker) sign in as this client.
      redirect_uris: [baseUrl, ...trustedGateways].flatMap((b) => [`${b}/portal/callback`, `${b}/clinician/callback`, `${b}/operator/callback`]),
      token_endpoint_auth_method: 'none',
    },
  ];
}

export const EXTRA_CLIENT_PROPERTIES = ['organization', 'dua', 'purposes_of_use', 'client_kind', 'source_uri'] as const;
