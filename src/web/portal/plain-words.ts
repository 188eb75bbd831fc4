import type { Reason } from '../../gate/index.js';
import type { Category } from '../../consent/categories.js';

/**
 * Every sentence the portal says about who can see her record, in one place: the reasons
 * `decide` gives (layer, effect, ref, detail) turned into words written for her. Pure.
 *
 * The reasons carry codes (purposes of use, categories, `Consent/…#2`, `dua:Organization/…`):
 * nothing here ever copies a reason's ref or detail into a sentence. A sentence is chosen by the
 * reason's layer and effect and by a few refs this module knows; an unknown reason gets a
 * general sentence rather than its text, so a new code in `decide` cannot leak through.
 */

/** Who is asking, as the page groups them. */
export type Audience = 'doctors' | 'plan' | 'caregiver';

export interface Who {
  kind: Audience;
  /** The organization's or person's name as the directory gives it (never an id). */
  name: string;
}

/** Sensitive categories in her words, as a plural noun phrase. */
const CATEGORY_WORDS: Readonly<Record<Category, string>> = {
  normal: 'your record',
  sud: 'substance use treatment records',
  hiv: 'HIV records',
  bh: 'mental health records',
  srh: 'sexual and reproductive health records',
};

const LAW_SUD = 'Substance use treatment records are private by law unless you name who may see them.';

/** The category a reason is about: `decide` prefixes its detail with it ("bh: …"). */
function reasonCategory(r: Reason): Category | undefined {
  const m = /^(normal|sud|hiv|bh|srh):/.exec(r.detail);
  return m ? (m[1] as Category) : undefined;
}

const subject = (who: Who) => (who.kind === 'doctors' ? `Your doctors at ${who.name}` : who.name);

/** Why they can or cannot see her record as a whole: one sentence from the reason for data of no sensitive kind. */
function mainSentence(who: Who, permit: boolean, reason: Reason | undefined): string {
  const s = subject(who);
  if (permit) {
    switch (reason?.layer) {
      case 'default':
        return reason.ref === 'default:payer-members'
          ? `${s} can see your record for payment and quality checks: it is your health plan.`
          : `${s} can see your record for your care.`;
      case 'consent':
        return `${s} can see your record because you allowed it.`;
      case 'break-glass':
        return `${s} can see your record for now because a clinician there opened it in an emergency.`;
      default:
        return `${s} can see your record.`;
    }
  }
  switch (reason?.layer) {
    case 'dua':
      return who.kind === 'plan'
        ? `${s} can't see it: it is not your health plan.`
        : `${s} can't see it: it has no agreement with the exchange to see records like yours.`;
    case 'consent':
      return `${s} can't see it: you blocked them.`;
    case 'law':
      return LAW_SUD;
    case 'default':
      if (reason.ref === 'caregiver') return `${s} sees only what you choose to share.`;
      if (reason.ref.startsWith('default:treatment-')) return `${s} can't see it unless you allow it.`;
      return `${s} can't see it: nothing you chose or the law allows it.`;
    default:
      return `${s} can't see it.`;
  }
}

/** One sentence for a sensitive category kept from someone who may otherwise see her record. */
function withheldSentence(category: Category, reason: Reason | undefined): string {
  const what = CATEGORY_WORDS[category];
  const What = what[0]!.toUpperCase() + what.slice(1);
  if (reason?.layer === 'law') return LAW_SUD;
  if (reason?.layer === 'consent') return `${What} are kept from them: you chose to hide them.`;
  if (reason?.layer === 'break-glass') return `${What} are kept from them even in an emergency.`;
  if (reason?.layer === 'default') return `${What} are kept from them unless you allow it.`;
  return `${What} are kept from them.`;
}

/** The sentences for one actor's answer: what they can see, then what is kept from them. */
export function accessSentences(who: Who, permit: boolean, withheld: readonly Category[], reasons: readonly Reason[]): string[] {
  const byCategory = new Map<Category, Reason>();
  for (const r of reasons) {
    const c = reasonCategory(r);
    if (c && !byCategory.has(c)) byCategory.set(c, r);
  }
  const main = mainSentence(who, permit, byCategory.get('normal') ?? reasons[0]);
  if (!permit) return [main];
  return [main, ...new Set(withheld.map((c) => withheldSentence(c, byCategory.get(c))))];
}

