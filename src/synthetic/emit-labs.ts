/**
 * Which lab panels a PCP visit sends off, rendered as Observations under a
 * DiagnosticReport in the clinic's bundle. HbA1c is drawn where the visit plan
 * says; a lipid panel and a basic metabolic panel once a year for people with
 * diabetes or hypertension (ADA and ACC/AHA monitoring), and a lipid panel at an
 * adult's annual check-up from 40.
 */
import type { SourceBundle } from './bundle.js';
import { isActive } from './conditions.js';
import { ageOnDay, localDateTime } from './dates.js';
import { diagnosticReport, labObservation, type LabArgs } from './fhir-labs.js';
import { hba1c } from './fhir-clinical.js';
import { type LabProfile, PANELS, type PanelKey, panelValues } from './labs.js';
import type { OfficeVisit, PersonPlan } from './plan.js';
import type { Rng } from './prng.js';

export interface LabState {
  rng: Rng;
  profile: LabProfile;
  last: Partial<Record<PanelKey, number>>;
}

const YEARLY = 330;

function due(labs: LabState, key: PanelKey, day: number): boolean {
  const last = labs.last[key];
  return last === undefined || day - last >= YEARLY;
}

export interface VisitLabContext {
  bundle: SourceBundle;
  plan: PersonPlan;
  labs: LabState;
  patientId: string;
  encounterId: string;
  /** Minute of day the visit started: specimens are collected ten minutes in. */
  start: number;
}

export function emitVisitLabs(e: OfficeVisit, c: VisitLabContext): void {
  const { bundle, plan, labs } = c;
  const monitored = plan.conditions.some((x) => (x.key === 'diabetes' || x.key === 'hypertension') && isActive(x, e.day));
  const checkUp = e.dx === 'wellAdult' && ageOnDay(plan.demo.birthDate, e.day) >= 40;
  const args = (id: string): LabArgs => ({
    id,
    uri: bundle.src.uri,
    patientId: c.patientId,
    encounterId: c.encounterId,
    effective: localDateTime(e.day, c.start + 10),
    issued: localDateTime(e.day + 1, 14 * 60),
    organizationId: bundle.src.organizationId,
  });
  if (e.hba1c !== undefined) {
    const obsId = bundle.nextId('obs');
    const { issued: _issued, organizationId: _org, ...obs } = args(obsId);
    bundle.add(hba1c(obs, e.hba1c));
    bundle.add(diagnosticReport(args(bundle.nextId('dr')), PANELS.hba1c, [obsId], e.practitioner));
    labs.last.hba1c = e.day;
  }
  const panels: PanelKey[] = [];
  if ((monitored || checkUp) && due(labs, 'lipid', e.day)) panels.push('lipid');
  if (monitored && due(labs, 'bmp', e.day)) panels.push('bmp');
  for (const key of panels) {
    const panel = PANELS[key];
    const values = panelValues(labs.rng, key, labs.profile, e.hba1c);
    const ids = panel.analytes.map((analyte, i) => {
      // 'obs-lab' ids sort after the visit's own 'obs' ones, so a reader paging by id meets vitals and HbA1c first.
      const id = bundle.nextId('obs-lab');
      bundle.add(labObservation(args(id), analyte, values[i] ?? 0));
      return id;
    });
    bundle.add(diagnosticReport(args(bundle.nextId('dr')), panel, ids, e.practitioner));
    labs.last[key] = e.day;
  }
}
