import type { MiddlewareHandler } from 'hono';
import { FhirError } from '../fhir/errors.js';
import type { AppEnv } from '../http/env.js';
import { TokenError } from './verify.js';

/**
 * Reads the bearer token, if any, and puts the Requester on `c.var.requester`. A token that is
 * present but invalid is refused at once; a request without one continues anonymously, and
 * routes that need a requester say so with `requireRequester`.
 */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return async function authenticate(c, next) {
    const header = c.req.header('authorization');
    if (header !== undefined) {
      const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(header);
      if (!match) throw unauthorized('invalid_token', 'The Authorization header must be "Bearer <token>"');
      try {
        c.set('requester', await c.var.deps.auth.verifier.verify(match[1]!));
      } catch (err) {
        if (err instanceof TokenError) throw unauthorized(err.code, err.message);
        throw err;
      }
    }
    await next();
  };
}

export function requireRequester(): MiddlewareHandler<AppEnv> {
  return async function requireRequester(c, next) {
    if (!c.var.requester) throw unauthorized('missing_token', 'Authentication is required');
    await next();
  };
}

export function unauthorized(code: TokenError['code'], message: string): FhirError {
  const error = new FhirError(401, [{ code: 'login', diagnostics: message }]);
  // RFC 6750: a request with no token gets no error code, only the challenge.
  error.challenge = code === 'missing_token' ? 'Bearer realm="fhir"' : `Bearer realm="fhir", error="${code}", error_description="${message.replace(/"/g, "'")}"`;
  return error;
}
