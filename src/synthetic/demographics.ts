/**
 * Who a synthetic person is: name, birth date, sex, address, phone, SSN.
 * Faker supplies English names and street addresses; it is reseeded per person
 * by the caller so one person's draws never depend on another's.
 */
import type { Faker } from '@faker-js/faker';
import { dayToIso, isoToDay } from './dates.js';
import { ZIP_WEIGHTS, type ZipDef } from './geography.js';
import {
  COMMON_GIVEN_FEMALE,
  COMMON_GIVEN_MALE,
  FRENCH_GIVEN_FEMALE,
  FRENCH_GIVEN_MALE,
  HISPANIC_FAMILY,
  HISPANIC_GIVEN_FEMALE,
  HISPANIC_GIVEN_MALE,
} from './names.js';
import type { Demographics, Gender } from './plan.js';
import type { Rng, Weighted } from './prng.js';
import type { Story } from './stories.js';

/** Age on 2025-12-31, loosely following the US age pyramid, with a thin 90+ tail. */
const AGE_BANDS: Weighted<readonly [number, number]> = [
  [[0, 4], 6],
  [[5, 17], 16],
  [[18, 24], 9],
  [[25, 34], 13],
  [[35, 44], 13],
  [[45, 54], 12],
  [[55, 64], 13],
  [[65, 74], 10],
  [[75, 84], 5.5],
  [[85, 89], 1.5],
  [[90, 97], 1],
];

const GENDERS: Weighted<Gender> = [
  ['female', 50.5],
  ['male', 48.9],
  ['other', 0.4],
  ['unknown', 0.2],
];

export function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function birthDate(rng: Rng, ageRange?: readonly [number, number]): string {
  const band = rng.weighted(AGE_BANDS);
  const [lo, hi] = ageRange ?? band;
  const year = 2025 - rng.int(lo, hi);
  const first = isoToDay(`${year}-01-01`);
  const last = isoToDay(`${year}-12-31`);
  return dayToIso(rng.int(first, last));
}

/** Synthetic SSNs start with 9 (never issued as SSNs), unique across the region. */
export function drawSsn(rng: Rng, taken: Set<string>): string {
  for (;;) {
    const ssn = `9${rng.int(10, 99)}-${pad(rng.int(1, 99), 2)}-${pad(rng.int(1, 9999), 4)}`;
    if (!taken.has(ssn)) {
      taken.add(ssn);
      return ssn;
    }
  }
}

function names(faker: Faker, rng: Rng, sex: 'male' | 'female'): Pick<Demographics, 'given' | 'middle' | 'family'> {
  const roll = rng.next();
  let given: string;
  let family: string;
  let middle: string | undefined;
  if (roll < 0.12) {
    const pool = sex === 'female' ? HISPANIC_GIVEN_FEMALE : HISPANIC_GIVEN_MALE;
    given = rng.pick(pool);
    family = rng.pick(HISPANIC_FAMILY);
    // Two surnames written with a space, as is usual in Spanish naming.
    if (rng.chance(0.3)) family = `${family} ${rng.pick(HISPANIC_FAMILY.filter((f) => f !== family))}`;
    if (rng.chance(0.55)) middle = rng.pick(pool.filter((g) => g !== given));
  } else {
    if (roll < 0.15) given = rng.pick(sex === 'female' ? FRENCH_GIVEN_FEMALE : FRENCH_GIVEN_MALE);
    else if (roll < 0.45) given = rng.pick(sex === 'female' ? COMMON_GIVEN_FEMALE : COMMON_GIVEN_MALE);
    else given = faker.person.firstName(sex);
    family = faker.person.lastName();
    if (rng.chance(0.04)) family = `${family}-${faker.person.lastName()}`;
    if (rng.chance(0.55)) {
      const m = faker.person.middleName(sex);
      if (m !== given) middle = m;
    }
  }
  return middle === undefined ? { given, family } : { given, middle, family };
}

export interface PersonBasics {
  demo: Demographics;
  zip: ZipDef;
}

export function makeDemographics(faker: Faker, rng: Rng, ssnTaken: Set<string>, story?: Story): PersonBasics {
  const drawn = rng.weighted(GENDERS);
  const gender = story?.sex ?? drawn;
  const sex: 'male' | 'female' = gender === 'male' || gender === 'female' ? gender : rng.chance(0.5) ? 'male' : 'female';
  const born = birthDate(rng, story?.age);
  const n = names(faker, rng, sex);
  const zip = rng.weighted(ZIP_WEIGHTS);
  const demo: Demographics = {
    ...n,
    gender,
    birthDate: born,
    line: faker.location.streetAddress(),
    city: zip.city,
    postalCode: zip.zip,
    plus4: pad(rng.int(1, 9999), 4),
    phone: `(${zip.areaCode}) 555-${pad(rng.int(100, 9999), 4)}`,
    ssn: drawSsn(rng, ssnTaken),
  };
  return { demo, zip };
}
