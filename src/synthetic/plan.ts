/**
 * The intermediate model: what happens to one person over the window, before
 * it is rendered as FHIR. Keeping the story separate from the rendering lets
 * the named fixture patient be written by hand and still go through exactly
 * the same FHIR code as everybody else.
 */
import type { ClinicId, HospitalId, PatientSourceId, PayerId } from './catalog.js';
import type { PlannedAllergy } from './allergies.js';
import type { ChronicKey, DispositionCode, DrugKey, DxKey } from './codes.js';
import type { PlannedImmunization } from './immunizations.js';

export type Gender = 'male' | 'female' | 'other' | 'unknown';

export interface Demographics {
  given: string;
  middle?: string;
  family: string;
  gender: Gender;
  birthDate: string;
  line: string;
  city: string;
  postalCode: string;
  /** Four-digit ZIP+4 suffix: fixed per person so every ZIP+4 copy agrees. */
  plus4: string;
  phone: string;
  ssn: string;
}

/** Inclusive day offsets into the window. */
export interface CoverageSpan {
  payer: PayerId;
  start: number;
  end: number;
}

export interface ChronicCondition {
  key: ChronicKey;
  /** Set when the diagnosis is made inside the window (at an office visit that day). */
  diagnosedDay?: number;
  /** Set when the condition ends inside the window (delivery, treated infection). */
  resolvedDay?: number;
}

export interface OfficeVisit {
  kind: 'office';
  day: number;
  clinic: ClinicId;
  practitioner: string;
  cpt: string;
  dx: DxKey;
  bp?: readonly [number, number];
  hba1c?: number;
  weightKg?: number;
}

export interface EdVisit {
  kind: 'ed';
  day: number;
  hospital: HospitalId;
  practitioner: string;
  cpt: string;
  dx: DxKey;
}

export interface InpatientStay {
  kind: 'inpatient';
  day: number;
  /** Nights in hospital: discharge is day + los. */
  los: number;
  hospital: HospitalId;
  practitioner: string;
  admitCpt: string;
  dx: DxKey;
  disposition: DispositionCode;
  readmission: boolean;
}

export interface Mammography {
  kind: 'mammography';
  day: number;
  hospital: HospitalId;
  practitioner: string;
}

export interface PharmacyFill {
  kind: 'fill';
  day: number;
  drug: DrugKey;
}

export type PlannedEvent = OfficeVisit | EdVisit | InpatientStay | Mammography | PharmacyFill;

/** How one source's copy of the person is written (see variants.ts). */
export interface RecordDemo {
  given: string;
  middle?: string;
  family: string;
  line: string;
  city: string;
  postalCode: string;
  phone: string;
  includeSsn: boolean;
}

export interface PersonPlan {
  index: number;
  demo: Demographics;
  pcpClinic: ClinicId;
  pcpPractitioner: string;
  /** Where their imaging and outpatient procedures are done. */
  homeHospital: HospitalId;
  /** Whether the clinic record names the PCP in Patient.generalPractitioner. */
  designatesPcp: boolean;
  conditions: ChronicCondition[];
  coverage: CoverageSpan[];
  /** Sorted by day. */
  events: PlannedEvent[];
  allergies: PlannedAllergy[];
  immunizations: PlannedImmunization[];
  /** Hand-written copies and ids for the named fixture patient. */
  recordOverrides?: Partial<Record<PatientSourceId, RecordDemo>>;
  patientIds?: Partial<Record<PatientSourceId, string>>;
}
