/**
 * Renders planned events: the provider's Encounter (with its diagnoses, vitals,
 * labs or procedure) in the provider's bundle, and the claims the person's
 * payer on that date adjudicated, in the payer's bundle.
 */
import { source, type PatientSourceId, type ProviderSourceId } from './catalog.js';
import { type ChronicKey, DRUGS, DRUG_INDICATION, DX, type DxKey, MAMMOGRAPHY, REVENUE, SYSTEMS, cptCoding, isChronic } from './codes.js';
import { ONGOING, isActive } from './conditions.js';
import { coveringSpan } from './coverage.js';
import { LAST_DAY, localDateTime } from './dates.js';
import { coding } from './fhir-common.js';
import { type EobArgs, eobResource } from './fhir-claims.js';
import { admissionType, bloodPressure, bodyWeight, conditionResource, cptType, encounterResource, hba1c, mammographyProcedure } from './fhir-clinical.js';
import type { SourceBundle } from './bundle.js';
import type { SourceId } from './catalog.js';
import type { EdVisit, InpatientStay, Mammography, OfficeVisit, PersonPlan, PharmacyFill, PlannedEvent } from './plan.js';
import { ED_FACILITY_ALLOWED, MAMMOGRAPHY_ALLOWED, PROFESSIONAL_ALLOWED, type PriceSetting, amountsFor, inpatientAllowedRange } from './pricing.js';
import type { Rng } from './prng.js';
import { locationId, wardFor } from './locations.js';
import { emitVisitLabs, type LabState } from './emit-labs.js';
import { type AncillaryDef, CONSULTS, IMAGING, PROCEDURES, RATES, drawAncillary } from './ancillary.js';
import { CLINICIANS, type HospitalId } from './catalog.js';
import { ageOnDay } from './dates.js';

/** Where a person's resources go while the region is generated. */
export interface EmitContext {
  seed: number;
  bundle(id: SourceId): SourceBundle;
  truth: Record<string, number>;
}

export interface PersonState {
  plan: PersonPlan;
  patientIds: Map<PatientSourceId, string>;
  coverageIds: string[];
  chronicIds: Map<ChronicKey, string>;
  /** Encounters at the PCP clinic, in date order: problem-list entries cite them. */
  pcpEncounters: { day: number; id: string }[];
  times: Rng;
  claims: Rng;
  charting: Rng;
  labs: LabState;
  ancillary: Rng;
}

function activeChronic(plan: PersonPlan, day: number, except?: DxKey): ChronicKey[] {
  return plan.conditions.filter((c) => ONGOING.includes(c.key) && c.key !== except && isActive(c, day)).map((c) => c.key);
}

function patientAt(state: PersonState, src: PatientSourceId): string {
  const id = state.patientIds.get(src);
  if (id === undefined) throw new Error(`person ${state.plan.index} has no record at ${src}`);
  return id;
}

type ClaimSpec = Omit<EobArgs, 'id' | 'src' | 'patientId' | 'coverageId' | 'createdDay' | 'amounts'>;

/** Files a claim with whichever payer covered the person on the service date; none if uninsured. */
function fileClaim(state: PersonState, ctx: EmitContext, spec: ClaimSpec, allowed: readonly [number, number]): void {
  const i = coveringSpan(state.plan.coverage, spec.serviceStart);
  const span = state.plan.coverage[i];
  const coverageId = state.coverageIds[i];
  if (!span || coverageId === undefined) return;
  const src = source(span.payer);
  const bundle = ctx.bundle(span.payer);
  bundle.add(
    eobResource({
      ...spec,
      id: bundle.nextId('eob'),
      src,
      patientId: patientAt(state, span.payer),
      coverageId,
      createdDay: Math.min(LAST_DAY, spec.serviceEnd + state.claims.int(3, 21)),
      amounts: amountsFor(state.claims, allowed[0], allowed[1], src.segment ?? 'commercial', settingOf(spec)),
    }),
  );
}

function settingOf(spec: ClaimSpec): PriceSetting {
  if (spec.claimType === 'institutional') return spec.subType === 'inpatient' ? 'inpatient' : 'outpatient';
  return spec.claimType === 'pharmacy' ? 'pharmacy' : 'professional';
}

