/**
 * The search parameters each stored type answers, as R4 defines them, and where the store keeps
 * each one's values. Pure data: the parser reads it to know what a name means on a type, and the
 * CapabilityStatement can list it as is.
 */

/** The store's columns and index rows a search parameter reads (see src/store/search-values.ts). */
export type SearchField = 'patient' | 'date' | 'code' | 'category' | 'status' | 'name' | 'id' | 'lastUpdated';

export type ParamType = 'token' | 'date' | 'reference' | 'string';

export type Modifier = 'missing' | 'not' | 'text' | 'exact' | 'contains';

export interface SearchParamDefinition {
  name: string;
  type: ParamType;
  /** The canonical SearchParameter this one implements. */
  definition: string;
  documentation: string;
  /** The modifiers this parameter takes here; any other is refused. */
  modifiers: readonly Modifier[];
  field: SearchField;
}

const SP = 'http://hl7.org/fhir/SearchParameter/';
const TOKEN: readonly Modifier[] = ['missing', 'not', 'text'];
const STATUS: readonly Modifier[] = ['missing', 'not'];

const DATE_DOC =
  'A date range: the prefixes eq ne lt gt le ge sa eb ap compare the range of the value with the range of the resource (a Period is [start, end], an open end is still going); ap widens the value by 10% of its distance from now on each side.';

const id = (): SearchParamDefinition => ({
  name: '_id',
  type: 'token',
  definition: `${SP}Resource-id`,
  documentation: 'Logical id; commas are OR, a repeated _id is AND.',
  modifiers: [],
  field: 'id',
});
const lastUpdated = (): SearchParamDefinition => ({
  name: '_lastUpdated',
  type: 'date',
  definition: `${SP}Resource-lastUpdated`,
  documentation: `When the gateway last stored this resource. ${DATE_DOC}`,
  modifiers: [],
  field: 'lastUpdated',
});
const patient = (definition: string, name = 'patient'): SearchParamDefinition => ({
  name,
  type: 'reference',
  definition: `${SP}${definition}`,
  documentation:
    'The patient (Patient/{id} or {id}): the search covers every record linked to the same person. Required on patient data; one patient per search.',
  modifiers: [],
  field: 'patient',
});
const date = (definition: string, documentation: string, name = 'date'): SearchParamDefinition => ({
  name,
  type: 'date',
  definition: `${SP}${definition}`,
  documentation: `${documentation} ${DATE_DOC}`,
  modifiers: ['missing'],
  field: 'date',
});
const token = (name: string, field: 'code' | 'category', definition: string, documentation: string): SearchParamDefinition => ({
  name,
  type: 'token',
  definition: `${SP}${definition}`,
  documentation: `${documentation} [system]|[code], system| or |code; :text matches the start of CodeableConcept.text or Coding.display, ignoring case and accents.`,
  modifiers: TOKEN,
  field,
});
const status = (definition: string, name = 'status'): SearchParamDefinition => ({
  name,
  type: 'token',
  definition: `${SP}${definition}`,
  documentation: 'Status code; commas are OR, a repeated parameter is AND.',
  modifiers: STATUS,
  field: 'status',
});
const name = (definition: string, documentation: string): SearchParamDefinition => ({
  name: 'name',
  type: 'string',
  definition: `${SP}${definition}`,
  documentation: `${documentation} Matches the start of a value ignoring case and accents; :contains anywhere, :exact exactly.`,
  modifiers: ['missing', 'exact', 'contains'],
  field: 'name',
});

const subjectOf = (type: string) => patient(`${type}-subject`, 'subject');

