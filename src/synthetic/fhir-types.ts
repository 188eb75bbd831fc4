/**
 * FHIR R4 interfaces from @smile-cdr/fhirts, imported type-only from their
 * individual declaration files: the package root pulls in every FHIR version
 * and the generator needs no runtime code from it.
 */
export type { Bundle } from '@smile-cdr/fhirts/dist/FHIR-R4/Bundle.js';
export type { BundleEntry } from '@smile-cdr/fhirts/dist/FHIR-R4/BundleEntry.js';
export type { Coding } from '@smile-cdr/fhirts/dist/FHIR-R4/Coding.js';
export type { CodeableConcept } from '@smile-cdr/fhirts/dist/FHIR-R4/CodeableConcept.js';
export type { Reference } from '@smile-cdr/fhirts/dist/FHIR-R4/Reference.js';
export type { Identifier } from '@smile-cdr/fhirts/dist/FHIR-R4/Identifier.js';
export type { Patient } from '@smile-cdr/fhirts/dist/FHIR-R4/Patient.js';
export type { RelatedPerson } from '@smile-cdr/fhirts/dist/FHIR-R4/RelatedPerson.js';
export type { Organization } from '@smile-cdr/fhirts/dist/FHIR-R4/Organization.js';
export type { Practitioner } from '@smile-cdr/fhirts/dist/FHIR-R4/Practitioner.js';
export type { PractitionerRole } from '@smile-cdr/fhirts/dist/FHIR-R4/PractitionerRole.js';
export type { Coverage } from '@smile-cdr/fhirts/dist/FHIR-R4/Coverage.js';
export type { Encounter } from '@smile-cdr/fhirts/dist/FHIR-R4/Encounter.js';
export type { Condition } from '@smile-cdr/fhirts/dist/FHIR-R4/Condition.js';
export type { Observation } from '@smile-cdr/fhirts/dist/FHIR-R4/Observation.js';
export type { Procedure } from '@smile-cdr/fhirts/dist/FHIR-R4/Procedure.js';
export type { ExplanationOfBenefit } from '@smile-cdr/fhirts/dist/FHIR-R4/ExplanationOfBenefit.js';
export type { ExplanationOfBenefitItem } from '@smile-cdr/fhirts/dist/FHIR-R4/ExplanationOfBenefitItem.js';
export type { ExplanationOfBenefitTotal } from '@smile-cdr/fhirts/dist/FHIR-R4/ExplanationOfBenefitTotal.js';
export type { HumanName } from '@smile-cdr/fhirts/dist/FHIR-R4/HumanName.js';
export type { Address } from '@smile-cdr/fhirts/dist/FHIR-R4/Address.js';
export type { ContactPoint } from '@smile-cdr/fhirts/dist/FHIR-R4/ContactPoint.js';
export type { Period } from '@smile-cdr/fhirts/dist/FHIR-R4/Period.js';

/** The package's CodeableConcept omits FHIR's `text` element; this restores it. */
export type Concept = import('@smile-cdr/fhirts/dist/FHIR-R4/CodeableConcept.js').CodeableConcept & { text?: string };

/** Resources whose fhirts classes are stricter than the JSON they describe: built as plain objects. */
export type LooseResource = { resourceType: string; id: string; meta: { source: string } } & Record<string, unknown>;
