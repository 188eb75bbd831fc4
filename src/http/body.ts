import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { FhirError } from '../fhir/errors.js';
import { nestedTooDeep, tooDeepMessage } from '../fhir/json-depth.js';
import type { AppEnv } from '../app-env.js';
import { outcomeResponse } from './fhir-response.js';

/** Refuses bodies over the configured size with 413, before reading them whole. */
export function limitBody(): MiddlewareHandler<AppEnv> {
  return async function limitBody(c, next) {
    const max = c.var.deps.config.maxBodyBytes;
    return bodyLimit({
      maxSize: max,
      onError: () => outcomeResponse(413, [{ code: 'too-long', diagnostics: `The request body is larger than the limit of ${max} bytes` }]),
    })(c, next);
  };
}

const JSON_TYPES = /^application\/(fhir\+)?json\s*(;|$)/i;

/** The request body as JSON, or a 4xx that says what is wrong with it. */
export async function readJson(c: Context<AppEnv>): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  if (!JSON_TYPES.test(type)) throw FhirError.of(415, 'not-supported', `Content-Type must be application/fhir+json, not '${type || 'none'}'`);
  const text = await c.req.text();
  if (text.trim() === '') throw FhirError.of(400, 'required', 'The request body is empty');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    // The parser's own message quotes the body; say only where it broke.
    const position = /position (\d+)/.exec(String(err))?.[1];
    throw FhirError.of(400, 'structure', `The body is not valid JSON${position ? ` (at character ${position})` : ''}`);
  }
  // Checked here, once, so no recursive walk further in ever meets a body deep enough to overflow the stack.
  if (nestedTooDeep(body)) throw FhirError.of(400, 'structure', tooDeepMessage);
  return body;
}
