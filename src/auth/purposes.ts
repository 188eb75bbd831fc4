/** Purposes of use (HL7 v3 PurposeOfUse) this deployment recognises. */
export const PURPOSES = {
  TREAT: 'treatment',
  ETREAT: 'emergency treatment (break-the-glass)',
  HPAYMT: 'healthcare payment',
  HOPERAT: 'healthcare operations',
  HRESCH: 'healthcare research',
  PUBHLTH: 'public health',
  PATRQT: 'patient requested',
  FAMRQT: 'family requested',
  HSYSADMIN: 'health system administration',
} as const;

export type Purpose = keyof typeof PURPOSES;

export function isPurpose(value: string): value is Purpose {
  return Object.hasOwn(PURPOSES, value);
}

/** Purposes that must be asked for explicitly and are never granted by default. */
const EXPLICIT_ONLY: ReadonlySet<Purpose> = new Set(['ETREAT']);

export type PurposeDecision = { ok: true; purposes: Purpose[] } | { ok: false; error: string };

/**
 * The purposes a token carries: what was requested, if it is within what the requester may
 * claim; otherwise everything they may claim but break-the-glass. A request can narrow, never widen.
 */
export function narrowPurposes(allowed: readonly Purpose[], requested: string | undefined): PurposeDecision {
  if (requested === undefined || requested.trim() === '') {
    return { ok: true, purposes: allowed.filter((p) => !EXPLICIT_ONLY.has(p)) };
  }
  const asked = [...new Set(requested.trim().split(/\s+/))];
  const unknown = asked.filter((p) => !isPurpose(p));
  if (unknown.length > 0) return { ok: false, error: `unknown purpose_of_use: ${unknown.join(' ')}` };
  const beyond = asked.filter((p) => !allowed.includes(p as Purpose));
  if (beyond.length > 0) return { ok: false, error: `purpose_of_use not permitted: ${beyond.join(' ')}` };
  return { ok: true, purposes: asked as Purpose[] };
}
