import { IncomingMessage } from 'node:http';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * Introspection and revocation of our JWT access tokens.
 *
 * oidc-provider keeps no record of a JWT access token and refuses one at both endpoints
 * ("Structured JWT Tokens cannot be introspected"). So every JWT access token it issues also
 * leaves a shadow record, in the same store and model as an opaque token would (`shadowOf`),
 * under the handle `jwt~<jti>`; and before those two endpoints run, a JWT in the `token`
 * parameter is verified (our signature, issuer, audience, type, time) and replaced by its
 * handle (`toHandles`). From there oidc-provider's own introspection and revocation apply:
 * client authentication, its grant still existing, the allowed policy, and `destroy` on
 * revocation (revoking a grant removes its shadows with it, by grantId).
 *
 * `~` is not in the alphabet of oidc-provider's opaque tokens, so no opaque token is a handle;
 * and a handle sent as the token itself is refused: a shadow is reached only through the
 * signed token, not through its jti (which appears in the audit trail).
 */
export const HANDLE_PREFIX = 'jwt~';
const ENDPOINTS = new Set(['/token/introspection', '/token/revocation']);
const MAX_BODY = 56 * 1024;

type TokenInstance = Record<string, unknown> & {
  jti: string;
  exp: number;
  kind: string;
  constructor: { IN_PAYLOAD: string[] };
  adapter: { upsert(id: string, payload: Record<string, unknown>, expiresIn: number): Promise<void> };
};

/** formats.customizers.jwt: stores the shadow of the token about to be signed; awaited before it is returned. */
export async function shadowOf(_ctx: unknown, token: unknown, jwt: { payload: Record<string, unknown> }): Promise<void> {
  const t = token as TokenInstance;
  const payload: Record<string, unknown> = {};
  for (const key of t.constructor.IN_PAYLOAD) if (t[key] !== undefined) payload[key] = t[key];
  const exp = jwt.payload.exp as number;
  // Introspection answers with the token's extra claims; a machine's token has itself as subject, as the JWT says.
  const extra = t.kind === 'ClientCredentials' ? { ...(t.extra as object | undefined), sub: jwt.payload.sub } : t.extra;
  Object.assign(payload, { jti: `${HANDLE_PREFIX}${t.jti}`, kind: t.kind, iat: jwt.payload.iat, exp, extra });
  await t.adapter.upsert(payload.jti as string, payload, Math.max(1, exp - Math.floor(Date.now() / 1000)));
}

/** Koa middleware for the provider: a JWT in `token` becomes its handle once verified; anything else stays as it is. */
export function toHandles(options: { issuer: string; audience: string[]; keys: JWK[]; clock: () => Date }) {
  const publicKeys = createLocalJWKSet({ keys: options.keys.map(({ d: _d, key_ops: _ops, ...pub }) => pub) });

  async function handleOf(token: string): Promise<string> {
    if (token.startsWith(HANDLE_PREFIX)) return 'not-a-token';
    try {
      decodeProtectedHeader(token);
    } catch {
      return token;
    }
    try {
      const { payload } = await jwtVerify(token, publicKeys, {
        algorithms: ['ES256'],
        issuer: options.issuer,
        audience: options.audience,
        typ: 'at+jwt',
        currentDate: options.clock(),
        requiredClaims: ['jti', 'exp'],
      });
      return `${HANDLE_PREFIX}${payload.jti}`;
    } catch {
      return 'not-a-token';
    }
  }

  return async function structuredTokensToHandles(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
    if (ctx.method !== 'POST' || !ENDPOINTS.has(ctx.path) || !ctx.is('application/x-www-form-urlencoded')) return next();
    const raw = await readBody(ctx.req);
    if (raw === undefined) return next();
    const form = new URLSearchParams(raw.toString('utf8'));
    const tokens = form.getAll('token');
    // Duplicates are oidc-provider's to refuse; only a single token is rewritten.
    if (tokens.length === 1) form.set('token', await handleOf(tokens[0]!));
    replay(ctx, Buffer.from(form.toString()));
    return next();
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // oidc-provider refuses a body this large anyway; an empty one makes it say so.
    if (size > MAX_BODY) return Buffer.alloc(0);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The request again, with the rewritten body, for oidc-provider's own body parser to read. */
function replay(ctx: KoaContextWithOIDC, body: Buffer): void {
  const original = ctx.req;
  const again = new IncomingMessage(original.socket);
  again.method = original.method!;
  again.url = original.url!;
  again.httpVersion = original.httpVersion;
  again.headers = { ...original.headers, 'content-length': String(body.length) };
  delete again.headers['transfer-encoding'];
  // Complete, so that ending this stream does not count as an aborted request and close the socket.
  again.complete = true;
  again.push(body);
  again.push(null);
  (again as IncomingMessage & { originalUrl?: string }).originalUrl = (original as IncomingMessage & { originalUrl?: string }).originalUrl;
  ctx.req = again;
  ctx.request.req = again;
}
