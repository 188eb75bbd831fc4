import { Hono, type Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import { chainStatus, operationsDeps, verifyOnDemand } from '../operations/index.js';
import { FhirError } from '../fhir/errors.js';
import { readJson, limitBody } from '../http/body.js';
import { operatorFrom, operatorOnly } from './operator-only.js';

/**
 * The operator's audit API (mounted at /admin/audit), the console's check as JSON, the same on
 * Node (one file) and on the Worker (a chain per patient and the anchor object):
 *
 * - `GET /`: how many events, the head, the last check;
 * - `POST /verify`: every chain walked and every anchor checked, recorded as an audit event
 *   saying who ran it and what it found. Optionally with `{"anchors": ["<jws>", …]}`: copies
 *   saved from /public/audit-anchors, checked too, so anchors deleted from the trail's own
 *   storage (with the chains they covered) are found, as `audit:verify --anchors` does on Node.
 *
 * Operators only (a person token with role `operator`): anonymous 401, anyone else 403.
 */
export function auditRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(operatorOnly('check the audit trail'));
  app.get('/', async (c) => c.json(await chainStatus(operationsDeps(c.var.deps), operatorFrom(c))));
  app.post('/verify', limitBody(), async (c) => {
    const verdict = await verifyOnDemand(operationsDeps(c.var.deps), operatorFrom(c), await savedAnchors(c));
    const intact = verdict.problems.length === 0 && verdict.anchors.problems.length === 0;
    return c.json({ intact, ...verdict });
  });
  return app;
}

/** Saved anchor copies from the body, if it has one: a JSON object whose `anchors` is an array of JWS strings. */
async function savedAnchors(c: Context<AppEnv>): Promise<string[]> {
  if (!c.req.header('content-type') && (c.req.header('content-length') ?? '0') === '0') return [];
  const body = await readJson(c);
  const anchors = (body as { anchors?: unknown } | null)?.anchors;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !Array.isArray(anchors))
    throw FhirError.of(400, 'structure', 'The body must be a JSON object whose "anchors" is an array of saved anchors (JWS strings)');
  if (anchors.length > 100_000) throw FhirError.of(400, 'too-long', 'At most 100,000 saved anchors at once');
  const bad = anchors.findIndex((a) => typeof a !== 'string' || a.length > 1_000_000 || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(a));
  if (bad >= 0) throw FhirError.of(400, 'value', `anchors[${bad}] is not a compact JWS`);
  return anchors as string[];
}
