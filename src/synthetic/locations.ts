/**
 * Where care happens: each clinic's site, and each hospital's campus with its
 * emergency department, wards and ICU as departments (Location.partOf). Ids are
 * fixed, not seeded, so encounters in any region can name them.
 */
import type { HospitalId, ProviderSourceId } from './catalog.js';
import type { DxKey } from './codes.js';

export type Department = 'site' | 'ed' | 'ward-medical' | 'ward-surgical' | 'icu';

export interface LocationDef {
  department: Department;
  name: string;
  /** v3-RoleCode service delivery location type. */
  type: readonly [string, string];
  /** location-physical-type. */
  physicalType: readonly [string, string];
}

const CLINIC_SITE: LocationDef = { department: 'site', name: 'clinic', type: ['PC', 'primary care clinic'], physicalType: ['si', 'Site'] };

const HOSPITAL_DEPARTMENTS: readonly LocationDef[] = [
  { department: 'site', name: 'main campus', type: ['HOSP', 'Hospital'], physicalType: ['si', 'Site'] },
  { department: 'ed', name: 'Emergency Department', type: ['ER', 'Emergency room'], physicalType: ['wi', 'Wing'] },
  { department: 'ward-medical', name: 'Medical Ward (4 West)', type: ['HU', 'Hospital unit'], physicalType: ['wa', 'Ward'] },
  { department: 'ward-surgical', name: 'Surgical Ward (5 East)', type: ['HU', 'Hospital unit'], physicalType: ['wa', 'Ward'] },
  { department: 'icu', name: 'Intensive Care Unit', type: ['ICU', 'Intensive care unit'], physicalType: ['wa', 'Ward'] },
];

export function locationsOf(kind: 'hospital' | 'clinic'): readonly LocationDef[] {
  return kind === 'hospital' ? HOSPITAL_DEPARTMENTS : [CLINIC_SITE];
}

export function locationId(src: ProviderSourceId, department: Department): string {
  return `${src}-loc-${department}`;
}

const ICU_REASONS: ReadonlySet<DxKey> = new Set<DxKey>(['sepsis', 'nstemi']);
const SURGICAL_REASONS: ReadonlySet<DxKey> = new Set<DxKey>(['appendicitis', 'delivery']);

/** The unit an admission is cared for in, by its main reason. */
export function wardFor(hospital: HospitalId, dx: DxKey): string {
  if (ICU_REASONS.has(dx)) return locationId(hospital, 'icu');
  return locationId(hospital, SURGICAL_REASONS.has(dx) ? 'ward-surgical' : 'ward-medical');
}
