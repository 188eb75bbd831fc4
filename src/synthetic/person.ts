/**
 * One synthetic person's whole story, assembled from independent seeded
 * streams (demographics, care, coverage, conditions, visits, hospital,
 * pharmacy) so tuning one part never reshuffles the others.
 */
import type { Faker } from '@faker-js/faker';
import { CLINICS, cliniciansAt, type ClinicId } from './catalog.js';
import { planConditions } from './conditions.js';
import { planCoverage } from './coverage.js';
import { isoToDay } from './dates.js';
import { makeDemographics } from './demographics.js';
import { CLINIC_PREFERENCE, HOME_HOSPITAL } from './geography.js';
import { planEd, planInpatient, planMammography, type HospitalContext } from './hospital-use.js';
import { planFills, planSpecialtyFills } from './pharmacy.js';
import { planAllergies } from './allergies.js';
import { planImmunizations } from './immunizations.js';
import type { InpatientStay, PersonPlan, PlannedEvent } from './plan.js';
import { streamFor } from './prng.js';
import { storyFor } from './stories.js';
import { planOfficeVisits } from './visits.js';

const KIND_ORDER: Readonly<Record<PlannedEvent['kind'], number>> = { inpatient: 0, ed: 1, office: 2, mammography: 3, fill: 4 };

export function sortEvents(events: PlannedEvent[]): PlannedEvent[] {
  return events.sort((a, b) => a.day - b.day || KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
}

/** Nobody attends clinic or the ED while they are an inpatient. */
function duringStay(stays: readonly InpatientStay[], day: number): boolean {
  return stays.some((s) => s.day <= day && day <= s.day + s.los);
}

export function planPerson(seed: number, index: number, faker: Faker, ssnTaken: Set<string>): PersonPlan {
  faker.seed([seed, index]);
  const story = storyFor(index);
  const { demo, zip } = makeDemographics(faker, streamFor(seed, 'demo', index), ssnTaken, story);
  const care = streamFor(seed, 'care', index);
  const pcpClinic = care.weighted(CLINIC_PREFERENCE[zip.area]);
  const pcpPractitioner = care.pick(cliniciansAt(pcpClinic)).id;
  const others = CLINIC_PREFERENCE[zip.area].filter(([c]) => c !== pcpClinic);
  const secondaryClinic: ClinicId = others.length > 0 ? care.weighted(others) : (CLINICS.find((c) => c !== pcpClinic) ?? pcpClinic);
  const homeHospital = care.weighted(HOME_HOSPITAL[zip.area]);
  const designatesPcp = care.chance(0.6);
  const a1cCentre =
    care.weighted<number>([
      [6.7, 55],
      [8.4, 25],
      [9.9, 20],
    ]) + care.uniform(-0.3, 0.3);
  const bpCentre: readonly [number, number] = care.chance(0.6) ? [127, 79] : [151, 94];
  const female = demo.gender === 'female' || (demo.gender !== 'male' && care.chance(0.5));
  const adultKg = Math.min(180, Math.max(45, care.normal(female ? 77 : 90, female ? 15 : 16)));

  const firstDay = Math.max(0, isoToDay(demo.birthDate));
  const coverage = planCoverage(streamFor(seed, 'coverage', index), demo.birthDate, firstDay, story?.coverage);
  const conditions = planConditions(streamFor(seed, 'conditions', index), demo, firstDay, story?.conditions);

  const office = planOfficeVisits({
    rng: streamFor(seed, 'office', index),
    demo,
    firstDay,
    pcpClinic,
    pcpPractitioner,
    secondaryClinic,
    conditions,
    a1cCentre,
    bpCentre,
    adultKg,
  });
  const hospitalCtx: HospitalContext = {
    rng: streamFor(seed, 'hospital', index),
    demo,
    firstDay,
    homeHospital,
    conditions,
    ...(story?.readmission ? { forceReadmission: true } : {}),
  };
  const stays = planInpatient(hospitalCtx);
  const ed = planEd(hospitalCtx);
  const mammography = planMammography(hospitalCtx);
  const fills = [
    ...planFills(streamFor(seed, 'pharmacy', index), conditions, firstDay, streamFor(seed, 'adherence', index)),
    ...planSpecialtyFills(streamFor(seed, 'specialty', index), demo.birthDate, firstDay),
  ];

  const outpatient = [...office, ...ed, ...mammography].filter((e) => !duringStay(stays, e.day));
  const pcpDays = outpatient.filter((e) => e.kind === 'office' && e.clinic === pcpClinic).map((e) => e.day);
  const allergies = planAllergies(streamFor(seed, 'allergies', index), pcpDays[0] ?? firstDay);
  const immunizations = planImmunizations(streamFor(seed, 'immunizations', index), demo.birthDate, firstDay, pcpDays).filter((v) => !duringStay(stays, v.day));
  return {
    index,
    demo,
    pcpClinic,
    pcpPractitioner,
    homeHospital,
    designatesPcp,
    conditions,
    coverage,
    events: sortEvents([...stays, ...outpatient, ...fills]),
    allergies,
    immunizations,
  };
}
