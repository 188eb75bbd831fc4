import type { R4 } from '@smile-cdr/fhirts';
import type { consentLines } from '../db/schema.js';
import type { Issue } from '../fhir/errors.js';
import { parseReference } from '../fhir/references.js';
import { parseFhirDate } from '../store/fhir-dates.js';
import { isStoredType } from '../store/search-values.js';
import type { Category } from './categories.js';
import { ENCOUNTER_NOTICE, NOTICE_CLASS_SYSTEM } from './notice-class.js';

/** One Casbin policy line of policies/consent.conf, as stored in consent_lines. */
export interface ConsentLine {
  priority: string;
  patient: string;
  actor: string;
  purpose: string;
  cls: string;
  label: string;
  start: string;
  end: string;
  dataStart: string;
  dataEnd: string;
  effect: 'allow' | 'deny';
  ref: string;
}

/** A stored consent_lines row as a line: the patient column is the line's patient. */
export const lineOfRow = ({ patientId, consentId: _c, ord: _o, ...l }: typeof consentLines.$inferSelect): ConsentLine => ({
  ...l,
  patient: patientId,
  effect: l.effect as ConsentLine['effect'],
});

/** The line as Casbin reads it, in policy_definition order. */
export const toRule = (l: ConsentLine): string[] => [
  l.priority,
  l.patient,
  l.actor,
  l.purpose,
  l.cls,
  l.label,
  l.start,
  l.end,
  l.dataStart,
  l.dataEnd,
  l.effect,
  l.ref,
];

type Provision = R4.ConsentProvision;

const MAX_LINES = 500;
const isActor = (reference: string | undefined) => {
  const r = parseReference(reference, ['Practitioner', 'Organization', 'RelatedPerson']);
  return r !== undefined && reference === `${r.type}/${r.id}`;
};

/** Context a nested provision inherits from its parent unless it says otherwise. */
interface Scope {
  actors: string[];
  purposes: string[];
  classes: string[];
  period: [string, string];
  dataPeriod: [string, string];
}

/**
 * Compiles a Consent's provisions into policy lines for `personId`. Pure. Only an active
 * Consent yields lines; any other status yields none, which is how revoking takes effect.
 *
 * Priorities are three digits so Casbin's textual ordering is numeric: a provision at depth d
 * gets 500 - 10d, and a deny one less than a permit at the same depth, so nested exceptions
 * come before their parent and deny before permit.
 */
export function compileConsent(
  consent: R4.Consent,
  personId: string,
  labelCategory: ReadonlyMap<string, Category>,
): { ok: true; lines: ConsentLine[] } | { ok: false; issues: Issue[] } {
  const issues: Issue[] = [];
  if (consent.status !== 'active') return { ok: true, lines: [] };
  const root = consent.provision;
  if (!root) return { ok: false, issues: [{ code: 'required', diagnostics: 'An active Consent needs a provision', expression: 'Consent.provision' }] };
  const lines: ConsentLine[] = [];
  const ref = `Consent/${consent.id}`;
  const walk = (p: Provision, path: string, depth: number, parent: Scope) => {
    if (depth > 5) {
      issues.push({ code: 'structure', diagnostics: 'Provisions are nested too deeply', expression: path });
      return;
    }
    const scope = provisionScope(p, path, parent, issues);
    if (!scope) return;
    if (p.type !== 'permit' && p.type !== 'deny') {
      issues.push({ code: 'required', diagnostics: "provision.type must be 'permit' or 'deny'", expression: `${path}.type` });
      return;
    }
    const labels = labelsOf(p, path, labelCategory, issues);
    const effect = p.type === 'permit' ? 'allow' : 'deny';
    const cats = labels.length > 0 ? labels : [effect === 'allow' ? 'normal' : '*'];
    const priority = String(500 - 10 * depth - (effect === 'deny' ? 1 : 0));
    for (const actor of scope.actors)
      for (const purpose of scope.purposes)
        for (const cls of scope.classes)
          for (const label of cats) {
            lines.push({
              priority,
              patient: personId,
              actor,
              purpose,
              cls,
              label,
              start: scope.period[0],
              end: scope.period[1],
              dataStart: scope.dataPeriod[0],
              dataEnd: scope.dataPeriod[1],
              effect,
              ref: `${ref}#${path.replace(/^Consent\./, '')}`,
            });
          }
    (p.provision ?? []).forEach((child, i) => walk(child, `${path}.provision[${i}]`, depth + 1, scope));
  };
  walk(root, 'Consent.provision', 0, { actors: ['*'], purposes: ['*'], classes: ['*'], period: ['', ''], dataPeriod: ['', ''] });
  if (lines.length > MAX_LINES)
    issues.push({
      code: 'too-long',
      diagnostics: `The Consent compiles to ${lines.length} policy lines; the limit is ${MAX_LINES}`,
      expression: 'Consent.provision',
    });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, lines: lines.sort((a, b) => a.priority.localeCompare(b.priority)) };
}

