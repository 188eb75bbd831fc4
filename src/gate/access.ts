import type { Purpose } from '../auth/purposes.js';
import type { Requester } from '../auth/requester.js';
import { categoriesOf, categoryIndex, SENSITIVE, type Category } from '../consent/categories.js';
import type { ConsentLine } from '../consent/compile.js';
import type { Decision, Reason } from '../consent/decide.js';
import { FhirError } from '../fhir/errors.js';
import { MAX_COUNT, type SearchQuery } from '../search/params.js';
import { runSearch, searchWhere } from '../search/sql.js';
import { linkedPatientIds, resolvePerson } from '../store/read.js';
import { COMPARTMENT_TYPES } from '../store/search-values.js';
import type { GateContext } from './context.js';
import { hypotheticalRequester } from './hypothetical.js';
import type { Row } from './search.js';

/** One class's answer. Reasons and withheld categories only for those who may have them explained. */
export interface ClassAccess {
  cls: string;
  permit: boolean;
  purpose?: string;
  withheld?: Category[];
  reasons?: Reason[];
}

export interface AccessExplanation {
  person: string;
  actor: string;
  classes: ClassAccess[];
}

const mayAskAboutOthers = (r: Requester) => r.kind === 'person' && (r.role === 'patient' || r.role === 'caregiver' || r.role === 'operator');

/**
 * Who may have a patient's access explained, reasons and Consent references included: the
 * patient, the caregiver she has delegated her consents (the Consent class) to, and operators.
 */
async function mayExplain(g: GateContext, person: string): Promise<boolean> {
  return (g.requester.kind === 'person' && g.requester.role === 'operator') || actsForPatient(g, person);
}

/** The patient herself, or the caregiver she has delegated her consents (the Consent class) to. */
export async function actsForPatient(g: GateContext, person: string): Promise<boolean> {
  const r = g.requester;
  if (r.kind !== 'person') return false;
  if (r.role === 'patient') return r.patient === person;
  if (r.role === 'caregiver' && r.patient === person) return (await g.decide(person, { cls: 'Consent', categories: ['normal'] })).permit;
  return false;
}

const notExplained = () =>
  FhirError.of(403, 'forbidden', 'Only the patient, a caregiver she has delegated her consents to, and operators may ask what someone else could see');

/**
 * `$access`: what an actor could see of this patient, per class, and why. Anyone else may ask
 * only about themselves and learns only permit or deny per class; a requester who may see
 * nothing of the patient gets what an unknown patient gets (undefined: not found). Asking about
 * another actor is refused before the patient is looked up, so the refusal reveals nothing.
 */
export async function explainAccess(
  g: GateContext,
  patientId: string,
  opts: { actor?: string; purpose?: Purpose; classes: readonly string[] },
): Promise<AccessExplanation | undefined> {
  const r = g.requester;
  if (opts.actor !== undefined && !mayAskAboutOthers(r)) throw notExplained();
  const person = await resolvePerson(g.deps.db, patientId, g.generation());
  const explained = person !== undefined && (await mayExplain(g, person));
  const query = `Patient/${patientId}/$access?${opts.actor ? `actor=${opts.actor}&` : ''}class=${opts.classes.join(',')}`;
  if (opts.actor !== undefined && !explained) {
    await g.audit({ interaction: 'operation', query, ...(person ? { person } : {}), outcome: 'not-found' });
    if (r.role === 'operator' && !person) return undefined;
    throw notExplained();
  }
  if (!person) {
    await g.audit({ interaction: 'operation', query, outcome: 'not-found' });
    return undefined;
  }
  const subject = opts.actor ? await hypotheticalRequester(g.deps.db, opts.actor, opts.purpose) : r;
  const classes: ClassAccess[] = [];
  for (const cls of opts.classes) {
    const d = await g.deps.consent.decide(person, { requester: subject, cls, ...(opts.purpose ? { purpose: opts.purpose } : {}) });
    classes.push(explained ? explainedAccess(cls, d) : { cls, permit: d.permit, ...(d.permit && d.purpose ? { purpose: d.purpose } : {}) });
  }
  const visible = explained || classes.some((c) => c.permit);
  await g.audit({ interaction: 'operation', query, person, outcome: visible ? 'permit' : 'not-found' });
  return visible ? { person, actor: opts.actor ?? r.fhirUser ?? r.subject, classes } : undefined;
}

