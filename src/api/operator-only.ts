import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';
import { FhirError } from '../fhir/errors.js';
import { requesterOf } from '../http/authenticate.js';
import { operatorOf, type Operator } from '../operations/index.js';

/**
 * The one check in front of every /admin API: a person token with role `operator`. Anonymous
 * requests were already refused with 401 by authentication; anyone else gets 403 saying what
 * only an operator may do.
 */
export function operatorOnly(what: string): MiddlewareHandler<AppEnv> {
  return async function operatorOnly(c, next) {
    if (!operatorOf(requesterOf(c))) throw FhirError.of(403, 'forbidden', `Only an operator may ${what}`);
    await next();
  };
}

/** The operator behind a request that passed operatorOnly. */
export function operatorFrom(c: Context<AppEnv>): Operator {
  const op = operatorOf(requesterOf(c));
  if (!op) throw FhirError.of(403, 'forbidden', 'Only an operator may do this');
  return op;
}
