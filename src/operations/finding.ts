/** What an operator found about one emergency access, as typed into the review form. */
export interface Finding {
  grantId: string;
  outcome: 'appropriate' | 'inappropriate';
  note: string;
}

export const NOTE_MAX = 2000;

/**
 * Checks a finding as posted (pure): an outcome of the two, and a note saying why, not empty
 * and not overlong. Errors are keyed by the form's field names, so each sits next to its field.
 */
export function parseFinding(form: Record<string, unknown>): { ok: true; finding: Finding } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const grantId = typeof form['grant'] === 'string' ? form['grant'] : '';
  const outcome = form['outcome'];
  const note = typeof form['note'] === 'string' ? form['note'].trim() : '';
  if (outcome !== 'appropriate' && outcome !== 'inappropriate') errors['outcome'] = 'Choose whether this emergency access was appropriate.';
  if (note === '') errors['note'] = 'Write a note saying why: it is kept with the finding.';
  else if (note.length > NOTE_MAX) errors['note'] = `The note is longer than ${NOTE_MAX} characters.`;
  if (grantId === '') errors['grant'] = 'This form names no emergency access.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, finding: { grantId, outcome: outcome as Finding['outcome'], note } };
}