function range(table: Readonly<Record<string, readonly [number, number]>>, code: string): readonly [number, number] {
  return table[code] ?? [100, 200];
}

/** An encounter-diagnosis Condition at the provider; returns its id, or undefined for visit-only codes. */
function encounterDiagnosis(ctx: EmitContext, state: PersonState, where: ProviderSourceId, key: DxKey, day: number, encounterId: string): string | undefined {
  if (DX[key].visitOnly) return undefined;
  const bundle = ctx.bundle(where);
  const id = bundle.nextId('cond');
  bundle.add(
    conditionResource({
      id,
      uri: bundle.src.uri,
      patientId: patientAt(state, where),
      key,
      category: 'encounter-diagnosis',
      recordedDay: day,
      onsetDay: day,
      encounterId,
      // Acute problems settle within a fortnight; chronic ones stay active.
      ...(isChronic(key) ? {} : { resolvedDay: day + 14 }),
    }),
  );
  return id;
}

function office(e: OfficeVisit, state: PersonState, ctx: EmitContext): void {
  const { plan, times } = state;
  const bundle = ctx.bundle(e.clinic);
  const patientId = patientAt(state, e.clinic);
  const encounterId = bundle.nextId('enc');
  const start = times.int(32, 66) * 15;
  const end = start + times.pick([15, 20, 30, 40]);
  const atPcp = e.clinic === plan.pcpClinic;
  const problem = isChronic(e.dx) && atPcp ? state.chronicIds.get(e.dx) : undefined;
  const org = bundle.src.organizationId;
  const shared = { uri: bundle.src.uri, patientId, practitioner: e.practitioner, organizationId: org, dx: e.dx };
  const encounter = encounterResource({
    ...shared,
    id: encounterId,
    cls: 'AMB',
    type: cptType(e.cpt),
    location: locationId(e.clinic, 'site'),
    start: localDateTime(e.day, start),
    end: localDateTime(e.day, end),
  });
  bundle.add(encounter);
  const conditionId = problem ?? encounterDiagnosis(ctx, state, e.clinic, e.dx, e.day, encounterId);
  if (conditionId !== undefined) encounter.diagnosis = [{ condition: { reference: `Condition/${conditionId}` }, rank: 1 }];
  if (atPcp) state.pcpEncounters.push({ day: e.day, id: encounterId });
  const obs = { uri: bundle.src.uri, patientId, encounterId };
  if (e.weightKg !== undefined) bundle.add(bodyWeight({ ...obs, id: bundle.nextId('obs'), effective: localDateTime(e.day, start + 3) }, e.weightKg));
  if (e.bp) bundle.add(bloodPressure({ ...obs, id: bundle.nextId('obs'), effective: localDateTime(e.day, start + 5) }, e.bp[0], e.bp[1]));
  if (atPcp) emitVisitLabs(e, { bundle, plan, labs: state.labs, patientId, encounterId, start });
  else if (e.hba1c !== undefined) bundle.add(hba1c({ ...obs, id: bundle.nextId('obs'), effective: localDateTime(e.day, start + 10) }, e.hba1c));
  fileClaim(
    state,
    ctx,
    {
      claimType: 'professional',
      providerOrganizationId: org,
      practitioner: e.practitioner,
      product: cptCoding(e.cpt),
      serviceStart: e.day,
      serviceEnd: e.day,
      encounterId,
      diagnoses: [e.dx, ...activeChronic(plan, e.day, e.dx)],
    },
    range(PROFESSIONAL_ALLOWED, e.cpt),
  );
  if (ageOnDay(plan.demo.birthDate, e.day) >= 18) {
    const later = e.day + state.ancillary.int(3, 21);
    const imaging = drawAncillary(state.ancillary, RATES.officeImaging, IMAGING);
    if (imaging) fileAncillary(state, ctx, imaging, plan.homeHospital, later, e.dx);
    const procedure = drawAncillary(state.ancillary, RATES.officeProcedure, PROCEDURES);
    if (procedure) fileAncillary(state, ctx, procedure, plan.homeHospital, later + state.ancillary.int(7, 30), e.dx);
    const consult = drawAncillary(state.ancillary, RATES.officeConsult, CONSULTS);
    // A referral is a consultation and a few follow-ups with the specialist.
    const visits = consult ? 1 + state.ancillary.int(0, RATES.consultFollowUps) : 0;
    for (let i = 0; i < visits && consult; i++) fileConsult(state, ctx, consult, plan.homeHospital, later + i * state.ancillary.int(21, 60), e.dx);
  }
}

