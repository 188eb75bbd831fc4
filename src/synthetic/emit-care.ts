/**
 * The PCP clinic's medication list (a MedicationRequest per course behind the
 * fills), allergy list and immunizations, written after the person's visits so
 * each can cite the encounter it happened at.
 */
import { source } from './catalog.js';
import { has } from './conditions.js';
import { allergyIntolerance, immunizationResource, medicationRequest, treatedCondition } from './fhir-care.js';
import type { EmitContext, PersonState } from './emit-events.js';
import { locationId } from './locations.js';
import { medicationCourses } from './medications.js';

export function emitCareRecord(state: PersonState, ctx: EmitContext): void {
  const { plan } = state;
  const clinic = plan.pcpClinic;
  const bundle = ctx.bundle(clinic);
  const patientId = state.patientIds.get(clinic) ?? '';
  const common = { uri: bundle.src.uri, patientId, practitioner: plan.pcpPractitioner };
  for (const course of medicationCourses(plan.events)) {
    const reason = treatedCondition(course.drug, (key) => has(plan.conditions, key) !== undefined);
    const conditionId = state.chronicIds.get(reason);
    // Written at the last PCP visit before the first fill, or a few days before it.
    const visit = [...state.pcpEncounters].reverse().find((v) => v.day <= course.firstFill && course.firstFill - v.day <= 30);
    bundle.add(
      medicationRequest({
        ...common,
        id: bundle.nextId('medrx'),
        course,
        authoredDay: visit?.day ?? Math.max(0, course.firstFill - 3),
        reason,
        ...(conditionId !== undefined ? { conditionId } : {}),
      }),
    );
  }
  for (const allergy of plan.allergies) bundle.add(allergyIntolerance({ ...common, id: bundle.nextId('allergy'), allergy }));
  const minutes = state.times;
  for (const immunization of plan.immunizations) {
    const encounter = state.pcpEncounters.find((v) => v.day === immunization.day);
    bundle.add(
      immunizationResource({
        ...common,
        id: bundle.nextId('imm'),
        immunization,
        ...(encounter ? { encounterId: encounter.id } : {}),
        organizationId: source(clinic).organizationId,
        location: locationId(clinic, 'site'),
        minute: minutes.int(9 * 60, 16 * 60),
      }),
    );
  }
}
