/**
 * Terminology used by the generator. Codes are real (ICD-10-CM, SNOMED CT,
 * LOINC, CPT, RxNorm, NUBC, SOPT) so downstream value-set logic can be tested
 * against data shaped like production feeds.
 */
import type { Coding } from './fhir-types.js';

export const SYSTEMS = {
  icd10: 'http://hl7.org/fhir/sid/icd-10-cm',
  snomed: 'http://snomed.info/sct',
  loinc: 'http://loinc.org',
  cpt: 'http://www.ama-assn.org/go/cpt',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  ucum: 'http://unitsofmeasure.org',
  npi: 'http://hl7.org/fhir/sid/us-npi',
  ssn: 'http://hl7.org/fhir/sid/us-ssn',
  sopt: 'https://nahdo.org/sopt',
  revenue: 'https://www.nubc.org/CodeSystem/RevenueCodes',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  roleCode: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  identifierType: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVerification: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  conditionCategory: 'http://terminology.hl7.org/CodeSystem/condition-category',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  dischargeDisposition: 'http://terminology.hl7.org/CodeSystem/discharge-disposition',
  claimType: 'http://terminology.hl7.org/CodeSystem/claim-type',
  institutionalSubType: 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBInstitutionalClaimSubType',
  adjudication: 'http://terminology.hl7.org/CodeSystem/adjudication',
  subscriberRelationship: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship',
  organizationType: 'http://terminology.hl7.org/CodeSystem/organization-type',
  practitionerRole: 'http://terminology.hl7.org/CodeSystem/practitioner-role',
  taxonomy: 'http://nucc.org/provider-taxonomy',
} as const;

export interface DxDef {
  icd: string;
  display: string;
  snomed?: string;
  snomedDisplay?: string;
  /** Screening/supervision Z-codes describe the visit, not a problem, so they get no Condition. */
  visitOnly?: boolean;
}

/** The condition families the region must contain (problem-list material). */
export const CHRONIC = {
  diabetes: { icd: 'E11.9', display: 'Type 2 diabetes mellitus without complications', snomed: '44054006', snomedDisplay: 'Diabetes mellitus type 2' },
  hypertension: { icd: 'I10', display: 'Essential (primary) hypertension', snomed: '38341003', snomedDisplay: 'Hypertensive disorder, systemic arterial' },
  oud: { icd: 'F11.20', display: 'Opioid dependence, uncomplicated', snomed: '5602001', snomedDisplay: 'Opioid abuse' },
  alcohol: { icd: 'F10.20', display: 'Alcohol dependence, uncomplicated', snomed: '7200002', snomedDisplay: 'Alcoholism' },
  hiv: { icd: 'B20', display: 'Human immunodeficiency virus [HIV] disease', snomed: '86406008', snomedDisplay: 'Human immunodeficiency virus infection' },
  mdd: { icd: 'F32.9', display: 'Major depressive disorder, single episode, unspecified', snomed: '35489007', snomedDisplay: 'Depressive disorder' },
  gad: { icd: 'F41.1', display: 'Generalized anxiety disorder', snomed: '21897009', snomedDisplay: 'Generalized anxiety disorder' },
  pregnancy: {
    icd: 'Z34.90',
    display: 'Encounter for supervision of normal pregnancy, unspecified, unspecified trimester',
    snomed: '72892002',
    snomedDisplay: 'Normal pregnancy',
  },
  chlamydia: { icd: 'A56.09', display: 'Other chlamydial infection of lower genitourinary tract', snomed: '105629000', snomedDisplay: 'Chlamydial infection' },
} as const satisfies Record<string, DxDef>;

export type ChronicKey = keyof typeof CHRONIC;

