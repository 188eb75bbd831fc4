import type { R4 } from '@smile-cdr/fhirts';

export type Resource = R4.Resource & { resourceType: string; [key: string]: unknown };
export type Bundle = R4.Bundle;
export type BundleEntry = R4.BundleEntry;
export type Patient = R4.Patient;
export type Coding = R4.Coding;
export type OperationOutcome = R4.OperationOutcome;
export type CapabilityStatement = R4.CapabilityStatement;

/** FHIR's id rule: 1 to 64 of letters, digits, '-' and '.'. */
export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
