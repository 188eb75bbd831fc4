/**
 * Renders a PersonPlan as FHIR: one Patient per source that knows the person,
 * their Coverage periods, problem-list Conditions, then (via emit-events.ts)
 * everything that happened to them.
 */
import { SOURCES, source, type ClinicId, type PatientSourceId, type SourceId } from './catalog.js';
import type { ChronicKey } from './codes.js';
import type { SourceBundle } from './bundle.js';
import { isoToDay } from './dates.js';
import { emitCareRecord } from './emit-care.js';
import { emitEvent, type EmitContext, type PersonState } from './emit-events.js';

export type { EmitContext };
import { coverageResource } from './fhir-claims.js';
import { conditionResource } from './fhir-clinical.js';
import { patientResource } from './fhir-patient.js';
import type { PersonPlan } from './plan.js';
import { streamFor } from './prng.js';
import { labProfile } from './labs.js';
import type { LabState } from './emit-labs.js';
import { carriesSsn, drawVariant, varyRecord, wantsNickname } from './variants.js';

/** Every source holding a record for the person, in catalogue order for stable output. */
function recordSources(plan: PersonPlan): PatientSourceId[] {
  const needed = new Set<PatientSourceId>([plan.pcpClinic]);
  for (const span of plan.coverage) needed.add(span.payer);
  for (const e of plan.events) {
    if (e.kind === 'office') needed.add(e.clinic);
    else if (e.kind !== 'fill') needed.add(e.hospital);
  }
  return SOURCES.map((s) => s.id).filter((id): id is PatientSourceId => needed.has(id as PatientSourceId));
}

interface Records {
  patientIds: Map<PatientSourceId, string>;
  localIds: Map<PatientSourceId, string>;
}

function emitRecords(plan: PersonPlan, ctx: EmitContext): Records {
  const ids = streamFor(ctx.seed, 'ids', plan.index);
  const variants = streamFor(ctx.seed, 'variants', plan.index);
  const patientIds = new Map<PatientSourceId, string>();
  const localIds = new Map<PatientSourceId, string>();
  const sources = recordSources(plan).map((sid) => {
    const src = source(sid);
    const kind = src.kind === 'directory' ? 'clinic' : src.kind;
    return { sid, src, kind, draws: drawVariant(variants) };
  });
  const ssnUnderRealName = (s: (typeof sources)[number]): boolean => carriesSsn(s.draws, s.kind) && !wantsNickname(s.draws, plan.demo, s.kind);
  for (const entry of sources) {
    const { sid, src, kind, draws } = entry;
    const bundle = ctx.bundle(sid);
    const id = plan.patientIds?.[sid] ?? bundle.drawPatientId(ids);
    const localId = src.kind === 'payer' ? bundle.drawLocalId(ids, src.memberPrefix ?? 'M', 9) : bundle.drawLocalId(ids, 'MRN', 8);
    const allowNickname = sources.some((other) => other !== entry && ssnUnderRealName(other));
    const rec = plan.recordOverrides?.[sid] ?? varyRecord(draws, plan.demo, kind, allowNickname);
    const designates = sid === plan.pcpClinic && plan.designatesPcp;
    bundle.add(
      patientResource({
        id,
        src,
        rec,
        demo: plan.demo,
        localId,
        ...(designates ? { generalPractitioner: plan.pcpPractitioner } : {}),
        // Her choice of primary care as her plan records it: what attribution counts as her designation.
        ...(src.kind === 'payer' && plan.designatesPcp ? { designatedOrganization: source(plan.pcpClinic).organizationId } : {}),
      }),
    );
    patientIds.set(sid, id);
    localIds.set(sid, localId);
    ctx.truth[id] = plan.index;
  }
  return { patientIds, localIds };
}

function emitCoverage(plan: PersonPlan, ctx: EmitContext, records: Records): string[] {
  return plan.coverage.map((span) => {
    const bundle = ctx.bundle(span.payer);
    const patientId = records.patientIds.get(span.payer) ?? '';
    const memberId = records.localIds.get(span.payer) ?? '';
    const id = bundle.nextId('cov');
    bundle.add(coverageResource({ id, src: source(span.payer), patientId, memberId, span }));
    return id;
  });
}

function emitProblemList(plan: PersonPlan, ctx: EmitContext, state: PersonState): void {
  const clinic: ClinicId = plan.pcpClinic;
  const bundle = ctx.bundle(clinic);
  const patientId = state.patientIds.get(clinic) ?? '';
  const firstDay = Math.max(0, isoToDay(plan.demo.birthDate));
  const firstVisit = state.pcpEncounters[0]?.day;
  for (const c of plan.conditions) {
    const id = state.chronicIds.get(c.key);
    if (id === undefined) continue;
    const diagnosis = c.diagnosedDay === undefined ? undefined : state.pcpEncounters.find((e) => e.day === c.diagnosedDay);
    bundle.add(
      conditionResource({
        id,
        uri: bundle.src.uri,
        patientId,
        key: c.key,
        category: c.key === 'chlamydia' ? 'encounter-diagnosis' : 'problem-list-item',
        recordedDay: c.diagnosedDay ?? firstVisit ?? firstDay,
        ...(c.diagnosedDay !== undefined ? { onsetDay: c.diagnosedDay } : {}),
        ...(c.resolvedDay !== undefined ? { resolvedDay: c.resolvedDay } : {}),
        ...(diagnosis ? { encounterId: diagnosis.id } : {}),
      }),
    );
  }
}

export function emitPerson(plan: PersonPlan, ctx: EmitContext): void {
  const records = emitRecords(plan, ctx);
  const coverageIds = emitCoverage(plan, ctx, records);
  // Problem-list ids are needed before the visits that cite them are written.
  const chronicIds = new Map<ChronicKey, string>();
  for (const c of plan.conditions) chronicIds.set(c.key, ctx.bundle(plan.pcpClinic).nextId('cond'));
  const state: PersonState = {
    plan,
    patientIds: records.patientIds,
    coverageIds,
    chronicIds,
    pcpEncounters: [],
    times: streamFor(ctx.seed, 'times', plan.index),
    claims: streamFor(ctx.seed, 'claims', plan.index),
    charting: streamFor(ctx.seed, 'charting', plan.index),
    labs: newLabState(ctx.seed, plan),
    ancillary: streamFor(ctx.seed, 'ancillary', plan.index),
  };
  for (const event of plan.events) emitEvent(event, state, ctx);
  emitProblemList(plan, ctx, state);
  emitCareRecord(state, ctx);
}

function newLabState(seed: number, plan: PersonPlan): LabState {
  const rng = streamFor(seed, 'labs', plan.index);
  return { rng, profile: labProfile(rng, plan.demo.gender === 'female'), last: {} };
}