/** Reasons for ordinary office visits, emergency visits and admissions. */
export const ACUTE = {
  wellAdult: { icd: 'Z00.00', display: 'Encounter for general adult medical examination without abnormal findings', visitOnly: true },
  wellChild: { icd: 'Z00.129', display: 'Encounter for routine child health examination without abnormal findings', visitOnly: true },
  uri: { icd: 'J06.9', display: 'Acute upper respiratory infection, unspecified' },
  backPain: { icd: 'M54.50', display: 'Low back pain, unspecified' },
  pharyngitis: { icd: 'J02.9', display: 'Acute pharyngitis, unspecified' },
  cough: { icd: 'R05.9', display: 'Cough, unspecified' },
  hyperlipidemia: { icd: 'E78.5', display: 'Hyperlipidemia, unspecified' },
  otitis: { icd: 'H66.90', display: 'Otitis media, unspecified, unspecified ear' },
  chestPain: { icd: 'R07.9', display: 'Chest pain, unspecified' },
  abdominalPain: { icd: 'R10.9', display: 'Unspecified abdominal pain' },
  ankleSprain: { icd: 'S93.401A', display: 'Sprain of unspecified ligament of right ankle, initial encounter' },
  uti: { icd: 'N39.0', display: 'Urinary tract infection, site not specified' },
  headache: { icd: 'R51.9', display: 'Headache, unspecified' },
  gastroenteritis: { icd: 'K52.9', display: 'Noninfective gastroenteritis and colitis, unspecified' },
  asthma: { icd: 'J45.901', display: 'Unspecified asthma with (acute) exacerbation' },
  laceration: { icd: 'S01.81XA', display: 'Laceration without foreign body of other part of head, initial encounter' },
  opioidOverdose: { icd: 'T40.2X1A', display: 'Poisoning by other opioids, accidental (unintentional), initial encounter' },
  heartFailure: { icd: 'I50.9', display: 'Heart failure, unspecified' },
  pneumonia: { icd: 'J18.9', display: 'Pneumonia, unspecified organism' },
  sepsis: { icd: 'A41.9', display: 'Sepsis, unspecified organism' },
  nstemi: { icd: 'I21.4', display: 'Non-ST elevation (NSTEMI) myocardial infarction' },
  aki: { icd: 'N17.9', display: 'Acute kidney failure, unspecified' },
  appendicitis: { icd: 'K35.80', display: 'Unspecified acute appendicitis' },
  hyperglycemia: { icd: 'E11.65', display: 'Type 2 diabetes mellitus with hyperglycemia' },
  copd: { icd: 'J44.1', display: 'Chronic obstructive pulmonary disease with (acute) exacerbation' },
  afib: { icd: 'I48.91', display: 'Unspecified atrial fibrillation' },
  delivery: { icd: 'O80', display: 'Encounter for full-term uncomplicated delivery' },
  // Seen only on specialty-pharmacy claims: the rheumatologist who treats it is outside the exchange.
  rheumatoidArthritis: { icd: 'M06.9', display: 'Rheumatoid arthritis, unspecified' },
  screeningMammogram: { icd: 'Z12.31', display: 'Encounter for screening mammogram for malignant neoplasm of breast', visitOnly: true },
} as const satisfies Record<string, DxDef>;

export type AcuteKey = keyof typeof ACUTE;
export type DxKey = ChronicKey | AcuteKey;

export const DX: Readonly<Record<DxKey, DxDef>> = { ...CHRONIC, ...ACUTE };

export function isChronic(key: DxKey): key is ChronicKey {
  return key in CHRONIC;
}

export const CPT_DISPLAY: Readonly<Record<string, string>> = {
  '99202': 'Office or other outpatient visit, new patient, straightforward medical decision making',
  '99203': 'Office or other outpatient visit, new patient, low medical decision making',
  '99204': 'Office or other outpatient visit, new patient, moderate medical decision making',
  '99205': 'Office or other outpatient visit, new patient, high medical decision making',
  '99212': 'Office or other outpatient visit, established patient, straightforward medical decision making',
  '99213': 'Office or other outpatient visit, established patient, low medical decision making',
  '99214': 'Office or other outpatient visit, established patient, moderate medical decision making',
  '99215': 'Office or other outpatient visit, established patient, high medical decision making',
  '99283': 'Emergency department visit, low medical decision making',
  '99284': 'Emergency department visit, moderate medical decision making',
  '99285': 'Emergency department visit, high medical decision making',
  '99221': 'Initial hospital inpatient or observation care, straightforward or low medical decision making',
  '99222': 'Initial hospital inpatient or observation care, moderate medical decision making',
  '99223': 'Initial hospital inpatient or observation care, high medical decision making',
  '77067': 'Screening mammography, bilateral (2-view study of each breast), including computer-aided detection (CAD) when performed',
};

export function cptCoding(code: string, display?: string): Coding {
  return { system: SYSTEMS.cpt, code, display: display ?? CPT_DISPLAY[code] ?? code };
}

export const NEW_PATIENT_CPT = [
  ['99202', 15],
  ['99203', 45],
  ['99204', 32],
  ['99205', 8],
] as const;
export const ESTABLISHED_CPT = [
  ['99212', 10],
  ['99213', 45],
  ['99214', 38],
  ['99215', 7],
] as const;
export const ED_CPT = [
  ['99283', 35],
  ['99284', 40],
  ['99285', 25],
] as const;
export const ADMIT_CPT = [
  ['99221', 15],
  ['99222', 45],
  ['99223', 40],
] as const;

