import { PURPOSES } from '../../src/auth/purposes.js';
import { SENSITIVE } from '../../src/consent/categories.js';
import { COMPARTMENT_TYPES } from '../../src/store/search-values.js';
import { DIRECTORY_TYPES } from '../../src/gate/index.js';
import { HIDEABLE } from '../../src/web/portal/pages.js';

/**
 * What must never appear in text written for a patient, built from the code's own constants so a
 * new purpose, category, label or resource type is caught: FHIR ids (`Organization/…`), purposes
 * of use, category codes, the v3 labels the portal writes, and the word "DUA".
 *
 * HIV is left out of the label codes: it is also the plain English word the patient uses.
 */
export function codePatterns(): { name: string; pattern: RegExp }[] {
  const types = [...new Set([...COMPARTMENT_TYPES, ...DIRECTORY_TYPES, 'Patient', 'Organization', 'Practitioner', 'RelatedPerson', 'Consent', 'AuditEvent'])];
  const labels = HIDEABLE.map(([, code]) => code).filter((c) => c !== 'HIV');
  return [
    { name: 'FHIR id', pattern: new RegExp(`\\b(${types.join('|')})/[A-Za-z0-9\\-.]+`) },
    { name: 'purpose of use', pattern: new RegExp(`\\b(${Object.keys(PURPOSES).join('|')})\\b`) },
    { name: 'category code', pattern: new RegExp(`\\b(normal|${SENSITIVE.join('|')})\\b`) },
    { name: 'security label', pattern: new RegExp(`\\b(${labels.join('|')})\\b`) },
    { name: 'policy word', pattern: /\b(DUA|dua|default:|right-of-access|break-glass\/|consent-privacy|42 CFR)\b/ },
    { name: 'ids of the fixtures', pattern: /\b[a-z]+-[a-z]+-(pat|prac|org|rp)-[\w-]+\b/ },
  ];
}

/** The codes a text contains, each with its kind; [] when it is plain. */
export function codesIn(text: string): string[] {
  return codePatterns().flatMap(({ name, pattern }) => {
    const m = pattern.exec(text);
    return m ? [`${name}: "${m[0]}" in "…${text.slice(Math.max(0, m.index - 40), m.index + 40)}…"`] : [];
  });
}
