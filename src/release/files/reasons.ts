import type { SuppressionReason } from '../../deid/index.js';

/**
 * What each public reason code means, keyed by the de-identification's own type: a reason
 * added, renamed or dropped there fails to compile here until it is described, so the schema's
 * enum, the dictionary and the pages cannot drift from what the files carry.
 */
export const REASONS: Readonly<Record<SuppressionReason, string>> = {
  'disclosure-control':
    'Suppressed: either fewer than 11 people are behind this number (or outside it), or it is withheld so that such a number cannot be worked out from the rest. The two are deliberately not told apart.',
  'payer-confidential': "Withheld: the count would reveal one health plan's share of this organization's patients; only rates are shown.",
};

/** The same reasons in a few words, for a sentence such as "Not plotted, withheld for disclosure control: …". */
export const REASON_LABELS: Readonly<Record<SuppressionReason, string>> = {
  'disclosure-control': 'withheld for disclosure control',
  'payer-confidential': "withheld to keep one health plan's share confidential",
};

/** The reason codes a file may carry, in the type's order as written above. */
export const REASON_CODES = Object.keys(REASONS) as SuppressionReason[];
