/**
 * The fictional Michigan region: who publishes data, and the clinicians on
 * their rosters. Rosters are fixed (not seeded) so that clinician ids such as
 * clinic-oak-prac-chen are stable fixtures other code and tests can name.
 */

export type PayerId = 'payer-lakeshore' | 'payer-greatlakes-ma' | 'payer-peninsula-medicaid';
export type HospitalId = 'hosp-mercy' | 'hosp-riverside';
export type ClinicId = 'clinic-oak' | 'clinic-maple' | 'clinic-cedar' | 'clinic-birch' | 'clinic-willow';
export type ProviderSourceId = HospitalId | ClinicId;
export type PatientSourceId = PayerId | ProviderSourceId;
export type SourceId = PatientSourceId | 'directory';
export type SourceKind = 'payer' | 'hospital' | 'clinic' | 'directory';
export type Segment = 'commercial' | 'medicare-advantage' | 'medicaid';

export interface SourceDef {
  id: SourceId;
  kind: SourceKind;
  name: string;
  organizationId: string;
  uri: string;
  address: { line: string; city: string; postalCode: string };
  phone: string;
  segment?: Segment;
  /** Prefix of the payer's member ids, so ids from different plans never collide. */
  memberPrefix?: string;
}

function def(
  id: Exclude<SourceId, 'directory'>,
  kind: Exclude<SourceKind, 'directory'>,
  name: string,
  address: SourceDef['address'],
  phone: string,
  extra: Partial<SourceDef> = {},
): SourceDef {
  return { id, kind, name, organizationId: `${id}-org`, uri: `https://${id}.example.org/fhir`, address, phone, ...extra };
}

export const SOURCES: readonly SourceDef[] = [
  def('payer-lakeshore', 'payer', 'Lakeshore Health Plan', { line: '400 Lakeshore Plaza', city: 'Grand Rapids', postalCode: '49503' }, '(616) 555-0100', {
    segment: 'commercial',
    memberPrefix: 'LHP',
  }),
  def(
    'payer-greatlakes-ma',
    'payer',
    'Great Lakes Medicare Advantage',
    { line: '1200 Civic Center Drive', city: 'Lansing', postalCode: '48933' },
    '(517) 555-0110',
    { segment: 'medicare-advantage', memberPrefix: 'GLM' },
  ),
  def(
    'payer-peninsula-medicaid',
    'payer',
    'Peninsula Community Health Plan',
    { line: '85 Harbor View Road', city: 'Traverse City', postalCode: '49684' },
    '(231) 555-0120',
    { segment: 'medicaid', memberPrefix: 'PCH' },
  ),
  def('hosp-mercy', 'hospital', 'Mercy General Hospital', { line: '1500 Mercy Way', city: 'Lansing', postalCode: '48912' }, '(517) 555-0200'),
  def(
    'hosp-riverside',
    'hospital',
    'Riverside Medical Center',
    { line: '330 Riverside Drive NE', city: 'Grand Rapids', postalCode: '49503' },
    '(616) 555-0210',
  ),
  def('clinic-oak', 'clinic', 'Oakwood Family Medicine', { line: '2100 Oakwood Avenue', city: 'Lansing', postalCode: '48910' }, '(517) 555-0300'),
  def('clinic-maple', 'clinic', 'Maple Street Primary Care', { line: '77 Maple Street SE', city: 'Grand Rapids', postalCode: '49506' }, '(616) 555-0310'),
  def('clinic-cedar', 'clinic', 'Cedar Valley Health Partners', { line: '940 Cedar Valley Road', city: 'Kalamazoo', postalCode: '49007' }, '(269) 555-0320'),
  def('clinic-birch', 'clinic', 'Birch Lane Internal Medicine', { line: '15 Birch Lane', city: 'Ann Arbor', postalCode: '48104' }, '(734) 555-0330'),
  def('clinic-willow', 'clinic', 'Willow Creek Family Physicians', { line: '3300 Willow Creek Drive', city: 'Okemos', postalCode: '48864' }, '(517) 555-0340'),
  {
    id: 'directory',
    kind: 'directory',
    name: 'Consent Gateway HIE',
    organizationId: 'org-hie',
    uri: 'https://directory.consent-gateway.example.org/fhir',
    address: { line: '1 Gateway Plaza', city: 'Lansing', postalCode: '48933' },
    phone: '(517) 555-0400',
  },
];