export const MAMMOGRAPHY = {
  cpt: '77067',
  snomed: '71651007',
  snomedDisplay: 'Mammography',
  revenue: '0403',
  revenueDisplay: 'Other imaging services - screening mammography',
} as const;

export const REVENUE = {
  ed: { code: '0450', display: 'Emergency room - general classification' },
  roomAndBoard: { code: '0120', display: 'Room & board - semi-private (two beds) - general classification' },
} as const;

export const DRUGS = {
  metformin: { rxnorm: '861007', display: 'metformin hydrochloride 500 MG Oral Tablet', quantity: 180, price: [4, 20] },
  lisinopril: { rxnorm: '314076', display: 'lisinopril 10 MG Oral Tablet', quantity: 90, price: [4, 15] },
  sertraline: { rxnorm: '312941', display: 'sertraline 50 MG Oral Tablet', quantity: 90, price: [8, 40] },
  buprenorphine: { rxnorm: '351267', display: 'buprenorphine 8 MG / naloxone 2 MG Sublingual Tablet', quantity: 180, price: [150, 400] },
  atorvastatin: { rxnorm: '617310', display: 'atorvastatin 20 MG Oral Tablet', quantity: 90, price: [6, 25] },
  // Brand and biologic drugs drive most of real pharmacy spending; 90-day allowed amounts near net list prices.
  insulinGlargine: { rxnorm: '274783', display: 'insulin glargine', quantity: 27, price: [900, 1350] },
  semaglutide: { rxnorm: '1991302', display: 'semaglutide', quantity: 9, price: [2300, 2900] },
  biktarvy: {
    rxnorm: '1999563',
    display: 'bictegravir 50 MG / emtricitabine 200 MG / tenofovir alafenamide 25 MG Oral Tablet',
    quantity: 90,
    price: [10500, 12500],
  },
  // A biologic standing in for specialty drugs (RA, psoriasis, Crohn's): 40 mg every other week, six pens per 84-day fill,
  // near 2017 list price before rebates (HCCI's pharmacy figure is before rebates). RxNorm 327361 is the adalimumab ingredient.
  adalimumab: { rxnorm: '327361', display: 'adalimumab', quantity: 6, price: [12500, 15500] },
} as const;

export type DrugKey = keyof typeof DRUGS;

export const DRUG_INDICATION: Readonly<Record<DrugKey, DxKey>> = {
  metformin: 'diabetes',
  lisinopril: 'hypertension',
  sertraline: 'mdd',
  buprenorphine: 'oud',
  atorvastatin: 'diabetes',
  insulinGlargine: 'diabetes',
  semaglutide: 'diabetes',
  biktarvy: 'hiv',
  adalimumab: 'rheumatoidArthritis',
};

/** Prescribed and followed by specialists outside the exchange: a pharmacy claim, no PCP MedicationRequest. */
export const SPECIALIST_PRESCRIBED: ReadonlySet<DrugKey> = new Set(['adalimumab']);

export const SOPT = {
  commercial: { code: '5', display: 'PRIVATE HEALTH INSURANCE' },
  'medicare-advantage': { code: '11', display: 'MEDICARE Managed Care' },
  medicaid: { code: '2', display: 'MEDICAID' },
} as const;

export const DISPOSITIONS = [
  ['home', 'Home', 75],
  ['alt-home', 'Alternative home', 5],
  ['snf', 'Skilled nursing facility', 10],
  ['rehab', 'Rehabilitation', 5],
  ['other-hcf', 'Other healthcare facility', 3],
  ['aadvice', 'Left against advice', 2],
] as const;

export type DispositionCode = (typeof DISPOSITIONS)[number][0];

export const TAXONOMY = {
  family: { code: '207Q00000X', display: 'Family Medicine' },
  internal: { code: '207R00000X', display: 'Internal Medicine' },
  emergency: { code: '207P00000X', display: 'Emergency Medicine' },
  hospitalist: { code: '208M00000X', display: 'Hospitalist' },
  radiology: { code: '2085R0202X', display: 'Diagnostic Radiology' },
} as const;

export function icdCoding(key: DxKey): Coding {
  const dx = DX[key];
  return { system: SYSTEMS.icd10, code: dx.icd, display: dx.display };
}

/** ICD-10-CM first (billing), SNOMED second (clinical) when one is defined. */
export function dxConcept(key: DxKey): { coding: Coding[]; text: string } {
  const dx = DX[key];
  const coding: Coding[] = [icdCoding(key)];
  if (dx.snomed) coding.push({ system: SYSTEMS.snomed, code: dx.snomed, display: dx.snomedDisplay ?? dx.display });
  return { coding, text: dx.display };
}
