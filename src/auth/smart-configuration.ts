import { RESOURCE_TYPES } from '../store/search-values.js';
import { PURPOSES } from './purposes.js';

/**
 * US Core's categories, for granular scopes (`patient/Observation.rs?category=…`): any
 * combination of c r u d s works on any type, and SMART v1 names too, but these are the
 * granular ones worth listing.
 */
const CATEGORIES: Readonly<Record<string, readonly string[]>> = {
  Observation: [
    ...['laboratory', 'vital-signs', 'social-history', 'survey', 'exam', 'imaging', 'procedure', 'therapy', 'activity'].map(
      (c) => `http://terminology.hl7.org/CodeSystem/observation-category|${c}`,
    ),
    'http://hl7.org/fhir/us/core/CodeSystem/us-core-category|sdoh',
  ],
  Condition: [
    'http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item',
    'http://terminology.hl7.org/CodeSystem/condition-category|encounter-diagnosis',
    'http://hl7.org/fhir/us/core/CodeSystem/condition-category|health-concern',
  ],
};

export function granularScopesSupported(): string[] {
  return ['patient', 'user'].flatMap((context) => Object.entries(CATEGORIES).flatMap(([type, cats]) => cats.map((c) => `${context}/${type}.rs?category=${c}`)));
}

/** Every resource scope listed for the authorization server: SMART v2 read/search and create/update, per type and wildcard. */
export function supportedResourceScopes(): string[] {
  // Beside the stored types: the audit trail, the digest (List), and the provider reports (rosters, disputes, measures, gaps).
  const types = ['*', ...Object.keys(RESOURCE_TYPES), 'AuditEvent', 'MeasureReport', 'List', 'Group', 'Task', 'Measure', 'DetectedIssue', 'Bundle'];
  const scopes: string[] = [];
  for (const context of ['patient', 'user', 'system']) {
    for (const type of types) {
      scopes.push(`${context}/${type}.rs`);
      if (context === 'system') scopes.push(`${context}/${type}.cu`);
    }
    // Subscriptions are managed in every context: an organization's backend, an operator, a patient for her own record.
    scopes.push(`${context}/Subscription.cruds`);
  }
  return scopes;
}

export const IDENTITY_SCOPES = ['openid', 'fhirUser', 'launch/patient', 'offline_access', 'online_access'] as const;

/**
 * SMART App Launch discovery (`/.well-known/smart-configuration`), built from the issuer's URL.
 * The portal, where people see and revoke what they approved, is served beside the issuer.
 */
export function smartConfiguration(issuer: string) {
  return {
    issuer,
    jwks_uri: `${issuer}/jwks`,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    introspection_endpoint: `${issuer}/token/introspection`,
    revocation_endpoint: `${issuer}/token/revocation`,
    management_endpoint: `${issuer.replace(/\/oidc$/, '')}/portal`,
    grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
    response_types_supported: ['code'],
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'none'],
    token_endpoint_auth_signing_alg_values_supported: ['ES256', 'ES384', 'RS384'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: [...IDENTITY_SCOPES, ...supportedResourceScopes(), ...granularScopesSupported()],
    purposes_of_use_supported: Object.keys(PURPOSES),
    capabilities: [
      'launch-standalone',
      'client-public',
      'client-confidential-asymmetric',
      'context-standalone-patient',
      'permission-patient',
      'permission-user',
      'permission-offline',
      'permission-online',
      'permission-v1',
      'permission-v2',
      'sso-openid-connect',
    ],
  };
}