const RADIOLOGIST: ReadonlyMap<HospitalId, string> = new Map(
  CLINICIANS.filter((c) => c.specialty === 'radiology').map((c) => [c.source as HospitalId, c.id] as const),
);

/** An imaging study or outpatient procedure: the hospital's facility claim and the physician's, claims only. */
function fileAncillary(state: PersonState, ctx: EmitContext, a: AncillaryDef, hospital: HospitalId, day: number, dx: DxKey, encounterId?: string): void {
  if (day > LAST_DAY) return;
  const org = source(hospital).organizationId;
  const product = cptCoding(a.cpt, a.display);
  const base = { serviceStart: day, serviceEnd: day, providerOrganizationId: org, diagnoses: [dx], product, ...(encounterId ? { encounterId } : {}) };
  const revenue = coding(SYSTEMS.revenue, a.revenue[0], a.revenue[1]);
  fileClaim(state, ctx, { ...base, claimType: 'institutional', subType: 'outpatient', revenue }, a.facility);
  const reader = a.revenue[0] === '0360' ? undefined : RADIOLOGIST.get(hospital);
  fileClaim(state, ctx, { ...base, claimType: 'professional', ...(reader ? { practitioner: reader } : {}) }, a.professional);
}

function fileConsult(state: PersonState, ctx: EmitContext, a: AncillaryDef, hospital: HospitalId, day: number, dx: DxKey): void {
  if (day > LAST_DAY) return;
  const product = cptCoding(a.cpt, a.display);
  fileClaim(
    state,
    ctx,
    { claimType: 'professional', providerOrganizationId: source(hospital).organizationId, product, serviceStart: day, serviceEnd: day, diagnoses: [dx] },
    a.professional,
  );
}

function emergency(e: EdVisit, state: PersonState, ctx: EmitContext): void {
  const bundle = ctx.bundle(e.hospital);
  const patientId = patientAt(state, e.hospital);
  const encounterId = bundle.nextId('enc');
  const start = state.times.int(7 * 60, 18 * 60);
  const end = Math.min(23 * 60 + 59, start + state.times.int(120, 300));
  const org = bundle.src.organizationId;
  const encounter = encounterResource({
    id: encounterId,
    uri: bundle.src.uri,
    patientId,
    cls: 'EMER',
    type: cptType(e.cpt),
    location: locationId(e.hospital, 'ed'),
    start: localDateTime(e.day, start),
    end: localDateTime(e.day, end),
    practitioner: e.practitioner,
    organizationId: org,
    dx: e.dx,
  });
  bundle.add(encounter);
  const conditionId = encounterDiagnosis(ctx, state, e.hospital, e.dx, e.day, encounterId);
  if (conditionId !== undefined) encounter.diagnosis = [{ condition: { reference: `Condition/${conditionId}` }, rank: 1 }];
  const base = { serviceStart: e.day, serviceEnd: e.day, providerOrganizationId: org, encounterId, diagnoses: [e.dx] };
  const facility = coding(SYSTEMS.revenue, REVENUE.ed.code, REVENUE.ed.display);
  fileClaim(
    state,
    ctx,
    { ...base, claimType: 'institutional', subType: 'outpatient', product: facility, revenue: facility },
    range(ED_FACILITY_ALLOWED, e.cpt),
  );
  fileClaim(state, ctx, { ...base, claimType: 'professional', practitioner: e.practitioner, product: cptCoding(e.cpt) }, range(PROFESSIONAL_ALLOWED, e.cpt));
  const imaging = drawAncillary(state.ancillary, RATES.edImaging, IMAGING);
  if (imaging) fileAncillary(state, ctx, imaging, e.hospital, e.day, e.dx, encounterId);
}

