/** The medication list, allergy list and immunization record, as the PCP clinic keeps them. */
import { ALLERGENS, REACTIONS, criticalityOf, type PlannedAllergy } from './allergies.js';
import { DRUGS, DRUG_INDICATION, SYSTEMS, type ChronicKey, dxConcept, isChronic } from './codes.js';
import { dayToIso, localDateTime } from './dates.js';
import { coding, concept, head, ref } from './fhir-common.js';
import type { LooseResource } from './fhir-types.js';
import { VACCINES, type PlannedImmunization } from './immunizations.js';
import { DOSAGE, type MedicationCourse } from './medications.js';

interface Common {
  id: string;
  uri: string;
  patientId: string;
  practitioner: string;
}

export interface MedicationRequestArgs extends Common {
  course: MedicationCourse;
  authoredDay: number;
  /** What it treats: the indication as the claims code it, so labels follow the drug's purpose. */
  reason: ChronicKey;
  conditionId?: string;
}

export function medicationRequest(a: MedicationRequestArgs): LooseResource {
  const drug = DRUGS[a.course.drug];
  const dose = DOSAGE[a.course.drug];
  const req: LooseResource = {
    ...head('MedicationRequest', a.id, a.uri),
    status: a.course.status,
    intent: 'order',
    category: [concept('http://terminology.hl7.org/CodeSystem/medicationrequest-category', 'community', 'Community')],
    medicationCodeableConcept: { coding: [coding(SYSTEMS.rxnorm, drug.rxnorm, drug.display)], text: drug.display },
    subject: ref('Patient', a.patientId),
    authoredOn: dayToIso(a.authoredDay),
    requester: ref('Practitioner', a.practitioner),
    reasonCode: [dxConcept(a.reason)],
  };
  if (a.conditionId !== undefined) req.reasonReference = [ref('Condition', a.conditionId)];
  req.dosageInstruction = [
    {
      text: dose.text,
      timing: { repeat: { frequency: dose.timesPerDay, period: 1, periodUnit: dose.weekly ? 'wk' : 'd' } },
    },
  ];
  req.dispenseRequest = {
    numberOfRepeatsAllowed: 3,
    quantity:
      dose.form === 'mL'
        ? { value: drug.quantity, unit: 'mL', system: SYSTEMS.ucum, code: 'mL' }
        : { value: drug.quantity, unit: 'tablet', system: 'http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm', code: 'TAB' },
    expectedSupplyDuration: { value: 90, unit: 'days', system: SYSTEMS.ucum, code: 'd' },
  };
  return req;
}

export function treatedCondition(drug: MedicationCourse['drug'], has: (key: ChronicKey) => boolean): ChronicKey {
  const indication = DRUG_INDICATION[drug];
  // Specialist-prescribed drugs never reach here (medicationCourses skips them); anything not on a problem list falls back as before.
  return isChronic(indication) && has(indication) ? indication : 'gad';
}

export interface AllergyArgs extends Common {
  allergy: PlannedAllergy;
}

export function allergyIntolerance(a: AllergyArgs): LooseResource {
  const def = ALLERGENS[a.allergy.allergen];
  const [code, display] = REACTIONS[a.allergy.reaction];
  return {
    ...head('AllergyIntolerance', a.id, a.uri),
    clinicalStatus: concept('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', 'active', 'Active'),
    verificationStatus: concept('http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', 'confirmed', 'Confirmed'),
    type: 'allergy',
    category: [def.category],
    criticality: criticalityOf(a.allergy),
    code: concept(def.system, def.code, def.display),
    patient: ref('Patient', a.patientId),
    recordedDate: dayToIso(a.allergy.recordedDay),
    recorder: ref('Practitioner', a.practitioner),
    reaction: [{ manifestation: [concept(SYSTEMS.snomed, code, display)], severity: a.allergy.severity }],
  };
}

export interface ImmunizationArgs extends Common {
  immunization: PlannedImmunization;
  encounterId?: string;
  organizationId: string;
  location: string;
  minute: number;
}

export function immunizationResource(a: ImmunizationArgs): LooseResource {
  const [code, display] = VACCINES[a.immunization.vaccine];
  const imm: LooseResource = {
    ...head('Immunization', a.id, a.uri),
    status: 'completed',
    vaccineCode: concept('http://hl7.org/fhir/sid/cvx', code, display),
    patient: ref('Patient', a.patientId),
  };
  if (a.encounterId !== undefined) imm.encounter = ref('Encounter', a.encounterId);
  imm.occurrenceDateTime = localDateTime(a.immunization.day, a.minute);
  imm.primarySource = true;
  imm.location = ref('Location', a.location);
  imm.performer = [
    { function: concept('http://terminology.hl7.org/CodeSystem/v2-0443', 'AP', 'Administering Provider'), actor: ref('Practitioner', a.practitioner) },
    { actor: ref('Organization', a.organizationId) },
  ];
  return imm;
}