function explainedAccess(cls: string, d: Decision): ClassAccess {
  return {
    cls,
    permit: d.permit,
    ...(d.purpose ? { purpose: d.purpose } : {}),
    withheld: SENSITIVE.filter((s) => d.obligations.redact.includes(s)),
    reasons: d.reasons,
  };
}

/**
 * The patient's choices as they are enforced: her compiled consent lines (not the Consent
 * resources, which say what was asked, not what is in force). Only for those who may have access
 * explained.
 */
export async function enforcedChoices(g: GateContext, patientId: string): Promise<readonly ConsentLine[] | undefined> {
  const person = await resolvePerson(g.deps.db, patientId, g.generation());
  const explained = person !== undefined && (await mayExplain(g, person));
  await g.audit({
    interaction: 'operation',
    query: `Patient/${patientId}/$consent-lines`,
    ...(person ? { person } : {}),
    outcome: explained ? 'permit' : 'not-found',
  });
  return person && explained ? g.deps.consent.linesOf(person) : undefined;
}

/**
 * "Who can see my record": for each actor, what they could see of one class now, with reasons.
 * Only for those who may have access explained; one audit record for the whole question.
 */
export async function whoCanSee(g: GateContext, patientId: string, actors: readonly string[], cls: string): Promise<AccessExplanation[] | undefined> {
  const person = await resolvePerson(g.deps.db, patientId, g.generation());
  const explained = person !== undefined && (await mayExplain(g, person));
  await g.audit({
    interaction: 'operation',
    query: `Patient/${patientId}/$access?class=${cls}&actor=${actors.join(',')}`,
    ...(person ? { person } : {}),
    outcome: explained ? 'permit' : 'not-found',
  });
  if (!person || !explained) return undefined;
  const out: AccessExplanation[] = [];
  for (const actor of actors) {
    const subject = await hypotheticalRequester(g.deps.db, actor, undefined);
    out.push({ person, actor, classes: [explainedAccess(cls, await g.deps.consent.decide(person, { requester: subject, cls }))] });
  }
  return out;
}

/**
 * The patient's record exactly as an actor would get it: every item decided for that actor on
 * its own labels and date. Only for those who may have access explained (the patient above all).
 */
export async function previewAs(g: GateContext, patientId: string, actor: string): Promise<Row[] | undefined> {
  const person = await resolvePerson(g.deps.db, patientId, g.generation());
  if (!person || !(await mayExplain(g, person))) {
    await g.audit({ interaction: 'operation', query: `Patient/${patientId}/$preview?actor=${actor}`, ...(person ? { person } : {}), outcome: 'not-found' });
    return undefined;
  }
  const subject = await hypotheticalRequester(g.deps.db, actor, undefined);
  const q: SearchQuery = { dates: [], tokens: [], includes: [], count: MAX_COUNT, offset: 0, sort: { column: 'date', descending: false } };
  const all = await runSearch(
    g.deps.db,
    searchWhere(
      await linkedPatientIds(g.deps.db, person, g.generation()),
      COMPARTMENT_TYPES.map((type) => ({ type, withhold: [] })),
      q,
    ),
    q,
  );
  const index = categoryIndex(g.deps.codeLists);
  const visible: Row[] = [];
  for (const row of all.rows) {
    const resource = JSON.parse(row.content) as { meta?: { security?: { code?: string }[] } };
    const categories = categoriesOf(
      (resource.meta?.security ?? []).map((l) => l.code ?? ''),
      index,
    );
    if ((await g.deps.consent.decide(person, { requester: subject, cls: row.type, categories })).permit) visible.push(row);
  }
  await g.audit({ interaction: 'operation', query: `Patient/${patientId}/$preview?actor=${actor}`, person, outcome: 'permit' });
  return visible;
}
