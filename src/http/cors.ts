import type { MiddlewareHandler } from 'hono';

/**
 * CORS for the FHIR API, so that a SMART app running in a browser on its own origin (fhirclient,
 * for one) can read the SMART configuration, the CapabilityStatement and the API itself.
 *
 * Any origin: the API authenticates only by the bearer token in the Authorization header, never
 * by a cookie, so a page can do nothing cross-origin that it could not do with the token alone,
 * and without `Access-Control-Allow-Credentials` the browser sends no ambient credentials anyway.
 * It runs before authentication, so a preflight (which carries no token) is answered here, and
 * a refusal (401 with its WWW-Authenticate) stays readable by the app.
 *
 * Written here rather than hono's `cors()`: that one sets headers on `c.res` before the route
 * has answered, which makes hono rebuild every response around a stream, and the Node server
 * then pipes the stream instead of writing the text (a quarter of a search's throughput).
 */
const EXPOSE = 'Location,Content-Location,ETag,Last-Modified,WWW-Authenticate,Retry-After,X-Progress,Consent-Receipt';
const PREFLIGHT = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET,HEAD,POST,PUT',
  'access-control-allow-headers': 'Authorization,Content-Type,Accept,Prefer,If-Match,If-None-Match,If-Modified-Since,If-None-Exist',
  'access-control-max-age': '600',
};

export function fhirCors(): MiddlewareHandler {
  return async function fhirCors(c, next) {
    if (c.req.method === 'OPTIONS') return new Response(null, { status: 204, headers: PREFLIGHT });
    c.header('access-control-allow-origin', '*');
    c.header('access-control-expose-headers', EXPOSE);
    await next();
    // A route that built its own Response (a stream, a redirect) did not take the prepared headers.
    if (!c.res.headers.has('access-control-allow-origin')) {
      try {
        c.res.headers.set('access-control-allow-origin', '*');
        c.res.headers.set('access-control-expose-headers', EXPOSE);
      } catch {
        // Immutable headers (a fetched Response passed through): left as they are.
      }
    }
  };
}
