/**
 * The code lists of the quality measures' exclusions, in one place. Each is a representative,
 * documented subset of the eCQM value set it names (VSAC OIDs as used by CMS125, CMS122 and
 * CMS165 and the shared Hospice, AdvancedIllnessandFrailty and Status libraries of
 * cqframework/ecqm-content-qicore), limited to the forms our records carry: ICD-10-CM diagnoses
 * (Condition, claim diagnoses), procedure and claim-line codes (CPT, HCPCS, SNOMED CT, ICD-10-PCS),
 * Encounter types and discharge dispositions. Diagnosis lists are code prefixes; service lists exact.
 */

export const SYSTEM = {
  snomed: 'http://snomed.info/sct',
  cpt: 'http://www.ama-assn.org/go/cpt',
  hcpcs: 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
  icd10pcs: 'http://www.cms.gov/Medicare/Coding/ICD10',
  dischargeDisposition: 'http://terminology.hl7.org/CodeSystem/discharge-disposition',
} as const;

/**
 * Hospice (Hospice library: "Hospice Encounter", "Hospice Care Ambulatory", an inpatient discharge
 * to hospice). Codes alone: the system is not compared, since none of these collide across systems.
 */
export const HOSPICE_SERVICES: readonly string[] = [
  // Discharge to home / to a health care facility for hospice care (SNOMED CT), and HL7 discharge-disposition `hosp`.
  '428361000124107',
  '428371000124100',
  'hosp',
  // Hospice care (SNOMED CT regime/therapy); admission to hospice (encounter types).
  '385763009',
  '183919006',
  '183920000',
  '183921001',
  // HCPCS hospice care by setting (Q5001–Q5010), per diem at home (S9126), hospice levels of care (T2042–T2046).
  ...['Q5001', 'Q5002', 'Q5003', 'Q5004', 'Q5005', 'Q5006', 'Q5007', 'Q5008', 'Q5009', 'Q5010', 'S9126'],
  ...['T2042', 'T2043', 'T2044', 'T2045', 'T2046'],
  // CPT hospice care supervision.
  '99377',
  '99378',
];

/** Frailty diagnoses ("Frailty Diagnosis", "Frailty Symptom"; ICD-10-CM prefixes). */
export const FRAILTY_DIAGNOSES: readonly string[] = [
  'L89', // pressure ulcer
  'M62.5', // muscle wasting and atrophy
  'M62.81', // muscle weakness (generalized)
  'M62.84', // sarcopenia
  'R26', // abnormalities of gait and mobility
  'R41.81', // age-related cognitive decline
  'R53.1', // weakness
  'R53.81', // other malaise (debility)
  'R54', // age-related physical debility
  'R62.7', // adult failure to thrive
  'R63.4', // abnormal weight loss
  'R63.6', // underweight
  'R64', // cachexia
  'W01', // fall on same level from slipping, tripping
  'W06', // fall from bed
  'W07', // fall from chair
  'W08', // fall from other furniture
  'W10', // fall on and from stairs
  'W18', // other slipping, tripping and stumbling
  'W19', // unspecified fall
  'Z73.6', // limitation of activities due to disability
  'Z74.0', // reduced mobility
  'Z74.1', // need for assistance with personal care
  'Z74.2', // need for assistance at home
  'Z74.3', // need for continuous supervision
  'Z91.81', // history of falling
  'Z99.11', // dependence on respirator
  'Z99.3', // dependence on wheelchair
  'Z99.81', // dependence on supplemental oxygen
];

/**
 * Frailty encounters and devices as claim-line or procedure codes ("Frailty Encounter": HCPCS
 * home-care and personal-care services; "Frailty Device": HCPCS durable equipment — canes,
 * walkers, hospital beds, home oxygen, wheelchairs).
 */
export const FRAILTY_SERVICES: readonly string[] = [
  ...['99504', '99509', 'G0162', 'G0299', 'G0300', 'S5125', 'S5126', 'S5130', 'S5131', 'S9123', 'S9124'],
  ...['T1000', 'T1019', 'T1020', 'T1021', 'T1022', 'T1030', 'T1031'],
  ...['E0100', 'E0105', 'E0130', 'E0135', 'E0140', 'E0141', 'E0143', 'E0144', 'E0147', 'E0148', 'E0149'],
  ...['E0250', 'E0251', 'E0255', 'E0256', 'E0260', 'E0261', 'E0290', 'E0291', 'E0292', 'E0293', 'E0294', 'E0295', 'E0296', 'E0297'],
  ...['E0424', 'E0431', 'E0433', 'E0434', 'E0435', 'E0439', 'E0441', 'E0442', 'E0443', 'E0444'],
  ...['E1130', 'E1140', 'E1150', 'E1160', 'E1161', 'K0001', 'K0002', 'K0003', 'K0004', 'K0005', 'K0006', 'K0007'],
];

