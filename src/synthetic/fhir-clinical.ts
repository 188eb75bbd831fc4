/** Clinical resources: encounters, diagnoses, vitals and labs, procedures. */
import { DX, type DispositionCode, DISPOSITIONS, type DxKey, MAMMOGRAPHY, SYSTEMS, cptCoding, dxConcept, icdCoding } from './codes.js';
import { concept, head, ref } from './fhir-common.js';
import type { CodeableConcept, Concept, Condition, Encounter, Observation, Procedure } from './fhir-types.js';
import { LAST_DAY, dayToIso } from './dates.js';
import { interpretation, referenceRange } from './fhir-labs.js';
import { HBA1C } from './labs.js';

const ENCOUNTER_CLASS = {
  AMB: 'ambulatory',
  EMER: 'emergency',
  IMP: 'inpatient encounter',
} as const;

export interface EncounterArgs {
  id: string;
  uri: string;
  patientId: string;
  cls: keyof typeof ENCOUNTER_CLASS;
  type: CodeableConcept;
  start: string;
  end: string;
  practitioner: string;
  organizationId: string;
  dx: DxKey;
  /** Main diagnosis first. */
  conditionIds?: readonly string[];
  disposition?: DispositionCode;
  /** The Location (site or department) the encounter happened in. */
  location?: string;
}

function reason(dx: DxKey): Concept {
  return { coding: [icdCoding(dx)], text: DX[dx].display };
}

export function encounterResource(a: EncounterArgs): Encounter {
  const enc: Encounter = {
    ...head('Encounter', a.id, a.uri),
    status: 'finished',
    class: { system: SYSTEMS.actCode, code: a.cls, display: ENCOUNTER_CLASS[a.cls] },
    type: [a.type],
    subject: ref('Patient', a.patientId),
    participant: [
      {
        type: [concept(SYSTEMS.participationType, 'PPRF', 'primary performer')],
        individual: ref('Practitioner', a.practitioner),
      },
    ],
    period: { start: a.start, end: a.end },
    reasonCode: [reason(a.dx)],
  };
  if (a.conditionIds !== undefined && a.conditionIds.length > 0) {
    enc.diagnosis = a.conditionIds.map((id, i) => ({ condition: ref('Condition', id), rank: i + 1 }));
  }
  if (a.disposition !== undefined) {
    const d = DISPOSITIONS.find(([code]) => code === a.disposition);
    enc.hospitalization = { dischargeDisposition: concept(SYSTEMS.dischargeDisposition, a.disposition, d?.[1]) };
  }
  if (a.location !== undefined) enc.location = [{ location: ref('Location', a.location), status: 'completed' }];
  enc.serviceProvider = ref('Organization', a.organizationId);
  return enc;
}

export function cptType(code: string): CodeableConcept {
  return { coding: [cptCoding(code)] };
}

export function admissionType(): CodeableConcept {
  return concept(SYSTEMS.snomed, '32485007', 'Hospital admission');
}

export interface ConditionArgs {
  id: string;
  uri: string;
  patientId: string;
  key: DxKey;
  category: 'problem-list-item' | 'encounter-diagnosis';
  recordedDay: number;
  onsetDay?: number;
  resolvedDay?: number;
  encounterId?: string;
}

const CATEGORY_DISPLAY = { 'problem-list-item': 'Problem List Item', 'encounter-diagnosis': 'Encounter Diagnosis' } as const;

export function conditionResource(a: ConditionArgs): Condition {
  const resolved = a.resolvedDay !== undefined && a.resolvedDay <= LAST_DAY;
  const cond: Condition = {
    ...head('Condition', a.id, a.uri),
    clinicalStatus: concept(SYSTEMS.conditionClinical, resolved ? 'resolved' : 'active', resolved ? 'Resolved' : 'Active'),
    verificationStatus: concept(SYSTEMS.conditionVerification, 'confirmed', 'Confirmed'),
    category: [concept(SYSTEMS.conditionCategory, a.category, CATEGORY_DISPLAY[a.category])],
    code: dxConcept(a.key),
    subject: ref('Patient', a.patientId),
  };
  if (a.encounterId !== undefined) cond.encounter = ref('Encounter', a.encounterId);
  if (a.onsetDay !== undefined) cond.onsetDateTime = dayToIso(a.onsetDay);
  if (resolved && a.resolvedDay !== undefined) cond.abatementDateTime = dayToIso(a.resolvedDay);
  cond.recordedDate = dayToIso(a.recordedDay);
  return cond;
}

