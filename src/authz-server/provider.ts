import Provider, { errors, type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { JWK } from 'jose';
import { narrowPurposes, type Purpose } from '../auth/purposes.js';
import { isRole, ROLE_POLICY } from '../auth/roles.js';
import { parseScope, parseScopes, within } from '../auth/scopes.js';
import { granularScopesSupported, IDENTITY_SCOPES, supportedResourceScopes } from '../auth/smart-configuration.js';
import type { Database } from '../db/database.js';
import { resolvePerson } from '../store/read.js';
import { findAccount } from './accounts.js';
import { drizzleAdapterFactory } from './adapter.js';
import { EXTRA_CLIENT_PROPERTIES } from './clients.js';
import { renderError } from './pages.js';
import { shadowOf, toHandles } from './structured-tokens.js';
import { resourceNamed } from './resource-servers.js';

/** SMART Backend Services: a client assertion expires at most five minutes after it is checked. */
const MAX_ASSERTION_LIFETIME_SECONDS = 300;

export interface ProviderOptions {
  issuer: string;
  /** This gateway's FHIR base URL: the default resource server, and the audience of its tokens. */
  fhirBase: string;
  /** Other gateways' FHIR bases (TRUSTED_GATEWAYS): a token asked for one has it as its audience. */
  otherFhirBases?: readonly string[];
  db: Database;
  clock: () => Date;
  /** Private signing JWKs, newest first: the first signs. */
  signingKeys: JWK[];
  /** Static clients: the public apps for people. */
  clients: ClientMetadata[];
  /** Backend clients, looked up per request (registered participants, active only). */
  findClient?: (id: string) => Promise<ClientMetadata | undefined>;
  cookieKeys: string[];
  accessTokenTtl: number;
  /** Seconds a chain of refresh tokens lives from sign-in; rotation does not extend it. */
  refreshTokenTtl?: number;
}

/** oidc-provider as a SMART on FHIR authorization server: code + PKCE for people, client_credentials for machines. */
export function createProvider(options: ProviderOptions): Provider {
  const { fhirBase, db } = options;
  const resourceServers = new Set([fhirBase, ...(options.otherFhirBases ?? [])]);
  const staticResourceScopes = supportedResourceScopes();
  const configuration: Configuration = {
    adapter: drizzleAdapterFactory(db, options.clock, options.findClient),
    clients: options.clients,
    jwks: { keys: options.signingKeys as never[] },
    cookies: { keys: options.cookieKeys },
    scopes: [...IDENTITY_SCOPES, ...supportedResourceScopes(), ...granularScopesSupported()],
    claims: { openid: ['sub'], fhirUser: ['fhirUser'], profile: ['name'] },
    clientAuthMethods: ['private_key_jwt', 'none'],
    // Our keys are ES256; nothing is signed with anything else.
    enabledJWA: { clientAuthSigningAlgValues: ['ES256', 'ES384', 'RS384'], idTokenSigningAlgValues: ['ES256'], userinfoSigningAlgValues: ['ES256'] },
    clientDefaults: { id_token_signed_response_alg: 'ES256', grant_types: ['authorization_code'], response_types: ['code'] },
    extraClientMetadata: { properties: [...EXTRA_CLIENT_PROPERTIES] },
    // SMART's `aud`: the resource server the app will call. Only ours (or a trusted gateway's): an
    // app naming another (a counterfeit server collecting tokens) is refused before anyone signs in. SMART requires
    // it of every request for FHIR scopes; a plain OpenID sign-in names no resource server.
    extraParams: {
      aud(ctx, value) {
        if (value === undefined) {
          if (ctx.oidc.route === 'authorization' && /(^|\s)(patient|user|system)\//.test(String(ctx.oidc.params?.scope ?? '')))
            throw new errors.InvalidRequest(`aud is required: this server's FHIR base URL (${fhirBase})`);
          return;
        }
        if (!resourceServers.has(String(value).replace(/\/$/, ''))) throw new errors.InvalidRequest(`aud must be this server's FHIR base URL (${fhirBase})`);
      },
    },
    assertJwtClientAuthClaimsAndHeader: async (_ctx, claims) => {
      const now = Math.floor(options.clock().getTime() / 1000);
      if (typeof claims.exp === 'number' && claims.exp - now > MAX_ASSERTION_LIFETIME_SECONDS)
        throw new errors.InvalidClientAuth(`the client assertion must expire within ${MAX_ASSERTION_LIFETIME_SECONDS} seconds`);
    },
    formats: { customizers: { jwt: shadowOf } },
    pkce: { required: () => true },
    clientBasedCORS,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Who may introspect: a confidential client (private_key_jwt), about the tokens issued to
      // itself; anyone else learns only `active: false`. Our FHIR API verifies tokens itself.
      introspection: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => client.clientAuthMethod === 'private_key_jwt' && token.clientId === client.clientId,
      },
      // A client revokes only its own tokens; another's is left alone, with the same 200 (RFC 7009).
      revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      resourceIndicators: {
        enabled: true,
        // The resource a sign-in names by SMART's `aud` (checked above): this gateway's, or a trusted one's.
        defaultResource: (ctx) => resourceNamed(ctx.oidc.params?.aud, resourceServers, fhirBase),
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resource, client) => {
          if (!resourceServers.has(resource)) throw new errors.InvalidTarget();
          return {
            scope: [...staticResourceScopes, ...granularScopes(ctx, client?.metadata().scope as string | undefined)].join(' '),
            audience: resource,
            accessTokenTTL: options.accessTokenTtl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    // A refresh token for offline_access or online_access (the latter ends with the sign-in
    // session: oidc-provider's expiresWithSession), as roles.ts allows; rotated at every use, and a
    // rotated one used again revokes the whole grant.
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && (code.scopes.has('offline_access') || code.scopes.has('online_access')),
    rotateRefreshToken: true,
    ttl: {
      RefreshToken: (_ctx, token) => {
        const since = Math.floor(options.clock().getTime() / 1000) - ((token as { iiat?: number }).iiat ?? Math.floor(options.clock().getTime() / 1000));
        return Math.max(1, (options.refreshTokenTtl ?? 30 * 86_400) - since);
      },
      AccessToken: options.accessTokenTtl,
      ClientCredentials: options.accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 8 * 3600,
      Grant: 8 * 3600,
    },
    findAccount: async (_ctx, sub) => {
      const account = await findAccount(db, sub);
      if (!account) return undefined;
      return { accountId: sub, claims: () => ({ sub, name: account.name, ...(account.fhirUser ? { fhirUser: account.fhirUser } : {}) }) };
    },
    extraTokenClaims: (ctx, token) => tokenClaims(ctx, token as never, db),
    interactions: { url: (_ctx, interaction) => `/oidc/interaction/${interaction.uid}` },
    renderError,
  };
  const provider = new Provider(options.issuer, configuration);
  provider.use(offlineAccessAsksConsent);
  provider.use(toHandles({ issuer: options.issuer, audience: [...resourceServers], keys: options.signingKeys, clock: options.clock }));
  provider.use(addPatientToTokenResponse);
  return provider;
}

/**
 * The resource scopes of this request beyond the static list: any combination of the c r u d s
 * letters, SMART v1 names and granular (`?category=`) scopes, found in the request, its code,
 * refresh token or grant (oidc-provider keeps only what the resource server lists). What a person
 * may have was decided at approval (roles.ts); a backend client gets only what lies within its
 * registered scope, since oidc-provider checks that only for the static list.
 */
function granularScopes(ctx: KoaContextWithOIDC, registered: string | undefined): string[] {
  const entities = ctx.oidc.entities as { AuthorizationCode?: { scope?: string }; RefreshToken?: { scope?: string } };
  const asked = [ctx.oidc.params?.scope, entities.AuthorizationCode?.scope, entities.RefreshToken?.scope]
    .flatMap((s) => (typeof s === 'string' ? s.split(' ') : []))
    .filter((s) => parseScope(s) !== undefined);
  if (registered === undefined) return asked;
  const allowed = parseScopes(registered);
  return asked.filter((s) => allowed.some((r) => within(parseScope(s)!, r)));
}

type TokenLike = { kind: string; accountId?: string; clientId: string; scope?: string; client?: { metadata(): Record<string, unknown> } };

/**
 * The claims a token carries beyond OAuth's: who the person or machine acts for, in which role,
 * for which purposes (narrowed by the request's `purpose_of_use`, never widened), and the
 * patient context of patient-scoped tokens.
 */
async function tokenClaims(ctx: KoaContextWithOIDC, token: TokenLike, db: Database) {
  const body = ctx.oidc.body as Record<string, unknown> | undefined;
  const requested = body?.purpose_of_use;
  // A refresh keeps the session's footing: asking for a purpose there would let a treatment
  // sign-in become an emergency one without the emergency sign-in (red team). With none asked,
  // the refreshed token carries the role's default purposes, which never include break-the-glass.
  if (body?.grant_type === 'refresh_token' && requested !== undefined)
    throw new errors.InvalidRequest('purpose_of_use is fixed at sign-in; sign in again to act for another purpose');
  const requestedPurposes = typeof requested === 'string' ? requested : undefined;
  if (token.kind === 'ClientCredentials') {
    const metadata = ctx.oidc.client!.metadata() as Record<string, unknown>;
    const purposes = choose(metadata.purposes_of_use as Purpose[], requestedPurposes);
    return {
      organization: metadata.organization,
      dua: metadata.dua,
      client_kind: metadata.client_kind,
      ...(metadata.source_uri ? { source: metadata.source_uri } : {}),
      purpose_of_use: purposes,
    };
  }
  if (!token.accountId) return undefined;
  const account = await findAccount(db, token.accountId);
  if (!account || !isRole(account.role)) throw new errors.AccessDenied('the account no longer exists');
  const purposes = choose([...ROLE_POLICY[account.role].purposes], requestedPurposes);
  const patientScoped = /(^|\s)patient\//.test(token.scope ?? '');
  const patientRef = account.role === 'patient' ? account.fhirUser : account.patient;
  const patientId = patientScoped && patientRef?.startsWith('Patient/') ? patientRef.slice('Patient/'.length) : undefined;
  return {
    fhirUser: account.fhirUser ?? undefined,
    organization: account.organization,
    role: account.role,
    purpose_of_use: purposes,
    // The launch context is the linked person, so it spans every source's record.
    ...(patientId ? { patient: (await resolvePerson(db, patientId)) ?? patientId } : {}),
  };
}

function choose(allowed: Purpose[], requested: string | undefined): Purpose[] {
  const decision = narrowPurposes(allowed, requested);
  if (!decision.ok) throw new errors.InvalidRequest(decision.error);
  return decision.purposes;
}

/** SMART apps read the launch context from the token response, so `patient` is copied there from the token. */
async function addPatientToTokenResponse(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
  await next();
  const body = ctx.body as { access_token?: string } | undefined;
  if (ctx.path !== '/token' || ctx.status !== 200 || typeof body?.access_token !== 'string') return;
  const [, payload] = body.access_token.split('.');
  if (!payload) return;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { patient?: string; purpose_of_use?: string[] };
  ctx.body = {
    ...body,
    ...(claims.patient ? { patient: claims.patient } : {}),
    ...(claims.purpose_of_use ? { purpose_of_use: claims.purpose_of_use.join(' ') } : {}),
  };
}

/**
 * OpenID Connect drops offline_access unless the request says prompt=consent; SMART apps do not
 * say it, yet mean it. A GET authorization request asking for offline_access is given
 * prompt=consent, so the person is always asked (our approval page), as OIDC wants.
 */
async function offlineAccessAsksConsent(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
  if (ctx.method === 'GET' && ctx.path === '/auth') {
    const query = new URLSearchParams(ctx.querystring);
    const prompts = new Set((query.get('prompt') ?? '').split(' ').filter(Boolean));
    if ((query.get('scope') ?? '').split(' ').includes('offline_access') && !prompts.has('consent') && !prompts.has('none')) {
      query.set('prompt', [...prompts, 'consent'].join(' '));
      // oidc-provider finds its mount path by comparing the original URL with this one: both change.
      const req = ctx.req as typeof ctx.req & { originalUrl?: string };
      const mount = req.originalUrl?.endsWith(ctx.url) ? req.originalUrl.slice(0, req.originalUrl.length - ctx.url.length) : undefined;
      ctx.querystring = query.toString();
      if (mount !== undefined) req.originalUrl = mount + ctx.url;
    }
  }
  return next();
}

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

/**
 * Which browser origins may call the token and userinfo endpoints for a client: a public client's
 * redirect origins, as oidc-provider's default, and for a native app with a loopback redirect any
 * loopback port, matching RFC 8252's rule that its redirect may use any port. Confidential
 * clients never call from a browser.
 */
function clientBasedCORS(
  ctx: KoaContextWithOIDC,
  origin: string,
  client: { redirectUris?: readonly string[]; clientAuthMethod?: string; applicationType?: string },
): boolean {
  if (origin === 'null') return false;
  if (ctx.oidc.route !== 'userinfo' && client.clientAuthMethod !== 'none') return false;
  const origins = (client.redirectUris ?? []).map((uri) => URL.parse(uri)?.origin);
  if (origins.includes(origin)) return true;
  return client.applicationType === 'native' && LOOPBACK.test(origin) && origins.some((o) => o !== undefined && LOOPBACK.test(o));
}
