/**
 * How each source writes down the same person. Registration systems differ:
 * some upper-case, some are ASCII-only, some keep the middle name, some add
 * ZIP+4. Birth date and sex are never varied, and a nickname only appears on
 * copies that carry the SSN, so every copy stays linkable in principle.
 */
import type { SourceKind } from './catalog.js';
import { NICKNAMES, abbreviateStreet, stripAccents } from './names.js';
import type { Demographics, RecordDemo } from './plan.js';
import type { Rng } from './prng.js';

type RecordKind = Exclude<SourceKind, 'directory'>;

const SSN_SHARE: Readonly<Record<RecordKind, number>> = { clinic: 0.7, payer: 0.9, hospital: 0.5 };
const UPPER_SHARE: Readonly<Record<RecordKind, number>> = { clinic: 0.1, payer: 0.2, hospital: 0.25 };
const ASCII_SHARE: Readonly<Record<RecordKind, number>> = { clinic: 0.3, payer: 0.6, hospital: 0.45 };

function swapSeparator(family: string): string {
  if (family.includes('-')) return family.replace('-', ' ');
  if (family.includes(' ')) return family.replace(' ', '-');
  return family;
}

function formatPhone(phone: string, style: number): string {
  const digits = phone.replace(/\D/g, '');
  if (style === 1) return `${digits.slice(0, 3)}-${digits.slice(3, 6)}-${digits.slice(6)}`;
  if (style === 2) return digits;
  return phone;
}

/** Fixed number of draws per record regardless of outcome keeps later draws stable. */
export type VariantDraws = readonly number[];

export function drawVariant(rng: Rng): VariantDraws {
  return Array.from({ length: 11 }, () => rng.next());
}

export function carriesSsn(draws: VariantDraws, kind: RecordKind): boolean {
  return (draws[0] ?? 0) < SSN_SHARE[kind];
}

export function wantsNickname(draws: VariantDraws, demo: Demographics, kind: RecordKind): boolean {
  return carriesSsn(draws, kind) && NICKNAMES[demo.given] !== undefined && (draws[3] ?? 1) < 0.2;
}

/**
 * `allowNickname` is false unless another copy carries the SSN under the
 * real given name: otherwise the nickname copy could not be linked at all.
 */
export function varyRecord(draws: VariantDraws, demo: Demographics, kind: RecordKind, allowNickname: boolean): RecordDemo {
  const at = (i: number): number => draws[i] ?? 0;
  const includeSsn = carriesSsn(draws, kind);
  const upper = at(1) < UPPER_SHARE[kind];
  const ascii = at(2) < ASCII_SHARE[kind];

  let given = demo.given;
  const nicknames = NICKNAMES[given];
  if (allowNickname && nicknames && wantsNickname(draws, demo, kind)) given = nicknames[Math.floor(at(4) * nicknames.length)] ?? given;

  let family = demo.family;
  if (at(5) < 0.35) family = swapSeparator(family);

  let middle: string | undefined;
  if (demo.middle !== undefined) {
    if (at(6) < 0.45) middle = demo.middle;
    else if (at(6) < 0.75) middle = demo.middle.charAt(0);
  }

  let line = demo.line;
  if (at(7) < 0.25) line = abbreviateStreet(line);
  let city = demo.city;

  if (ascii || upper) {
    given = stripAccents(given);
    family = stripAccents(family);
    if (middle !== undefined) middle = stripAccents(middle);
    city = stripAccents(city);
  }
  if (upper) {
    given = given.toUpperCase();
    family = family.toUpperCase();
    if (middle !== undefined) middle = middle.toUpperCase();
    line = line.toUpperCase();
    city = city.toUpperCase();
  }
  // Stray whitespace from copy-and-paste registration.
  if (at(8) < 0.04) given = ` ${given}`;
  else if (at(8) < 0.08) family = `${family} `;

  const zipPlus4 = at(9) < (kind === 'hospital' ? 0.4 : 0.3);
  const out: RecordDemo = {
    given,
    family,
    line,
    city,
    postalCode: zipPlus4 ? `${demo.postalCode}-${demo.plus4}` : demo.postalCode,
    phone: formatPhone(demo.phone, Math.floor(at(10) * 3)),
    includeSsn,
  };
  if (middle !== undefined) out.middle = middle;
  return out;
}

/** The canonical copy, for sources that store the person exactly as given. */
export function exactRecord(demo: Demographics, includeSsn: boolean): RecordDemo {
  const out: RecordDemo = {
    given: demo.given,
    family: demo.family,
    line: demo.line,
    city: demo.city,
    postalCode: demo.postalCode,
    phone: demo.phone,
    includeSsn,
  };
  if (demo.middle !== undefined) out.middle = demo.middle;
  return out;
}
