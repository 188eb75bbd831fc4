import { RESOURCE_TYPES } from '../../store/search-values.js';
import type { CapabilityStatement } from '../../fhir/types.js';

/**
 * What this server really does, no more: reads, version reads and searches under consent with
 * the search parameters actually implemented, writes by source systems, transaction and batch.
 */
const SEARCH_PARAMS = [
  { name: 'patient', type: 'reference' },
  { name: 'subject', type: 'reference' },
  { name: '_id', type: 'token' },
  { name: '_lastUpdated', type: 'date' },
  { name: 'date', type: 'date' },
  { name: 'code', type: 'token' },
  { name: 'category', type: 'token' },
  { name: 'status', type: 'token' },
];

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
          interaction: [{ code: 'read' }, { code: 'vread' }, { code: 'search-type' }, { code: 'create' }, { code: 'update' }],
          searchParam: SEARCH_PARAMS,
          ...(type === 'Group' ? { operation: [{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export' }] } : {}),
          ...(type === 'Patient'
            ? {
                operation: [
                  { name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' },
                  { name: 'access', definition: 'urn:consent-gateway:OperationDefinition/access' },
                  { name: 'break-the-glass', definition: 'urn:consent-gateway:OperationDefinition/break-the-glass' },
                ],
              }
            : {}),
        })),
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
      },
    ],
  } as CapabilityStatement;
}
