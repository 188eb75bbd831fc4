import type { Context } from 'hono';
import { operationOutcome, type Issue } from '../fhir/errors.js';

export type HttpStatus = 200 | 201 | 202 | 400 | 401 | 403 | 404 | 405 | 406 | 409 | 412 | 413 | 415 | 422 | 428 | 429 | 500 | 503;

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export function fhirJson(c: Context, body: unknown, status: HttpStatus = 200, headers: Record<string, string> = {}): Response {
  return c.body(JSON.stringify(body), status, { 'content-type': FHIR_JSON, ...headers });
}

export function outcomeResponse(status: HttpStatus, issues: readonly Issue[], headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(operationOutcome(issues)), { status, headers: { 'content-type': FHIR_JSON, ...headers } });
}
