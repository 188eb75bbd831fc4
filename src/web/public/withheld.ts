import { REASON_LABELS } from '../../release/files/reasons.js';

/**
 * A reason code as a page says it after "withheld: ", for example "withheld: for disclosure
 * control". Taken from the release files' own labels, so a new reason is described once; an
 * unknown code (a release newer than this page) is shown as it is rather than hidden.
 */
export function withheldWords(reason: string): string {
  const label = (REASON_LABELS as Record<string, string>)[reason];
  return label ? label.replace(/^withheld /, '') : reason;
}
