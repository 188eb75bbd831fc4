import type { Issue } from '../fhir/errors.js';

/** One file of a manifest's `output` or `error`. */
export interface ManifestFile {
  type: string;
  url: string;
  count: number;
}

/** The complete-status body of the Bulk Data IG (served as application/json). */
export interface Manifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: true;
  output: ManifestFile[];
  error: ManifestFile[];
}

/** The file name a type's resources are served under, and the one for the error file. */
export const fileName = (type: string) => `${type}.ndjson`;
export const ERROR_FILE_TYPE = 'OperationOutcome';

/**
 * The manifest, from the snapshot's counts. A type with nothing in it is left out (a manifest
 * with nothing to fetch has an empty `output`, as the IG asks); the `error` file lists what a
 * lenient kick-off ignored, when it ignored anything.
 */
export function buildManifest(job: {
  transactionTime: string;
  request: string;
  fileUrl: (name: string) => string;
  counts: readonly (readonly [type: string, count: number])[];
  ignored: readonly Issue[];
}): Manifest {
  return {
    transactionTime: job.transactionTime,
    request: job.request,
    requiresAccessToken: true,
    output: job.counts.filter(([, n]) => n > 0).map(([type, count]) => ({ type, url: job.fileUrl(fileName(type)), count })),
    error: job.ignored.length > 0 ? [{ type: ERROR_FILE_TYPE, url: job.fileUrl(fileName(ERROR_FILE_TYPE)), count: job.ignored.length }] : [],
  };
}

/** The error file: one OperationOutcome per ignored parameter, a warning naming it. */
export function ignoredNdjson(ignored: readonly Issue[]): string {
  return ignored
    .map(
      (i) =>
        `${JSON.stringify({
          resourceType: 'OperationOutcome',
          issue: [
            {
              severity: 'warning',
              code: i.code,
              diagnostics: `Ignored (Prefer: handling=lenient): ${i.diagnostics}`,
              ...(i.expression ? { expression: [i.expression] } : {}),
            },
          ],
        })}\n`,
    )
    .join('');
}
