import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import { requesterOf } from './authenticate.js';
import { createGate, type Gate } from '../gate/index.js';

/** The request's gate, built once from its Requester (401 without one) and kept on `c.var.gate`. */
export function gateOf(c: Context<AppEnv>): Gate {
  let gate = c.var.gate;
  if (!gate) {
    gate = createGate(c.var.deps, requesterOf(c));
    c.set('gate', gate);
  }
  return gate;
}
