/**
 * Organizations, clinicians and their roles: the directory content each
 * source publishes about itself, plus the HIE's own directory entries.
 */
import { CLINICIANS, RESEARCH_ORG, type SourceDef } from './catalog.js';
import { SYSTEMS, TAXONOMY } from './codes.js';
import { concept, head, identifierType, npiIdentifier, ref } from './fhir-common.js';
import type { Organization, Practitioner, PractitionerRole, RelatedPerson } from './fhir-types.js';

const ORG_TYPE = {
  payer: ['pay', 'Payer'],
  hospital: ['prov', 'Healthcare Provider'],
  clinic: ['prov', 'Healthcare Provider'],
  directory: ['other', 'Other'],
} as const;

function address(a: { line: string; city: string; postalCode: string }): NonNullable<Organization['address']> {
  return [{ line: [a.line], city: a.city, state: 'MI', postalCode: a.postalCode, country: 'US' }];
}

export function sourceOrganization(src: SourceDef): Organization {
  const [code, display] = ORG_TYPE[src.kind];
  const org: Organization = { ...head('Organization', src.organizationId, src.uri), active: true };
  if (src.kind === 'hospital' || src.kind === 'clinic') {
    org.identifier = [{ ...npiIdentifier(`org:${src.id}`), type: identifierType('NPI', 'National provider identifier') }];
  }
  org.type = [concept(SYSTEMS.organizationType, code, display)];
  org.name = src.name;
  org.telecom = [{ system: 'phone', value: src.phone, use: 'work' }];
  org.address = address(src.address);
  return org;
}

export function researchOrganization(uri: string): Organization {
  return {
    ...head('Organization', RESEARCH_ORG.id, uri),
    active: true,
    type: [concept(SYSTEMS.organizationType, 'edu', 'Educational Institute')],
    name: RESEARCH_ORG.name,
    telecom: [{ system: 'phone', value: RESEARCH_ORG.phone, use: 'work' }],
    address: address(RESEARCH_ORG.address),
  };
}

export function cliniciansOf(src: SourceDef): (Practitioner | PractitionerRole)[] {
  const out: (Practitioner | PractitionerRole)[] = [];
  for (const c of CLINICIANS.filter((x) => x.source === src.id)) {
    out.push({
      ...head('Practitioner', c.id, src.uri),
      identifier: [{ ...npiIdentifier(c.id), type: identifierType('NPI', 'National provider identifier') }],
      active: true,
      name: [{ use: 'official', family: c.family, given: [c.given], prefix: ['Dr.'] }],
      gender: c.gender,
      qualification: [{ code: concept('http://terminology.hl7.org/CodeSystem/v2-0360', 'MD', 'Doctor of Medicine') }],
    });
    const tax = TAXONOMY[c.specialty];
    out.push({
      ...head('PractitionerRole', c.id.replace('-prac-', '-role-'), src.uri),
      active: true,
      practitioner: ref('Practitioner', c.id),
      organization: ref('Organization', src.organizationId),
      code: [concept(SYSTEMS.practitionerRole, 'doctor', 'Doctor')],
      specialty: [concept(SYSTEMS.taxonomy, tax.code, tax.display)],
    });
  }
  return out;
}

export interface RelatedPersonArgs {
  id: string;
  uri: string;
  patientId: string;
  given: string;
  family: string;
  gender: 'male' | 'female';
  birthDate: string;
  phone: string;
}

export function relatedChild(a: RelatedPersonArgs): RelatedPerson {
  return {
    ...head('RelatedPerson', a.id, a.uri),
    active: true,
    patient: ref('Patient', a.patientId),
    relationship: [concept(SYSTEMS.roleCode, 'CHILD', 'child')],
    name: [{ use: 'official', family: a.family, given: [a.given] }],
    telecom: [{ system: 'phone', value: a.phone, use: 'mobile' }],
    gender: a.gender,
    birthDate: a.birthDate,
  };
}
