import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

/**
 * CORS for the FHIR API, so that a SMART app running in a browser on its own origin (fhirclient,
 * for one) can read the SMART configuration, the CapabilityStatement and the API itself.
 *
 * Any origin: the API authenticates only by the bearer token in the Authorization header, never
 * by a cookie, so a page can do nothing cross-origin that it could not do with the token alone,
 * and without `Access-Control-Allow-Credentials` the browser sends no ambient credentials anyway.
 * It runs before authentication, so a preflight (which carries no token) is answered here, and
 * a refusal (401 with its WWW-Authenticate) stays readable by the app.
 */
export function fhirCors(): MiddlewareHandler {
  return cors({
    origin: '*',
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowHeaders: ['Authorization', 'Content-Type', 'Accept', 'Prefer', 'If-Match', 'If-None-Match', 'If-Modified-Since', 'If-None-Exist'],
    exposeHeaders: ['Location', 'Content-Location', 'ETag', 'Last-Modified', 'WWW-Authenticate', 'Retry-After', 'X-Progress', 'Consent-Receipt'],
    maxAge: 600,
  });
}