/** Advanced illness ("Advanced Illness"; ICD-10-CM prefixes). */
export const ADVANCED_ILLNESS_DIAGNOSES: readonly string[] = [
  'C25', // malignant neoplasm of pancreas
  'C71', // malignant neoplasm of brain
  'C77', // secondary malignant neoplasm of lymph nodes
  'C78', // secondary malignant neoplasm of respiratory and digestive organs
  'C79', // secondary malignant neoplasm of other sites
  ...['C91.00', 'C91.02', 'C92.00', 'C92.02', 'C93.00', 'C93.02', 'C93.90', 'C93.92', 'C93.Z0', 'C93.Z2', 'C94.30', 'C94.32'], // acute leukemias, not in remission or relapsed
  'F01', // vascular dementia
  'F02', // dementia in other diseases
  'F03', // unspecified dementia
  'G10', // Huntington's disease
  'G12.21', // amyotrophic lateral sclerosis
  'G20', // Parkinson's disease
  'G30', // Alzheimer's disease
  ...['G31.01', 'G31.09', 'G31.83'], // frontotemporal and Lewy body dementia
  ...['I09.81', 'I11.0', 'I12.0', 'I13.0', 'I13.11', 'I13.2'], // heart failure with rheumatic, hypertensive heart or kidney disease; CKD 5 / ESRD
  'I50', // heart failure
  'J43', // emphysema
  ...['J68.4', 'J84.10', 'J84.112', 'J84.17', 'J96.1', 'J98.2', 'J98.3'], // chronic respiratory conditions, interstitial lung disease, chronic respiratory failure
  ...['K70.1', 'K70.2', 'K70.3', 'K70.4'], // alcoholic hepatitis, fibrosis, cirrhosis, hepatic failure
  ...['K71.7', 'K72.1', 'K72.9', 'K74.0', 'K74.1', 'K74.2', 'K74.4', 'K74.5', 'K74.6'], // chronic hepatic failure, fibrosis, cirrhosis
  'N18.5', // chronic kidney disease, stage 5
  'N18.6', // end-stage renal disease
];

/** Status post bilateral mastectomy, and of each side ("History of bilateral mastectomy", "Status Post Left/Right Mastectomy"). */
export const BILATERAL_MASTECTOMY_DIAGNOSES: readonly string[] = ['Z90.13'];
export const LEFT_MASTECTOMY_DIAGNOSES: readonly string[] = ['Z90.12'];
export const RIGHT_MASTECTOMY_DIAGNOSES: readonly string[] = ['Z90.11'];

/** Procedures that remove both breasts in themselves ("Bilateral Mastectomy"): ICD-10-PCS resection of bilateral breast. */
export const BILATERAL_MASTECTOMY_PROCEDURES: readonly string[] = ['0HTV0ZZ'];
/** Procedures that remove one breast, the side in the code (ICD-10-PCS resection of left / right breast). */
export const LEFT_MASTECTOMY_PROCEDURES: readonly string[] = ['0HTU0ZZ'];
export const RIGHT_MASTECTOMY_PROCEDURES: readonly string[] = ['0HTT0ZZ'];
/**
 * Unilateral mastectomy whose side is recorded apart ("Unilateral Mastectomy Unspecified
 * Laterality"): CPT simple, radical and modified radical mastectomy.
 */
export const UNILATERAL_MASTECTOMY_PROCEDURES: readonly string[] = ['19303', '19305', '19306', '19307'];

/**
 * Where a unilateral mastectomy's side is recorded: a Procedure's bodySite (SNOMED CT breast
 * structures and laterality qualifiers) or a claim line's CPT modifier (LT, RT, 50 bilateral).
 */
export const LEFT_SITES: readonly string[] = ['80248007', '7771000', 'LT'];
export const RIGHT_SITES: readonly string[] = ['73056007', '24028007', 'RT'];
export const BOTH_SITES: readonly string[] = ['63762007', '51440002', '50'];

/** Essential hypertension (ICD-10-CM). */
export const HYPERTENSION_DIAGNOSES: readonly string[] = ['I10'];

/** Every service code some exclusion reads: the readers keep only these, so a person's facts stay small. */
export const EXCLUSION_SERVICES: ReadonlySet<string> = new Set([
  ...HOSPICE_SERVICES,
  ...FRAILTY_SERVICES,
  ...BILATERAL_MASTECTOMY_PROCEDURES,
  ...LEFT_MASTECTOMY_PROCEDURES,
  ...RIGHT_MASTECTOMY_PROCEDURES,
  ...UNILATERAL_MASTECTOMY_PROCEDURES,
]);