function inpatient(e: InpatientStay, state: PersonState, ctx: EmitContext): void {
  const bundle = ctx.bundle(e.hospital);
  const patientId = patientAt(state, e.hospital);
  const encounterId = bundle.nextId('enc');
  const discharge = e.day + e.los;
  const org = bundle.src.organizationId;
  const encounter = encounterResource({
    id: encounterId,
    uri: bundle.src.uri,
    patientId,
    cls: 'IMP',
    type: admissionType(),
    start: localDateTime(e.day, state.times.int(0, 23 * 60)),
    end: localDateTime(discharge, state.times.int(10 * 60, 16 * 60)),
    practitioner: e.practitioner,
    organizationId: org,
    dx: e.dx,
    disposition: e.disposition,
    location: wardFor(e.hospital, e.dx),
  });
  bundle.add(encounter);
  // The hospital re-records some of the person's known chronic problems as secondary diagnoses.
  const secondary = activeChronic(state.plan, e.day, e.dx).filter(() => state.charting.chance(0.7));
  const ids = [e.dx, ...secondary]
    .map((key) => encounterDiagnosis(ctx, state, e.hospital, key, e.day, encounterId))
    .filter((id): id is string => id !== undefined);
  if (ids.length > 0) encounter.diagnosis = ids.map((id, i) => ({ condition: { reference: `Condition/${id}` }, rank: i + 1 }));
  const base = { providerOrganizationId: org, encounterId, diagnoses: [e.dx, ...secondary] };
  const roomAndBoard = coding(SYSTEMS.revenue, REVENUE.roomAndBoard.code, REVENUE.roomAndBoard.display);
  fileClaim(
    state,
    ctx,
    { ...base, claimType: 'institutional', subType: 'inpatient', product: roomAndBoard, revenue: roomAndBoard, serviceStart: e.day, serviceEnd: discharge },
    inpatientAllowedRange(state.claims, e.los),
  );
  fileClaim(
    state,
    ctx,
    { ...base, claimType: 'professional', practitioner: e.practitioner, product: cptCoding(e.admitCpt), serviceStart: e.day, serviceEnd: e.day },
    range(PROFESSIONAL_ALLOWED, e.admitCpt),
  );
}

function mammography(e: Mammography, state: PersonState, ctx: EmitContext): void {
  const bundle = ctx.bundle(e.hospital);
  const org = bundle.src.organizationId;
  bundle.add(
    mammographyProcedure({
      id: bundle.nextId('proc'),
      uri: bundle.src.uri,
      patientId: patientAt(state, e.hospital),
      performed: localDateTime(e.day, state.times.int(8 * 60, 16 * 60)),
      practitioner: e.practitioner,
      organizationId: org,
    }),
  );
  fileClaim(
    state,
    ctx,
    {
      claimType: 'institutional',
      subType: 'outpatient',
      providerOrganizationId: org,
      practitioner: e.practitioner,
      product: cptCoding(MAMMOGRAPHY.cpt),
      revenue: coding(SYSTEMS.revenue, MAMMOGRAPHY.revenue, MAMMOGRAPHY.revenueDisplay),
      serviceStart: e.day,
      serviceEnd: e.day,
      diagnoses: ['screeningMammogram'],
    },
    MAMMOGRAPHY_ALLOWED,
  );
}

function fill(e: PharmacyFill, state: PersonState, ctx: EmitContext): void {
  const drug = DRUGS[e.drug];
  const indication = DRUG_INDICATION[e.drug];
  const treated = !isChronic(indication) || state.plan.conditions.some((c) => c.key === indication) ? indication : 'gad';
  fileClaim(
    state,
    ctx,
    {
      claimType: 'pharmacy',
      // No pharmacies are modelled: the prescribing PCP clinic stands in as the provider.
      providerOrganizationId: source(state.plan.pcpClinic).organizationId,
      product: coding(SYSTEMS.rxnorm, drug.rxnorm, drug.display),
      serviceStart: e.day,
      serviceEnd: e.day,
      diagnoses: [treated],
      quantity: drug.quantity,
    },
    drug.price,
  );
}

export function emitEvent(e: PlannedEvent, state: PersonState, ctx: EmitContext): void {
  switch (e.kind) {
    case 'office':
      return office(e, state, ctx);
    case 'ed':
      return emergency(e, state, ctx);
    case 'inpatient':
      return inpatient(e, state, ctx);
    case 'mammography':
      return mammography(e, state, ctx);
    case 'fill':
      return fill(e, state, ctx);
  }
}
