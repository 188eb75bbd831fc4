/** The public shape of a generated region (re-exported from index.ts). */
import type { Bundle } from './fhir-types.js';

export interface GenerateOptions {
  patients: number;
  seed: number;
  /** Called after each patient with how many are done, so a caller can report progress; it sees no data. */
  onPatient?: (done: number) => void;
}

export interface SourceFile {
  id: string;
  uri: string;
  name: string;
  kind: 'payer' | 'hospital' | 'clinic' | 'directory';
  organizationId: string;
  fileName: string;
  /** FHIR R4 transaction Bundle of PUTs with stable ids. */
  bundle: Bundle;
}

export interface NamedPerson {
  username: string;
  name: string;
  role: 'patient' | 'caregiver' | 'clinician' | 'researcher' | 'operator';
  /** e.g. "Patient/clinic-oak-pat-000001" */
  fhirUser?: string;
  /** "Organization/<id>" */
  organization: string;
  /** For a caregiver: the patient they care for, "Patient/<id>". */
  patient?: string;
}

export interface ManifestFile {
  id: string;
  uri: string;
  kind: string;
  organizationId: string;
  fileName: string;
  resources: Record<string, number>;
}

export interface Region {
  sources: SourceFile[];
  people: NamedPerson[];
  /** Source Patient id -> true person index: ground truth for record linkage. */
  truth: Record<string, number>;
  manifest: {
    seed: number;
    patients: number;
    window: { start: string; end: string };
    files: ManifestFile[];
  };
}
