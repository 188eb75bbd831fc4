import type { MatchKey } from './match-keys.js';

export interface Link {
  patientId: string;
  personId: string;
  rule: 'identifier' | 'demographics' | 'new';
  reason: string;
}

/**
 * Decides which person a source Patient record belongs to. Pure: `personFor` answers from the
 * index as it stands, including records linked earlier in the same ingest.
 *
 * Identifiers are tried before demographics, so a shared identifier wins over a demographic
 * key that points elsewhere. A record that matches nothing starts a new person whose id is
 * the record's own, which keeps ids stable and readable.
 */
export function decideLink(patientId: string, keys: readonly MatchKey[], personFor: (key: string) => string | undefined): Link {
  for (const rule of ['identifier', 'demographics'] as const) {
    for (const k of keys) {
      if (k.rule !== rule) continue;
      const personId = personFor(k.key);
      if (personId !== undefined) return { patientId, personId, rule, reason: k.reason };
    }
  }
  return { patientId, personId: patientId, rule: 'new', reason: 'no identifier or demographic match' };
}