/** "Can they see my mental health records?" for one actor, as yes or no and a plain sentence. */
export function categoryAnswer(who: Who, category: Category, permit: boolean, withheld: readonly Category[]): string {
  const s = subject(who);
  const what = CATEGORY_WORDS[category];
  return permit && !withheld.includes(category) ? `${s} can see your ${what}.` : `${s} can't see your ${what}.`;
}

/** A date in words ("1 December 2026"). */
const DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
export const dayInWords = (iso: string) => (Number.isNaN(Date.parse(iso)) ? '' : DAY.format(new Date(iso)));

/** A caregiver's share, in her words. `classes`: the words for each kind of information shared. */
export function caregiverSentence(name: string, classes: readonly string[], until: string | undefined, actsForYou: boolean): string {
  if (classes.length === 0) return `${name} sees nothing of your record: you have not shared anything with them.`;
  const list = classes.map((x) => x.toLowerCase()).join(', ');
  const end = until ? ` until ${dayInWords(until)}` : '';
  return `${name} can see: ${list}${end}.${actsForYou ? ' They can also change your sharing choices for you.' : ''}`;
}

/**
 * What was looked at, from an audit record's query ("Patient/x/$everything",
 * "Observation?patient=…"): the kind of thing in words, never the query.
 */
export function whatInWords(query: string): string {
  const type = /^\/?(?:fhir\/)?([A-Z][A-Za-z]+)/.exec(query)?.[1];
  if (query.includes('$everything')) return 'your whole record';
  if (query.includes('$break-the-glass')) return 'your record, in an emergency';
  if (query.includes('$access')) return 'who can see your record';
  if (query.includes('$preview')) return 'a preview of your record';
  if (query.includes('$consent-lines')) return 'your sharing choices';
  return (type && RESOURCE_WORDS[type]) ?? 'your record';
}

const RESOURCE_WORDS: Record<string, string> = {
  Patient: 'your details',
  Observation: 'test results and vital signs',
  Condition: 'health problems',
  MedicationRequest: 'medications',
  MedicationStatement: 'medications',
  Encounter: 'visits',
  Procedure: 'procedures',
  AllergyIntolerance: 'allergies',
  Immunization: 'vaccinations',
  DiagnosticReport: 'test reports',
  DocumentReference: 'documents',
  Consent: 'your sharing choices',
  AuditEvent: 'who has accessed your record',
  Coverage: 'your health plan details',
  RelatedPerson: 'your caregivers',
  CarePlan: 'care plans',
  Claim: 'claims',
  ExplanationOfBenefit: 'claims',
  Group: 'a list of patients you are on',
  Measure: 'a quality check',
  MeasureReport: 'a quality check',
};

/** A kind of record in her words ("Test results and vital signs"), never the FHIR type's name. */
export function kindInWords(type: string): string {
  const w = RESOURCE_WORDS[type] ?? 'other records';
  return w[0]!.toUpperCase() + w.slice(1);
}

/** Why someone looked, from the purpose of use on the audit record. */
export function purposeInWords(purpose: string | undefined): string {
  switch (purpose) {
    case 'TREAT':
      return 'for your care';
    case 'ETREAT':
      return 'in an emergency';
    case 'HPAYMT':
      return 'for payment';
    case 'HOPERAT':
      return 'for quality checks';
    case 'HRESCH':
      return 'for research';
    case 'PUBHLTH':
      return 'for public health';
    case 'PATRQT':
      return 'because you asked';
    case 'FAMRQT':
      return 'for your caregiver';
    default:
      return '';
  }
}

/** The audit outcome in words. */
export const outcomeInWords = (outcome: string | undefined) => (outcome === '0' ? 'Shown' : outcome === '8' ? 'Failed' : 'Refused (nothing shown)');
