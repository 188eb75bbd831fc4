import { RESOURCE_TYPES } from '../store/search-values.js';
import { PURPOSES } from './purposes.js';

/** Every resource scope the authorization server will grant: SMART v2 read/search and create/update, per type and wildcard. */
export function supportedResourceScopes(): string[] {
  const types = ['*', ...Object.keys(RESOURCE_TYPES), 'AuditEvent', 'MeasureReport'];
  const scopes: string[] = [];
  for (const context of ['patient', 'user', 'system']) {
    for (const type of types) {
      scopes.push(`${context}/${type}.rs`);
      if (context === 'system') scopes.push(`${context}/${type}.cu`);
    }
  }
  return scopes;
}

export const IDENTITY_SCOPES = ['openid', 'fhirUser', 'launch/patient', 'offline_access'] as const;

/** SMART App Launch discovery (`/.well-known/smart-configuration`), built from the issuer's URL. */
export function smartConfiguration(issuer: string) {
  return {
    issuer,
    jwks_uri: `${issuer}/jwks`,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    introspection_endpoint: `${issuer}/token/introspection`,
    revocation_endpoint: `${issuer}/token/revocation`,
    userinfo_endpoint: `${issuer}/me`,
    grant_types_supported: ['authorization_code', 'client_credentials'],
    response_types_supported: ['code'],
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'none'],
    token_endpoint_auth_signing_alg_values_supported: ['ES256', 'ES384', 'RS384'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: [...IDENTITY_SCOPES, ...supportedResourceScopes()],
    purposes_of_use_supported: Object.keys(PURPOSES),
    capabilities: [
      'launch-standalone',
      'client-public',
      'client-confidential-asymmetric',
      'context-standalone-patient',
      'permission-patient',
      'permission-user',
      'permission-v2',
      'sso-openid-connect',
    ],
  };
}
