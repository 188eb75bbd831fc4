/** Laboratory Observations with reference ranges and flags, grouped under a DiagnosticReport. */
import { SYSTEMS } from './codes.js';
import { concept, head, ref } from './fhir-common.js';
import type { CodeableConcept, LooseResource } from './fhir-types.js';
import { type Analyte, type Flag, type PanelDef, interpret } from './labs.js';

const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
const FLAG_DISPLAY: Readonly<Record<Flag, string>> = { H: 'High', L: 'Low', N: 'Normal' };

function quantity(value: number, unit: string): { value: number; unit: string; system: string; code: string } {
  return { value, unit, system: SYSTEMS.ucum, code: unit };
}

/** The lab's interval, with units on each bound, and its wording for one-sided limits. */
export function referenceRange(a: Pick<Analyte, 'low' | 'high' | 'unit'>): Record<string, unknown>[] {
  const range: Record<string, unknown> = {};
  if (a.low !== undefined) range.low = quantity(a.low, a.unit);
  if (a.high !== undefined) range.high = quantity(a.high, a.unit);
  range.text =
    a.low !== undefined && a.high !== undefined ? `${a.low}-${a.high} ${a.unit}` : a.low !== undefined ? `>= ${a.low} ${a.unit}` : `<= ${a.high} ${a.unit}`;
  return [range];
}

export function interpretation(a: Pick<Analyte, 'low' | 'high'>, value: number): CodeableConcept[] {
  const flag = interpret(a, value);
  return [concept(INTERPRETATION, flag, FLAG_DISPLAY[flag])];
}

export interface LabArgs {
  id: string;
  uri: string;
  patientId: string;
  encounterId: string;
  effective: string;
  issued: string;
  organizationId: string;
}

export function labObservation(a: LabArgs, analyte: Analyte, value: number): LooseResource {
  return {
    ...head('Observation', a.id, a.uri),
    status: 'final',
    category: [concept(SYSTEMS.observationCategory, 'laboratory', 'Laboratory')],
    code: concept(SYSTEMS.loinc, analyte.loinc, analyte.display, analyte.text),
    subject: ref('Patient', a.patientId),
    encounter: ref('Encounter', a.encounterId),
    effectiveDateTime: a.effective,
    issued: a.issued,
    performer: [ref('Organization', a.organizationId)],
    valueQuantity: quantity(value, analyte.unit),
    interpretation: interpretation(analyte, value),
    referenceRange: referenceRange(analyte),
  };
}

export function diagnosticReport(a: LabArgs, panel: PanelDef, resultIds: readonly string[], interpreter: string): LooseResource {
  return {
    ...head('DiagnosticReport', a.id, a.uri),
    status: 'final',
    category: [concept('http://terminology.hl7.org/CodeSystem/v2-0074', 'LAB', 'Laboratory')],
    code: concept(SYSTEMS.loinc, panel.loinc, panel.display, panel.text),
    subject: ref('Patient', a.patientId),
    encounter: ref('Encounter', a.encounterId),
    effectiveDateTime: a.effective,
    issued: a.issued,
    performer: [ref('Organization', a.organizationId)],
    resultsInterpreter: [ref('Practitioner', interpreter)],
    result: resultIds.map((id) => ref('Observation', id)),
  };
}