export const RESEARCH_ORG = {
  id: 'org-research',
  name: 'Great Lakes Health Analytics Institute',
  address: { line: '500 Research Parkway', city: 'Ann Arbor', postalCode: '48105' },
  phone: '(734) 555-0410',
} as const;

export const HOSPITALS: readonly HospitalId[] = ['hosp-mercy', 'hosp-riverside'];
export const CLINICS: readonly ClinicId[] = ['clinic-oak', 'clinic-maple', 'clinic-cedar', 'clinic-birch', 'clinic-willow'];

export const PAYER_BY_SEGMENT: Readonly<Record<Segment, PayerId>> = {
  commercial: 'payer-lakeshore',
  'medicare-advantage': 'payer-greatlakes-ma',
  medicaid: 'payer-peninsula-medicaid',
};

const byId = new Map(SOURCES.map((s) => [s.id, s]));

export function source(id: SourceId): SourceDef {
  const s = byId.get(id);
  if (!s) throw new Error(`unknown source ${id}`);
  return s;
}

export type Specialty = 'family' | 'internal' | 'emergency' | 'hospitalist' | 'radiology';

export interface ClinicianDef {
  id: string;
  source: ProviderSourceId;
  given: string;
  family: string;
  gender: 'male' | 'female';
  specialty: Specialty;
}

function roster(src: ProviderSourceId, people: readonly [string, string, 'male' | 'female', Specialty][]): ClinicianDef[] {
  return people.map(([given, family, gender, specialty]) => ({
    id: `${src}-prac-${family.toLowerCase().replace(/[^a-z0-9]/g, '')}`,
    source: src,
    given,
    family,
    gender,
    specialty,
  }));
}

/** Two to four clinicians per clinic; hospitals have emergency physicians, hospitalists and a radiologist. */
export const CLINICIANS: readonly ClinicianDef[] = [
  ...roster('clinic-oak', [
    ['Sarah', 'Chen', 'female', 'family'],
    ['David', 'Nguyen', 'male', 'family'],
    ['Karen', 'Holloway', 'female', 'internal'],
  ]),
  ...roster('clinic-maple', [
    ['Michael', 'Brennan', 'male', 'family'],
    ['Aisha', 'Rahman', 'female', 'family'],
    ['Lisa', 'Marchetti', 'female', 'internal'],
  ]),
  ...roster('clinic-cedar', [
    ['Robert', 'Vance', 'male', 'family'],
    ['Grace', 'Oyelaran', 'female', 'family'],
  ]),
  ...roster('clinic-birch', [
    ['Emily', 'Harper', 'female', 'internal'],
    ['Samuel', 'Whitfield', 'male', 'internal'],
    ['Nadia', 'Petrovic', 'female', 'internal'],
    ['Kevin', "O'Brien", 'male', 'internal'],
  ]),
  ...roster('clinic-willow', [
    ['Jennifer', 'Park', 'female', 'family'],
    ['Carlos', 'Mendoza', 'male', 'family'],
    ['Hannah', 'Schultz', 'female', 'family'],
  ]),
  ...roster('hosp-mercy', [
    ['Rebecca', 'Lindqvist', 'female', 'emergency'],
    ['Anil', 'Desai', 'male', 'emergency'],
    ['Marcus', 'Webb', 'male', 'hospitalist'],
    ['Teresa', 'Kowalski', 'female', 'hospitalist'],
    ['Paul', 'Heinemann', 'male', 'radiology'],
  ]),
  ...roster('hosp-riverside', [
    ['James', 'Okafor', 'male', 'hospitalist'],
    ['Emily', 'Vandermeer', 'female', 'emergency'],
    ['Hassan', 'Farah', 'male', 'emergency'],
    ['Laura', 'Brenner', 'female', 'hospitalist'],
    ['Ingrid', 'Solberg', 'female', 'radiology'],
  ]),
];

export function cliniciansAt(src: ProviderSourceId, specialties?: readonly Specialty[]): ClinicianDef[] {
  return CLINICIANS.filter((c) => c.source === src && (!specialties || specialties.includes(c.specialty)));
}
