import type { ConsentLine } from './compile.js';

/** The purposes under which de-identified aggregates are published. */
export const AGGREGATE_PURPOSES = ['HRESCH', 'PUBHLTH'] as const;

type Line = Pick<ConsentLine, 'priority' | 'actor' | 'purpose' | 'start' | 'end' | 'effect'>;

/**
 * Whether a person's consent keeps them out of research and public-health aggregates. Pure.
 *
 * Aggregates go to no one in particular, so only lines for any actor count. For each aggregate
 * purpose the first line by priority whose purpose and period apply decides; a deny for either
 * purpose excludes the person from every aggregate. Class and label restrictions are ignored on
 * purpose: a person who withheld even part of their record from research is left out whole,
 * the reading that errs toward the patient.
 */
export function optedOutOfAggregates(lines: readonly Line[], now: string): boolean {
  const active = lines
    .filter((l) => l.actor === '*' && (l.start === '' || l.start <= now) && (l.end === '' || now <= l.end))
    .sort((a, b) => a.priority.localeCompare(b.priority));
  return AGGREGATE_PURPOSES.some((p) => active.find((l) => l.purpose === p || l.purpose === '*')?.effect === 'deny');
}
