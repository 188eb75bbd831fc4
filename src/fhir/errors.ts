import type { OperationOutcome } from './types.js';

/** The OperationOutcome issue types (http://hl7.org/fhir/issue-type) this gateway answers with. */
export type IssueCode =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'not-supported'
  | 'not-found'
  | 'conflict'
  | 'too-long'
  | 'login'
  | 'forbidden'
  | 'security'
  | 'processing'
  | 'exception'
  | 'transient';

export interface Issue {
  code: IssueCode;
  diagnostics: string;
  /** FHIRPath of the offending element, e.g. `Bundle.entry[39].resource.id`. */
  expression?: string;
}

/**
 * An error whose message is written for the client. Everything thrown that is not a FhirError
 * is answered as a generic 500 and its detail goes only to the log.
 */
export class FhirError extends Error {
  /** For 401s: the WWW-Authenticate challenge to send. */
  challenge?: string;

  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 406 | 409 | 412 | 413 | 415 | 422 | 428 | 429 | 500 | 503,
    readonly issues: readonly Issue[],
  ) {
    super(issues.map((i) => i.diagnostics).join('; '));
    this.name = 'FhirError';
  }

  static of(status: FhirError['status'], code: IssueCode, diagnostics: string, expression?: string): FhirError {
    return new FhirError(status, [{ code, diagnostics, ...(expression ? { expression } : {}) }]);
  }
}

export function operationOutcome(issues: readonly Issue[], severity: 'error' | 'information' = 'error'): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((i) => ({
      severity,
      code: i.code,
      diagnostics: i.diagnostics,
      ...(i.expression ? { expression: [i.expression] } : {}),
    })),
  } as OperationOutcome;
}
