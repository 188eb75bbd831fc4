import type { CapabilityStatement } from '../../fhir/types.js';
import { INCLUDES_OF, MAX_COUNT } from '../../search/params.js';
import { searchParamsOf, type SearchParamDefinition } from '../../search/definitions.js';
import { DIRECTORY_TYPES } from '../../gate/scope.js';
import { RESOURCE_TYPES } from '../../store/search-values.js';
import { TOPIC_CODES, TOPICS } from '../../subscriptions/topics.js';

/**
 * What this server really does, no more, built from the same tables the routes use: the stored
 * types with the search parameters the parser answers, the _include pairs it follows, the
 * operations routed, and the SMART endpoints. A test walks every claim against the running
 * gateway, so a claim without a route fails there.
 */

const BULK = 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition';
const OPS = {
  everything: { name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' },
  patientExport: { name: 'export', definition: `${BULK}/patient-export` },
  groupExport: { name: 'export', definition: `${BULK}/group-export` },
  systemExport: { name: 'export', definition: `${BULK}/export` },
  access: { name: 'access', definition: 'urn:consent-gateway:OperationDefinition/access' },
  breakTheGlass: { name: 'break-the-glass', definition: 'urn:consent-gateway:OperationDefinition/break-the-glass' },
  reports: {
    name: 'reports',
    definition: 'urn:consent-gateway:OperationDefinition/reports',
    documentation:
      'GET Organization/{id}/$reports?date=YYYY-MM-DD (or date=le…)&kind=care-gaps|performance: the organization’s reports made that day (or the latest on or before), immutable, each with the roster versions it read; for the organization itself only.',
  },
  multiPayer: {
    name: 'multi-payer',
    definition: 'urn:consent-gateway:OperationDefinition/multi-payer',
    documentation:
      'GET Organization/{id}/$multi-payer?quarter=YYYY-Qn: the organization’s quality measures across all its plans as rates only (no plan’s numerator or denominator), for the organization itself only.',
  },
  adtDigest: {
    name: 'adt-digest',
    definition: 'urn:consent-gateway:OperationDefinition/adt-digest',
    documentation:
      'GET Organization/{id}/$adt-digest?date=YYYY-MM-DD: the day’s admissions, discharges, ED visits and transfers of the organization’s attributed patients, as a List, each decided as its notification would be.',
  },
};

const CARE_GAPS = {
  name: 'care-gaps',
  definition: 'http://hl7.org/fhir/us/davinci-deqm/OperationDefinition/care-gaps',
  documentation:
    'GET or POST Measure/$care-gaps (or Measure/{id}/$care-gaps): periodStart, periodEnd, status (repeated), and subject (Patient/{id} or a roster Group/{id}) or organization (the requester’s own; with or without practitioner); measureId, measureUrl or measureIdentifier to choose measures. One DEQM gaps document Bundle per patient, computed on the records the requester may see; each run is stored with the roster version it used.',
};

/** The quality measures: directory data, and the type the gaps-in-care operation runs on. */
const MEASURE = {
  type: 'Measure',
  documentation:
    'The gateway’s quality measures (breast cancer screening, HbA1c poor control, controlling blood pressure): directory data, readable by any authenticated requester. Value-based contracts are Measures too (Measure/vbp-{contract}, Da Vinci VBPR vbp-measure), readable by their payer and provider organization only.',
  interaction: [{ code: 'read' }, { code: 'search-type' }],
  versioning: 'no-version',
  readHistory: false,
  updateCreate: false,
  conditionalCreate: false,
  conditionalRead: 'not-supported',
  conditionalUpdate: false,
  conditionalDelete: 'not-supported',
  operation: [
    CARE_GAPS,
    {
      name: 'evaluate-measure',
      definition: 'http://hl7.org/fhir/OperationDefinition/Measure-evaluate-measure',
      documentation:
        'POST Measure/vbp-{contract}/$evaluate-measure?periodStart&periodEnd (one quarter), or $performance?quarter=YYYY-Qn: the contract’s Da Vinci VBPR performance report, computed, stored and returned; for the contract’s payer and provider organization only.',
    },
  ],
};

const READS = ['read', 'vread', 'history-instance'];

/** Types sources write (create, update, transaction, batch). Consents are written by patients, through the consent API. */
const written = (type: string) => type !== 'Group';

function searchParam(p: SearchParamDefinition) {
  const modifiers = p.modifiers.length > 0 ? ` Modifiers: ${p.modifiers.map((m) => `:${m}`).join(', ')}.` : '';
  return { name: p.name, definition: p.definition, type: p.type, documentation: `${p.documentation}${modifiers}` };
}

function resourceEntry(type: string) {
  // Group holds the attribution rosters: read and exported, never written by a source. (The monthly
  // ATR rosters' history and search, and the reports' own types, are in the README: the conformance
  // probe of every listed claim does not reach them yet.)
  const searched = type !== 'Group';
  const interactions = [...(type === 'Group' ? ['read'] : READS), ...(searched ? ['search-type'] : []), ...(written(type) ? ['create', 'update'] : [])];
  const operations =
    type === 'Patient'
      ? [OPS.everything, OPS.patientExport, OPS.access, OPS.breakTheGlass]
      : type === 'Group'
        ? [OPS.groupExport]
        : type === 'Organization'
          ? [OPS.adtDigest, OPS.reports, OPS.multiPayer]
          : [];
  const includes = (INCLUDES_OF[type] ?? []).map((param) => `${type}:${param}`);
  return {
    type,
    ...(DIRECTORY_TYPES.includes(type)
      ? { documentation: 'Directory data: readable by any authenticated requester with the scope.' }
      : type === 'Group'
        ? {
            documentation:
              'Attribution rosters: Group/attribution-{organization}-{year} from the latest release, and the monthly Da Vinci ATR rosters of each organization × payer (Group/roster-{YYYY-MM}-{hash}, versioned draft then final; search by managing-entity and period), for the organization and its payer only.',
          }
        : { documentation: 'Patient data: served only under the patient’s consent and the data use agreements, audited.' }),
    interaction: interactions.map((code) => ({ code })),
    versioning: type === 'Group' ? 'no-version' : 'versioned-update',
    readHistory: type !== 'Group',
    updateCreate: written(type),
    conditionalCreate: false,
    conditionalRead: type === 'Group' ? 'not-supported' : 'full-support',
    conditionalUpdate: false,
    conditionalDelete: 'not-supported',
    ...(includes.length > 0 ? { searchInclude: includes } : {}),
    ...(searched ? { searchParam: searchParamsOf(type).map(searchParam) } : {}),
    ...(operations.length > 0 ? { operation: operations } : {}),
  };
}

/** The accounting of disclosures: only her own trail, by patient, paged by its next links. */
const AUDIT_EVENT = {
  type: 'AuditEvent',
  documentation:
    'A patient’s accounting of disclosures: GET AuditEvent?patient=Patient/{id}, newest first, for the patient or a caregiver she delegated it to. Paged stably by the next links (_cursor); _count up to 1000; _offset is refused.',
  interaction: [{ code: 'search-type' }],
  searchParam: [
    {
      name: 'patient',
      definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-patient',
      type: 'reference',
      documentation: 'Required: the patient whose accounting this is.',
    },
  ],
};

const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport';

/** Topic-based Subscriptions (R4 Backport IG): managed by a provider organization's backend client, or by an operator for one. */
const SUBSCRIPTION = {
  type: 'Subscription',
  // The IG's way for an R4 server to say which SubscriptionTopics it offers.
  extension: TOPIC_CODES.map((t) => ({
    url: `${BACKPORT}/StructureDefinition/capabilitystatement-subscriptiontopic-canonical`,
    valueCanonical: TOPICS[t].canonical,
  })),
  supportedProfile: [`${BACKPORT}/StructureDefinition/backport-subscription`],
  documentation:
    'Admission, discharge and transfer notifications (rest-hook only), decided under the patient’s consent for the subscriber’s organization. Created by a provider’s backend client (system/Subscription.c, a DUA permitting treatment) or an operator (user/Subscription.c, naming the organization with urn:consent-gateway:subscription-organization). Filters: patient, attributed-organization (the subscriber’s own), class. Every notification is signed (Standard Webhooks); the secret is returned once, on the create. GET Subscription lists the requester’s own.',
  interaction: ['read', 'create', 'update', 'delete', 'search-type'].map((code) => ({ code })),
  versioning: 'versioned',
  readHistory: false,
  updateCreate: false,
  conditionalCreate: false,
  conditionalRead: 'not-supported',
  conditionalUpdate: false,
  conditionalDelete: 'not-supported',
  operation: [
    { name: 'status', definition: `${BACKPORT}/OperationDefinition/backport-subscription-status` },
    { name: 'events', definition: `${BACKPORT}/OperationDefinition/backport-subscription-events` },
  ],
};

export function capabilityStatement(config: { baseUrl: string; issuer: string }, date: string): CapabilityStatement {
  const { baseUrl, issuer } = config;
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    kind: 'instance',
    instantiates: ['http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data'],
    software: { name: 'Consent Gateway', version: '0.1.0' },
    implementation: { description: 'Consent Gateway: a consent-aware health information exchange', url: `${baseUrl}/fhir` },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation: `Patient-level reads are served only to authenticated requesters under patient consent and data use agreements; what may not be seen answers as what does not exist. Searches: repeated parameters are AND, commas OR; _count up to ${MAX_COUNT} (more is capped, with an outcome entry); _summary=count; _total=none (no total, so a full page needs no count); _elements; _sort=date|_lastUpdated (- for descending). JSON only: another Accept or _format is 406.`,
        security: {
          cors: true,
          service: [
            {
              coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }],
              text: 'OAuth2 with the SMART App Launch 2 profile (see .well-known/smart-configuration)',
            },
          ],
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [
                { url: 'authorize', valueUri: `${issuer}/auth` },
                { url: 'token', valueUri: `${issuer}/token` },
                { url: 'introspect', valueUri: `${issuer}/token/introspection` },
                { url: 'revoke', valueUri: `${issuer}/token/revocation` },
                { url: 'manage', valueUri: `${baseUrl}/portal` },
              ],
            },
          ],
        },
        resource: [...Object.keys(RESOURCE_TYPES).map(resourceEntry), AUDIT_EVENT, SUBSCRIPTION, MEASURE],
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
        operation: [OPS.systemExport],
      },
    ],
  } as unknown as CapabilityStatement;
}
