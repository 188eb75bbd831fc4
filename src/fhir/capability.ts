import { RESOURCE_TYPES } from '../store/search-values.js';
import type { CapabilityStatement } from './types.js';

/**
 * What this server really does, no more: until authenticated reads exist, every type takes
 * create and update, and the system takes transaction and batch.
 */
export function capabilityStatement(baseUrl: string, date: string): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    kind: 'instance',
    software: { name: 'Consent Gateway', version: '0.1.0' },
    implementation: { description: 'Consent Gateway: a consent-aware health information exchange', url: `${baseUrl}/fhir` },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation: 'Patient-level reads are served only to authenticated requesters under patient consent and data use agreements.',
        resource: Object.keys(RESOURCE_TYPES).map((type) => ({
          type,
          versioning: 'versioned',
          updateCreate: true,
          interaction: [{ code: 'create' }, { code: 'update' }],
        })),
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
      },
    ],
  } as CapabilityStatement;
}
