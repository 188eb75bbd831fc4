import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { KeysUnavailable } from '../auth/verify.js';
import { FhirError } from '../fhir/errors.js';
import type { AppEnv } from '../app-env.js';
import { outcomeResponse } from './fhir-response.js';

/**
 * The one place errors become responses. A FhirError says what the client did wrong; anything
 * else is our fault, answered with a generic 500 whose detail (never the request body) goes to
 * the log only.
 */
export function onError(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof FhirError) {
    const headers: Record<string, string> = err.status === 401 ? { 'www-authenticate': err.challenge ?? 'Bearer realm="fhir"' } : {};
    return outcomeResponse(err.status, err.issues, headers);
  }
  if (err instanceof HTTPException && err.status < 500) {
    return outcomeResponse(err.status as 400, [{ code: 'invalid', diagnostics: err.message || 'Bad request' }]);
  }
  // The issuer's keys could not be fetched (the Worker fetches them): the client's token may be
  // good, so not a 401 (it would sign the person in again), and not our 500. From any route, pages included.
  if (err instanceof KeysUnavailable) {
    return outcomeResponse(
      503,
      [{ code: 'transient', diagnostics: 'The token could not be checked just now (the authorization server’s keys are unavailable); try again shortly' }],
      {
        'retry-after': '30',
      },
    );
  }
  if (storageUnavailable(err)) {
    c.var.deps?.log('error', { method: c.req.method, path: new URL(c.req.url).pathname, name: err.name, message: err.message });
    return outcomeResponse(503, [{ code: 'exception', diagnostics: 'The server cannot store data right now; nothing was written. Try again later.' }], {
      'retry-after': '60',
    });
  }
  c.var.deps?.log('error', { method: c.req.method, path: new URL(c.req.url).pathname, name: err.name, message: err.message, stack: err.stack });
  return outcomeResponse(500, [{ code: 'exception', diagnostics: 'Internal error; it has been logged' }]);
}

/**
 * SQLite's "disk full" and disk I/O errors (better-sqlite3's SqliteError codes, seen through
 * drizzle's wrapper in `cause`): the transaction rolled back, and the same request may well
 * succeed once an operator frees space, so they are 503, not our 500.
 */
function storageUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_FULL' || (typeof code === 'string' && code.startsWith('SQLITE_IOERR'))) return true;
  }
  return false;
}

export function notFound(c: Context<AppEnv>): Response {
  return outcomeResponse(404, [{ code: 'not-found', diagnostics: `No route for ${c.req.method} ${new URL(c.req.url).pathname}` }]);
}
