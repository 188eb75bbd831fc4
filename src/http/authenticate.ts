import type { Context, MiddlewareHandler } from 'hono';
import type { Requester } from '../auth/requester.js';
import { FhirError } from '../fhir/errors.js';
import type { AppEnv } from '../app-env.js';
import { TokenError } from '../auth/verify.js';
import { claimMismatch } from '../participants/token-claims.js';

// RFC 6750 b64token.
const TOKEN_SYNTAX = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Reads the bearer token, if any, and puts the Requester on `c.var.requester`. A token that is
 * present but invalid is refused at once; a request without one continues anonymously, and
 * handlers that need a requester get it with `requesterOf`.
 */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return async function authenticate(c, next) {
    const header = c.req.header('authorization');
    if (header !== undefined) {
      if (!header.startsWith('Bearer ')) throw unauthorized('invalid_token', 'The Authorization header must be "Bearer <token>"');
      const token = header.slice(7);
      const verifier = c.var.deps.auth.verifier;
      // A cache hit is answered without a promise; only a new token pays for verification.
      let requester = verifier.cached(token);
      if (!requester) {
        if (!TOKEN_SYNTAX.test(token)) throw unauthorized('invalid_token', 'The bearer token is malformed');
        try {
          requester = await verifier.verify(token);
        } catch (err) {
          if (err instanceof TokenError) throw unauthorized(err.code, err.message);
          // KeysUnavailable goes on to onError (src/http/errors.ts): a 503, not the client's fault.
          throw err;
        }
      }
      const registry = c.var.deps.participants;
      if (registry) {
        if (requester.kind === 'system') {
          const found = registry.activeClient(requester.clientId);
          const active = found instanceof Promise ? await found : found;
          // A backend client suspended (or never registered) is refused at once, even with a
          // token it already holds; and its token must say what is registered for it now.
          if (!active) throw unauthorized('invalid_token', 'The client is not registered or is suspended');
          const differs = claimMismatch(requester, active);
          if (differs) throw unauthorized('invalid_token', `The token's ${differs} is not what is registered for this client`);
        } else if (registry.isBackendClient(requester.clientId)) {
          // A backend client never acts as a person, whatever role its token names.
          throw unauthorized('invalid_token', 'A backend client cannot act as a person');
        }
      }
      c.set('requester', requester);
    }
    await next();
  };
}

/**
 * The authenticated requester, or a 401. Called inside handlers rather than mounted as one more
 * middleware: on the hot path a middleware hop cost more than the cached token check itself.
 */
export function requesterOf(c: Context<AppEnv>): Requester {
  const requester = c.var.requester;
  if (!requester) throw unauthorized('missing_token', 'Authentication is required');
  return requester;
}

export function unauthorized(code: TokenError['code'], message: string): FhirError {
  const error = new FhirError(401, [{ code: 'login', diagnostics: message }]);
  // RFC 6750: a request with no token gets no error code, only the challenge.
  error.challenge =
    code === 'missing_token' ? 'Bearer realm="fhir"' : `Bearer realm="fhir", error="${code}", error_description="${message.replace(/"/g, "'")}"`;
  return error;
}
