/** One source's Patient record for a person, written the way that source writes names. */
import type { SourceDef } from './catalog.js';
import { SYSTEMS } from './codes.js';
import { head, identifierType, ref } from './fhir-common.js';
import type { Identifier, Patient } from './fhir-types.js';
import type { Demographics, RecordDemo } from './plan.js';

export interface PatientArgs {
  id: string;
  src: SourceDef;
  rec: RecordDemo;
  demo: Demographics;
  /** MRN at providers, member id at payers. */
  localId: string;
  generalPractitioner?: string;
  /** A payer's record of the primary-care organization its member chose (the plan's PCP selection). */
  designatedOrganization?: string;
}

/** Identifier systems are per source, e.g. https://clinic-oak.example.org/mrn. */
export function localIdSystem(src: SourceDef): string {
  return `https://${src.id}.example.org/${src.kind === 'payer' ? 'member-id' : 'mrn'}`;
}

export function patientResource(a: PatientArgs): Patient {
  const { src, rec, demo } = a;
  const payer = src.kind === 'payer';
  const identifier: Identifier[] = [
    {
      use: 'usual',
      type: payer ? identifierType('MB', 'Member Number') : identifierType('MR', 'Medical record number'),
      system: localIdSystem(src),
      value: a.localId,
    },
  ];
  if (rec.includeSsn) {
    identifier.push({ use: 'official', type: identifierType('SS', 'Social Security number'), system: SYSTEMS.ssn, value: demo.ssn });
  }
  const given = rec.middle === undefined ? [rec.given] : [rec.given, rec.middle];
  const patient: Patient = {
    ...head('Patient', a.id, src.uri),
    identifier,
    active: true,
    name: [{ use: 'official', family: rec.family, given }],
    telecom: [{ system: 'phone', value: rec.phone, use: 'home' }],
    gender: demo.gender,
    birthDate: demo.birthDate,
    address: [{ use: 'home', line: [rec.line], city: rec.city, state: 'MI', postalCode: rec.postalCode, country: 'US' }],
  };
  if (a.generalPractitioner !== undefined) {
    patient.generalPractitioner = [ref('Practitioner', a.generalPractitioner), ref('Organization', src.organizationId)];
  }
  if (a.designatedOrganization !== undefined) patient.generalPractitioner = [ref('Organization', a.designatedOrganization)];
  patient.managingOrganization = ref('Organization', src.organizationId);
  return patient;
}