// The repeating elements a provision is read through: each must be a list of objects, or a
// malformed Consent would fail inside the compiler instead of being refused with a 400.
const REPEATING = ['actor', 'purpose', 'class', 'securityLabel', 'provision'] as const;

function shapeIssues(p: Provision, path: string): Issue[] {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return [{ code: 'structure', diagnostics: 'A provision must be an object', expression: path }];
  const issues: Issue[] = [];
  for (const name of REPEATING) {
    const value = (p as Record<string, unknown>)[name];
    if (value === undefined) continue;
    if (!Array.isArray(value) || value.some((v) => v === null || typeof v !== 'object' || Array.isArray(v))) {
      issues.push({ code: 'structure', diagnostics: `${name} must be a list of objects`, expression: `${path}.${name}` });
    }
  }
  for (const name of ['period', 'dataPeriod'] as const) {
    const value = (p as Record<string, unknown>)[name];
    if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value)))
      issues.push({ code: 'structure', diagnostics: `${name} must be an object`, expression: `${path}.${name}` });
  }
  const actors = Array.isArray(p.actor) ? p.actor : [];
  actors.forEach((a, i) => {
    if (a.reference !== undefined && (a.reference === null || typeof a.reference !== 'object'))
      issues.push({ code: 'structure', diagnostics: 'actor.reference must be a Reference', expression: `${path}.actor[${i}].reference` });
  });
  return issues;
}

function provisionScope(p: Provision, path: string, parent: Scope, issues: Issue[]): Scope | undefined {
  const before = issues.length;
  issues.push(...shapeIssues(p, path));
  if (issues.length > before) return undefined;
  const actors = (p.actor ?? []).map((a, i) => {
    const reference = a.reference?.reference;
    if (!isActor(reference))
      issues.push({
        code: 'value',
        diagnostics: 'actor.reference must be Practitioner/, Organization/ or RelatedPerson/<id>',
        expression: `${path}.actor[${i}].reference`,
      });
    return reference ?? '';
  });
  const purposes = (p.purpose ?? []).map((c, i) => {
    if (!c.code) issues.push({ code: 'required', diagnostics: 'purpose needs a code', expression: `${path}.purpose[${i}]` });
    return c.code ?? '';
  });
  const classes = (p.class ?? []).map((c, i) => {
    // Our notice class (notification.ts) names what a push may say, not a resource type.
    if (c.code === ENCOUNTER_NOTICE && c.system === NOTICE_CLASS_SYSTEM) return c.code;
    if (!c.code || !(isStoredType(c.code) || c.code === 'AuditEvent'))
      issues.push({ code: 'value', diagnostics: `class '${c.code}' is not a resource type held here`, expression: `${path}.class[${i}]` });
    return c.code ?? '';
  });
  const period = periodOf(p.period, `${path}.period`, issues) ?? parent.period;
  const dataPeriod = periodOf(p.dataPeriod, `${path}.dataPeriod`, issues) ?? parent.dataPeriod;
  if (issues.length > before) return undefined;
  return {
    actors: actors.length > 0 ? actors : parent.actors,
    purposes: purposes.length > 0 ? purposes : parent.purposes,
    classes: classes.length > 0 ? classes : parent.classes,
    period: intersect(parent.period, period),
    dataPeriod: intersect(parent.dataPeriod, dataPeriod),
  };
}

function periodOf(period: R4.Period | undefined, path: string, issues: Issue[]): [string, string] | undefined {
  if (!period) return undefined;
  const start = period.start === undefined ? undefined : parseFhirDate(period.start);
  const end = period.end === undefined ? undefined : parseFhirDate(period.end);
  if ((period.start !== undefined && !start) || (period.end !== undefined && !end)) {
    issues.push({ code: 'value', diagnostics: 'period dates must be FHIR dates', expression: path });
    return undefined;
  }
  if (start && end && end[1] < start[0]) {
    issues.push({ code: 'value', diagnostics: 'period ends before it starts', expression: path });
    return undefined;
  }
  return [start?.[0] ?? '', end?.[1] ?? ''];
}

function intersect(a: [string, string], b: [string, string]): [string, string] {
  const start = a[0] > b[0] ? a[0] : b[0];
  const end = a[1] === '' ? b[1] : b[1] === '' ? a[1] : a[1] < b[1] ? a[1] : b[1];
  return [start, end];
}

function labelsOf(p: Provision, path: string, index: ReadonlyMap<string, Category>, issues: Issue[]): string[] {
  const labels = new Set<string>();
  (p.securityLabel ?? []).forEach((coding, i) => {
    const category = coding.code ? index.get(coding.code) : undefined;
    if (!category)
      issues.push({
        code: 'value',
        diagnostics: `securityLabel '${coding.code}' is not a sensitivity category this deployment knows`,
        expression: `${path}.securityLabel[${i}]`,
      });
    else labels.add(category);
  });
  return [...labels].sort();
}
