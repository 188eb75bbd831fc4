/**
 * The hand-written fixture people that demos and access-control tests refer to
 * by name. Maria is person 0 of every region; her story is fixed so the same
 * scenarios (sensitive diagnoses, an ED visit, an admission, demographic-only
 * linkage at the hospital) exist for every seed and size.
 */
import named from '../../fixtures/named-people.json' with { type: 'json' };
import type { NamedPerson } from './types.js';
import { isoToDay } from './dates.js';
import type { Demographics, OfficeVisit, PersonPlan, PharmacyFill, PlannedEvent, RecordDemo } from './plan.js';
import { sortEvents } from './person.js';
import { exactRecord } from './variants.js';
import type { DrugKey, DxKey } from './codes.js';

/**
 * Who they are lives in fixtures/named-people.json, imported statically (not read with fs) so
 * the generator also runs in a Worker bundle; their clinical story is below, in code.
 */
const people = named as unknown as {
  maria: {
    patientIds: Record<'clinic-oak' | 'hosp-mercy' | 'payer-lakeshore', string>;
    demographics: Demographics;
    records: Record<'hosp-mercy' | 'payer-lakeshore', RecordDemo>;
  };
  daniel: { id: string; given: string; family: string; gender: 'male' | 'female'; birthDate: string; phone: string };
  practitioners: { chen: string };
  accounts: NamedPerson[];
};

export const MARIA_IDS = people.maria.patientIds;

export const DANIEL = people.daniel;

const CHEN = people.practitioners.chen;

// Her SSN is below the 910-999 range random SSNs use, so it can never be drawn for anyone else.
const MARIA: Demographics = people.maria.demographics;

export const MARIA_SSN = MARIA.ssn;

function visit(date: string, dx: DxKey, cpt: string, bp: readonly [number, number], a1c?: number): OfficeVisit {
  const v: OfficeVisit = { kind: 'office', day: isoToDay(date), clinic: 'clinic-oak', practitioner: CHEN, cpt, dx, bp, weightKg: 84.2 };
  if (a1c !== undefined) v.hba1c = a1c;
  return v;
}

function fills(drug: DrugKey, first: string): PharmacyFill[] {
  const out: PharmacyFill[] = [];
  for (let day = isoToDay(first); day <= isoToDay('2025-12-31'); day += 90) out.push({ kind: 'fill', day, drug });
  return out;
}

export function mariaPlan(): PersonPlan {
  const events: PlannedEvent[] = [
    visit('2024-01-16', 'diabetes', '99214', [146, 92], 8.9),
    visit('2024-04-09', 'hypertension', '99213', [142, 90]),
    visit('2024-07-09', 'oud', '99214', [138, 86], 9.4),
    visit('2024-10-15', 'mdd', '99214', [136, 84], 8.2),
    visit('2025-01-14', 'diabetes', '99214', [144, 90], 9.1),
    visit('2025-02-18', 'diabetes', '99215', [138, 86]),
    visit('2025-05-13', 'hypertension', '99213', [134, 82], 7.8),
    visit('2025-08-12', 'oud', '99214', [132, 80]),
    visit('2025-11-11', 'diabetes', '99214', [130, 80], 7.2),
    { kind: 'ed', day: isoToDay('2024-08-22'), hospital: 'hosp-mercy', practitioner: 'hosp-mercy-prac-lindqvist', cpt: '99284', dx: 'chestPain' },
    { kind: 'mammography', day: isoToDay('2024-10-29'), hospital: 'hosp-mercy', practitioner: 'hosp-mercy-prac-heinemann' },
    {
      kind: 'inpatient',
      day: isoToDay('2025-02-03'),
      los: 4,
      hospital: 'hosp-mercy',
      practitioner: 'hosp-mercy-prac-webb',
      admitCpt: '99223',
      dx: 'hyperglycemia',
      disposition: 'home',
      readmission: false,
    },
    ...fills('metformin', '2024-01-20'),
    ...fills('lisinopril', '2024-01-22'),
    ...fills('sertraline', '2024-01-25'),
    ...fills('buprenorphine', '2024-02-01'),
  ];
  return {
    index: 0,
    demo: MARIA,
    pcpClinic: 'clinic-oak',
    pcpPractitioner: CHEN,
    homeHospital: 'hosp-mercy',
    designatesPcp: true,
    conditions: [{ key: 'diabetes' }, { key: 'hypertension' }, { key: 'mdd' }, { key: 'oud' }],
    coverage: [{ payer: 'payer-lakeshore', start: 0, end: isoToDay('2025-12-31') }],
    events: sortEvents(events),
    allergies: [{ allergen: 'penicillin', reaction: 'hives', severity: 'moderate', recordedDay: isoToDay('2024-01-16') }],
    // Flu shots at her autumn visits, and a Tdap booster at the spring one.
    immunizations: [
      { vaccine: 'influenza', day: isoToDay('2024-10-15') },
      { vaccine: 'tdap', day: isoToDay('2025-05-13') },
      { vaccine: 'influenza', day: isoToDay('2025-11-11') },
    ],
    recordOverrides: {
      'clinic-oak': exactRecord(MARIA, true),
      // The hospital registered her without SSN or middle name, in capitals, with ZIP+4.
      'hosp-mercy': people.maria.records['hosp-mercy'],
      'payer-lakeshore': people.maria.records['payer-lakeshore'],
    },
    patientIds: { ...MARIA_IDS },
  };
}

export function namedPeople(): NamedPerson[] {
  return people.accounts.map((p) => ({ ...p }));
}
