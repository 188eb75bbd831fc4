/**
 * Name normalisation for record linkage: case, accents, punctuation and spacing differ between
 * source systems for the same person ("Garcia-López" / "GARCIA LOPEZ"), so they are removed.
 */
export function normaliseName(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

/** The first given name only: middle names and initials come and go between sources. */
export function normaliseGiven(given: readonly string[] | undefined): string {
  const first =
    given
      ?.find((g) => g.trim() !== '')
      ?.trim()
      .split(/\s+/)[0] ?? '';
  return normaliseName(first);
}

/** ZIP+4 and ZIP5 name the same place for matching. */
export function normaliseZip(postalCode: string | undefined): string {
  const digits = (postalCode ?? '').replace(/\D/g, '');
  return digits.length >= 5 ? digits.slice(0, 5) : '';
}