interface ObservationArgs {
  id: string;
  uri: string;
  patientId: string;
  encounterId: string;
  effective: string;
}

const LOINC = {
  bp: ['85354-9', 'Blood pressure panel with all children optional'],
  systolic: ['8480-6', 'Systolic blood pressure'],
  diastolic: ['8462-4', 'Diastolic blood pressure'],
  hba1c: ['4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood'],
  weight: ['29463-7', 'Body weight'],
} as const;

function loinc(which: keyof typeof LOINC, text?: string): CodeableConcept {
  const [code, display] = LOINC[which];
  return concept(SYSTEMS.loinc, code, display, text);
}

function mmHg(value: number): { value: number; unit: string; system: string; code: string } {
  return { value, unit: 'mm[Hg]', system: SYSTEMS.ucum, code: 'mm[Hg]' };
}

export function bloodPressure(a: ObservationArgs, systolic: number, diastolic: number): Observation {
  return {
    ...head('Observation', a.id, a.uri),
    status: 'final',
    category: [concept(SYSTEMS.observationCategory, 'vital-signs', 'Vital Signs')],
    code: loinc('bp', 'Blood pressure'),
    subject: ref('Patient', a.patientId),
    encounter: ref('Encounter', a.encounterId),
    effectiveDateTime: a.effective,
    component: [
      { code: loinc('systolic'), valueQuantity: mmHg(systolic) },
      { code: loinc('diastolic'), valueQuantity: mmHg(diastolic) },
    ],
  };
}

export function hba1c(a: ObservationArgs, percent: number): Observation {
  return {
    ...head('Observation', a.id, a.uri),
    status: 'final',
    category: [concept(SYSTEMS.observationCategory, 'laboratory', 'Laboratory')],
    code: loinc('hba1c', 'Hemoglobin A1c'),
    subject: ref('Patient', a.patientId),
    encounter: ref('Encounter', a.encounterId),
    effectiveDateTime: a.effective,
    valueQuantity: { value: percent, unit: '%', system: SYSTEMS.ucum, code: '%' },
    interpretation: interpretation(HBA1C, percent),
    referenceRange: referenceRange(HBA1C),
  };
}

/** Fresh objects per resource: consumers may annotate resources in place. */
function mammographyCode(): Concept {
  return {
    coding: [cptCoding(MAMMOGRAPHY.cpt), { system: SYSTEMS.snomed, code: MAMMOGRAPHY.snomed, display: MAMMOGRAPHY.snomedDisplay }],
    text: 'Screening mammography',
  };
}

export function bodyWeight(a: ObservationArgs, kg: number): Observation {
  return {
    ...head('Observation', a.id, a.uri),
    status: 'final',
    category: [concept(SYSTEMS.observationCategory, 'vital-signs', 'Vital Signs')],
    code: loinc('weight', 'Body weight'),
    subject: ref('Patient', a.patientId),
    encounter: ref('Encounter', a.encounterId),
    effectiveDateTime: a.effective,
    valueQuantity: { value: kg, unit: 'kg', system: SYSTEMS.ucum, code: 'kg' },
  };
}

export interface ProcedureArgs {
  id: string;
  uri: string;
  patientId: string;
  performed: string;
  practitioner: string;
  organizationId: string;
}

export function mammographyProcedure(a: ProcedureArgs): Procedure {
  return {
    ...head('Procedure', a.id, a.uri),
    status: 'completed',
    code: mammographyCode(),
    subject: ref('Patient', a.patientId),
    performedDateTime: a.performed,
    performer: [{ actor: ref('Practitioner', a.practitioner), onBehalfOf: ref('Organization', a.organizationId) }],
    reasonCode: [{ coding: [icdCoding('screeningMammogram')] }],
  };
}
