import { Hono } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { smartConfiguration } from '../../auth/smart-configuration.js';
import { fhirJson } from '../../http/fhir-response.js';
import { attributionRoutes } from './attribution.js';
import { capabilityStatement } from './capability.js';
import { careGapsRoutes } from './care-gaps.js';
import { digestRoutes } from './digest.js';
import { exportRoutes } from './export.js';
import { performanceRoutes } from './performance.js';
import { readRoutes } from './reads.js';
import { rosterRoutes } from './rosters.js';
import { storedGapsRoutes } from './stored-gaps.js';
import { subscriptionOpsRoutes } from './subscription-ops.js';
import { subscriptionRoutes } from './subscriptions.js';
import { writeRoutes } from './writes.js';

/** The FHIR REST API under /fhir: discovery, writes by sources, and every read through the gate. */
export function fhirRoutes(): Hono<AppEnv> {
  const fhir = new Hono<AppEnv>();
  fhir.get('/metadata', (c) => fhirJson(c, capabilityStatement(c.var.deps.config, c.var.deps.clock().toISOString())));
  fhir.get('/.well-known/smart-configuration', (c) => c.json(smartConfiguration(c.var.deps.config.issuer)));
  // Before the generic writes and reads: Subscription is not a stored clinical type.
  fhir.route('/', subscriptionRoutes());
  // Before the generic writes too: a dispute is a Task no source writes.
  fhir.route('/', rosterRoutes());
  fhir.route('/', writeRoutes());
  fhir.route('/', exportRoutes());
  fhir.route('/', attributionRoutes());
  fhir.route('/', subscriptionOpsRoutes());
  fhir.route('/', digestRoutes());
  // Contracts' Measures (vbp-*) before the quality measures, whose reads answer 404 for any other id.
  fhir.route('/', performanceRoutes());
  fhir.route('/', careGapsRoutes());
  fhir.route('/', storedGapsRoutes());
  fhir.route('/', readRoutes());
  return fhir;
}
