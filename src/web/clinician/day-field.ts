/**
 * A day a clinician typed into a form (`YYYY-MM-DD`): a real calendar day, not after today.
 * Pure: `today` is the gateway's clock, so a test can fix it. An error is a sentence for next
 * to the field.
 */
export function parseDay(input: string, today: string): { day: string } | { error: string } {
  const v = input.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!m || !d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) return { error: 'Enter a date as YYYY-MM-DD, for example 2025-11-03.' };
  if (v > today) return { error: `Choose a day that has happened: ${today} or earlier.` };
  if (v < '1900-01-01') return { error: 'Choose a day from 1900 on.' };
  return { day: v };
}

/** `day` and the `n - 1` days before it, newest first. */
export function daysEndingOn(day: string, n: number): string[] {
  const end = Date.parse(`${day}T00:00:00Z`);
  return Array.from({ length: n }, (_, i) => new Date(end - i * 86_400_000).toISOString().slice(0, 10));
}