const PARAMS: Readonly<Record<string, readonly SearchParamDefinition[]>> = {
  // A Patient search is the patient's own compartment: _id names the patient.
  Patient: [],
  RelatedPerson: [patient('RelatedPerson-patient')],
  Practitioner: [name('Practitioner-name', 'A part of the name (family, given, prefix, suffix or text).')],
  PractitionerRole: [],
  Organization: [name('Organization-name', 'The name or an alias.')],
  Location: [name('Location-name', 'The name or an alias.')],
  Encounter: [
    patient('clinical-patient'),
    subjectOf('Encounter'),
    date('clinical-date', 'Encounter.period.'),
    token('type', 'code', 'clinical-type', 'Encounter.type.'),
    token('class', 'category', 'Encounter-class', 'Encounter.class.'),
    status('Encounter-status'),
  ],
  Condition: [
    patient('clinical-patient'),
    subjectOf('Condition'),
    token('code', 'code', 'clinical-code', 'Condition.code.'),
    token('category', 'category', 'Condition-category', 'Condition.category.'),
    status('Condition-clinical-status', 'clinical-status'),
  ],
  Observation: [
    patient('clinical-patient'),
    subjectOf('Observation'),
    date('clinical-date', 'Observation.effective[x] (Observation.issued when there is none).'),
    token('code', 'code', 'clinical-code', 'Observation.code.'),
    token('category', 'category', 'Observation-category', 'Observation.category.'),
    status('Observation-status'),
  ],
  Procedure: [
    patient('clinical-patient'),
    subjectOf('Procedure'),
    date('clinical-date', 'Procedure.performed[x].'),
    token('code', 'code', 'clinical-code', 'Procedure.code.'),
    token('category', 'category', 'Procedure-category', 'Procedure.category.'),
    status('Procedure-status'),
  ],
  DiagnosticReport: [
    patient('clinical-patient'),
    subjectOf('DiagnosticReport'),
    date('clinical-date', 'DiagnosticReport.effective[x] (DiagnosticReport.issued when there is none).'),
    token('code', 'code', 'clinical-code', 'DiagnosticReport.code.'),
    token('category', 'category', 'DiagnosticReport-category', 'DiagnosticReport.category.'),
    status('DiagnosticReport-status'),
  ],
  MedicationRequest: [
    patient('clinical-patient'),
    subjectOf('MedicationRequest'),
    date('MedicationRequest-authoredon', 'MedicationRequest.authoredOn.', 'authoredon'),
    token('code', 'code', 'clinical-code', 'MedicationRequest.medicationCodeableConcept.'),
    token('category', 'category', 'MedicationRequest-category', 'MedicationRequest.category.'),
    status('medications-status'),
  ],
  Immunization: [
    patient('clinical-patient'),
    date('clinical-date', 'Immunization.occurrenceDateTime.'),
    token('vaccine-code', 'code', 'Immunization-vaccine-code', 'Immunization.vaccineCode.'),
    status('Immunization-status'),
  ],
  AllergyIntolerance: [
    patient('clinical-patient'),
    date('clinical-date', 'AllergyIntolerance.recordedDate (the onset when there is none).'),
    token('code', 'code', 'clinical-code', 'AllergyIntolerance.code.'),
    status('AllergyIntolerance-clinical-status', 'clinical-status'),
  ],
  Coverage: [patient('Coverage-patient'), token('type', 'code', 'Coverage-type', 'Coverage.type.'), status('Coverage-status')],
  ExplanationOfBenefit: [patient('ExplanationOfBenefit-patient'), status('ExplanationOfBenefit-status')],
  Consent: [
    patient('clinical-patient'),
    date('clinical-date', 'Consent.dateTime.'),
    token('category', 'category', 'Consent-category', 'Consent.category.'),
    status('Consent-status'),
  ],
  Group: [],
};

/** The parameters `$everything` and the accounting of disclosures take besides the result parameters. */
const OTHER: Readonly<Record<string, readonly SearchParamDefinition[]>> = {
  AuditEvent: [patient('AuditEvent-patient')],
};

/**
 * The search parameters a type answers (besides _count, _sort, _summary, _elements, _include
 * and _format), with their R4 definitions and the modifiers each takes. Empty for a type not held.
 * @example searchParamsOf('Observation').map((p) => p.name) // ['_id', '_lastUpdated', 'patient', 'subject', 'date', 'code', …]
 */
export function searchParamsOf(type: string): readonly SearchParamDefinition[] {
  const own = Object.hasOwn(PARAMS, type) ? PARAMS[type]! : Object.hasOwn(OTHER, type) ? OTHER[type]! : undefined;
  return own ? [id(), lastUpdated(), ...own] : [];
}

/** The result parameters every search takes (search.html §3.1.1.5), handled by the parser itself. */
export const RESULT_PARAMS: readonly string[] = ['_count', '_offset', '_sort', '_summary', '_total', '_elements', '_include', '_format'];
