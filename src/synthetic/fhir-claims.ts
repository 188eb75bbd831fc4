/** Payer resources: Coverage periods and ExplanationOfBenefit claims. */
import type { SourceDef } from './catalog.js';
import { type DxKey, SOPT, SYSTEMS, icdCoding } from './codes.js';
import { dayToIso } from './dates.js';
import { concept, head, ref } from './fhir-common.js';
import { localIdSystem } from './fhir-patient.js';
import type { Coding, Coverage, ExplanationOfBenefit, ExplanationOfBenefitItem, ExplanationOfBenefitTotal } from './fhir-types.js';
import type { CoverageSpan } from './plan.js';
import type { Amounts } from './pricing.js';

export interface CoverageArgs {
  id: string;
  src: SourceDef;
  patientId: string;
  memberId: string;
  span: CoverageSpan;
}

export function coverageResource(a: CoverageArgs): Coverage {
  const sopt = SOPT[a.src.segment ?? 'commercial'];
  const member = ref('Patient', a.patientId);
  return {
    ...head('Coverage', a.id, a.src.uri),
    identifier: [{ system: localIdSystem(a.src), value: a.memberId }],
    status: 'active',
    type: concept(SYSTEMS.sopt, sopt.code, sopt.display),
    subscriber: member,
    subscriberId: a.memberId,
    beneficiary: { ...member },
    relationship: concept(SYSTEMS.subscriberRelationship, 'self', 'Self'),
    period: { start: dayToIso(a.span.start), end: dayToIso(a.span.end) },
    payor: [ref('Organization', a.src.organizationId)],
  };
}

export type ClaimType = 'institutional' | 'professional' | 'pharmacy';

export interface EobArgs {
  id: string;
  src: SourceDef;
  patientId: string;
  coverageId: string;
  claimType: ClaimType;
  subType?: 'inpatient' | 'outpatient';
  providerOrganizationId: string;
  practitioner?: string;
  product: Coding;
  revenue?: Coding;
  serviceStart: number;
  serviceEnd: number;
  createdDay: number;
  encounterId?: string;
  diagnoses: readonly DxKey[];
  amounts: Amounts;
  quantity?: number;
}

const CLAIM_TYPE_DISPLAY = { institutional: 'Institutional', professional: 'Professional', pharmacy: 'Pharmacy' } as const;

function total(code: 'submitted' | 'eligible' | 'benefit', display: string, value: number): ExplanationOfBenefitTotal {
  return { category: concept(SYSTEMS.adjudication, code, display), amount: { value, currency: 'USD' } };
}

export function eobResource(a: EobArgs): ExplanationOfBenefit {
  const start = dayToIso(a.serviceStart);
  const end = dayToIso(a.serviceEnd);
  const eob: ExplanationOfBenefit = {
    ...head('ExplanationOfBenefit', a.id, a.src.uri),
    status: 'active',
    type: concept(SYSTEMS.claimType, a.claimType, CLAIM_TYPE_DISPLAY[a.claimType]),
    ...(a.subType === undefined ? {} : { subType: concept(SYSTEMS.institutionalSubType, a.subType, a.subType === 'inpatient' ? 'Inpatient' : 'Outpatient') }),
    use: 'claim',
    patient: ref('Patient', a.patientId),
    billablePeriod: { start, end },
    created: dayToIso(a.createdDay),
    insurer: ref('Organization', a.src.organizationId),
    provider: ref('Organization', a.providerOrganizationId),
    outcome: 'complete',
    insurance: [{ focal: true, coverage: ref('Coverage', a.coverageId) }],
  };
  if (a.practitioner !== undefined) {
    eob.careTeam = [
      {
        sequence: 1,
        provider: ref('Practitioner', a.practitioner),
        role: concept('http://terminology.hl7.org/CodeSystem/claimcareteamrole', 'primary', 'Primary provider'),
      },
    ];
  }
  if (a.diagnoses.length > 0) {
    eob.diagnosis = a.diagnoses.map((key, i) => ({
      sequence: i + 1,
      diagnosisCodeableConcept: { coding: [icdCoding(key)] },
      type: [
        concept(
          'http://terminology.hl7.org/CodeSystem/ex-diagnosistype',
          i === 0 ? 'principal' : 'secondary',
          i === 0 ? 'Principal Diagnosis' : 'Secondary Diagnosis',
        ),
      ],
    }));
  }
  const item: ExplanationOfBenefitItem = { sequence: 1, productOrService: { coding: [a.product] } };
  if (a.practitioner !== undefined) item.careTeamSequence = [1];
  if (a.diagnoses.length > 0) item.diagnosisSequence = [1];
  if (a.revenue !== undefined) item.revenue = { coding: [a.revenue] };
  if (a.serviceStart === a.serviceEnd) item.servicedDate = start;
  else item.servicedPeriod = { start, end };
  if (a.quantity !== undefined) item.quantity = { value: a.quantity };
  item.net = { value: a.amounts.submitted, currency: 'USD' };
  if (a.encounterId !== undefined) item.encounter = [ref('Encounter', a.encounterId)];
  eob.item = [item];
  eob.total = [
    total('submitted', 'Submitted Amount', a.amounts.submitted),
    total('eligible', 'Eligible Amount', a.amounts.eligible),
    total('benefit', 'Benefit Amount', a.amounts.benefit),
  ];
  return eob;
}
