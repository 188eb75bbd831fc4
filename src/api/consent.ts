import { Hono, type Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import { isPurpose, type Purpose } from '../auth/purposes.js';
import { grantBreakGlass } from '../consent/break-glass.js';
import { writeConsent } from '../consent/write.js';
import { FhirError } from '../fhir/errors.js';
import type { AccessExplanation } from '../gate/index.js';
import { requesterOf } from '../http/authenticate.js';
import { limitBody, readJson } from '../http/body.js';
import { fhirJson } from '../http/fhir-response.js';
import { gateOf } from '../http/gate.js';

const DEFAULT_CLASSES = 'Patient,Encounter,Condition,Observation,Procedure,MedicationRequest,Coverage,ExplanationOfBenefit';

/** Patient consents (write, revoke), `$access` (what could someone see, and why), and break-the-glass. */
export function consentRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.post('/Consent', limitBody(), (c) => putConsent(c, undefined));
  routes.put('/Consent/:id', limitBody(), (c) => putConsent(c, c.req.param('id')));
  routes.get('/Patient/:id/$access', access);
  routes.post('/Patient/:id/$break-the-glass', limitBody(), breakTheGlass);
  return routes;
}

async function putConsent(c: Context<AppEnv>, urlId: string | undefined): Promise<Response> {
  const requester = requesterOf(c);
  const written = await writeConsent(c.var.deps, requester, await readJson(c), urlId);
  return fhirJson(c, JSON.parse(written.content), written.created ? 201 : 200, {
    location: `${c.var.deps.config.baseUrl}/fhir/Consent/${written.id}/_history/${written.versionId}`,
    etag: `W/"${written.versionId}"`,
    'consent-receipt': written.receipt,
  });
}

async function access(c: Context<AppEnv>): Promise<Response> {
  const gate = gateOf(c);
  const purpose = c.req.query('purpose');
  if (purpose !== undefined && !isPurpose(purpose)) throw FhirError.of(400, 'value', `Unknown purpose '${purpose}'`);
  const actor = c.req.query('actor');
  const classes = (c.req.query('class') ?? DEFAULT_CLASSES).split(',');
  const id = c.req.param('id')!;
  const answer = await gate.explainAccess(id, { ...(actor !== undefined ? { actor } : {}), ...(purpose ? { purpose: purpose as Purpose } : {}), classes });
  if (!answer) throw FhirError.of(404, 'not-found', `Patient/${id} is not known`);
  return fhirJson(c, accessParameters(answer));
}

function accessParameters(a: AccessExplanation) {
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'patient', valueReference: { reference: `Patient/${a.person}` } },
      { name: 'actor', valueString: a.actor },
      ...a.classes.map((k) => ({
        name: 'access',
        part: [
          { name: 'class', valueCode: k.cls },
          { name: 'decision', valueCode: k.permit ? 'permit' : 'deny' },
          ...(k.purpose ? [{ name: 'purpose', valueCode: k.purpose }] : []),
          ...(k.withheld ?? []).map((s) => ({ name: 'withheld', valueCode: s })),
          ...(k.reasons ?? []).map((r) => ({ name: 'reason', valueString: `${r.layer} ${r.effect}: ${r.detail} [${r.ref}]` })),
        ],
      })),
    ],
  };
}

async function breakTheGlass(c: Context<AppEnv>): Promise<Response> {
  const requester = requesterOf(c);
  const reason = reasonOf(await readJson(c));
  const { grant, expiresAt } = await grantBreakGlass(c.var.deps, requester, c.req.param('id')!, reason);
  return fhirJson(
    c,
    {
      resourceType: 'Parameters',
      parameter: [
        { name: 'grant', valueString: grant },
        { name: 'expires', valueInstant: expiresAt },
        { name: 'notice', valueString: 'The patient will see this access in their access history.' },
      ],
    },
    201,
  );
}

/** The reason, from `{"reason": "…"}` or a Parameters resource's `reason` parameter; anything else is no reason. */
function reasonOf(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const { reason, parameter } = body as { reason?: unknown; parameter?: unknown };
  if (typeof reason === 'string') return reason;
  if (!Array.isArray(parameter)) return undefined;
  const found = parameter.find(
    (p): p is { name: string; valueString?: unknown } => p !== null && typeof p === 'object' && (p as { name?: unknown }).name === 'reason',
  );
  return typeof found?.valueString === 'string' ? found.valueString : undefined;
}
