import { nextDuaBoundary } from './boundaries.js';
import type { Requester } from '../auth/requester.js';
import type { Purpose } from '../auth/purposes.js';
import { SENSITIVE, type Category } from './categories.js';
import type { ConsentLine } from './compile.js';
import type { Policies } from './policies.js';

/** One patient's consent lines compiled into their own Casbin enforcer (policies/consent.conf; built in view.ts). */
export interface ConsentRules {
  /** The first matching line (priority order), or [] when the patient has said nothing about this. */
  match(sub: string, org: string, pat: string, cls: string, lbl: string, pur: string, when: string, date: string): string[];
}

/** Everything about one patient that decisions need, loaded together and cached together. */
export interface PatientView {
  person: string;
  /** Sorted by priority (see compile.ts). */
  lines: readonly ConsentLine[];
  /** The lines compiled into this patient's own Casbin enforcer; absent when the patient has said nothing. */
  rules: ConsentRules | undefined;
  /** Organizations with a Coverage for this person now: a payer's "own members" (store.ts `membership`). */
  payers: ReadonlySet<string>;
  /** Every period in which a payer counted her as a member (the same rule as `payers`), for reports about a past period. */
  memberships?: readonly { payer: string; start?: string; end?: string }[];
  /** When membership next changes (a Coverage period starts or ends): the view must be reloaded then. */
  validUntil?: string;
  breakGlass: readonly { id: string; practitioner: string; expiresAt: string }[];
}

export interface Reason {
  layer: 'self' | 'law' | 'dua' | 'consent' | 'default' | 'break-glass' | 'role';
  effect: 'permit' | 'deny';
  /** The deciding Consent and provision, DUA line, grant or default. */
  ref: string;
  detail: string;
}

/**
 * What a decision means for a query (the shape of Cerbos's PlanResources): nothing may be read,
 * or the class may be read without data of the withheld categories.
 */
export type QueryPlan = { kind: 'deny' } | { kind: 'allow'; withhold: readonly Category[] };

export interface Decision {
  permit: boolean;
  /** Sensitivity categories that must be withheld from what is permitted. */
  obligations: { redact: Category[] };
  /** The same decision as a query plan: the gate builds its SQL from this. */
  plan: QueryPlan;
  reasons: Reason[];
  purpose?: Purpose;
}

export interface DecisionRequest {
  requester: Requester;
  /** The resource class (type), e.g. Observation. */
  cls: string;
  /** The categories of one resource; omit to decide for the class, with redactions as obligations. */
  categories?: readonly Category[];
  /** The resource's date, for provisions with a dataPeriod. */
  date?: string;
  /**
   * Judge a payer's "own member" relation over this period instead of now: a report about a past
   * quarter (performance) is about those it covered then, not those it covers today.
   */
  memberDuring?: { start: string; end: string };
  /** Narrow to one of the token's purposes; otherwise any purpose the token carries may permit. */
  purpose?: Purpose;
  /** ISO instant of the decision. */
  when: string;
}

/**
 * The one decision function (see policies/precedence.md). Synchronous, free of I/O and of shared
 * state: the patient's view (with its own compiled rules) and the policies come in, a decision
 * with its reasons and query plan goes out.
 */
export function decideWith(policies: Policies, view: PatientView, req: DecisionRequest): Decision {
  const purposes = req.purpose ? (req.requester.purposes.includes(req.purpose) ? [req.purpose] : []) : req.requester.purposes;
  if (purposes.length === 0) {
    return {
      permit: false,
      obligations: { redact: [] },
      plan: DENY,
      reasons: [{ layer: 'role', effect: 'deny', ref: 'token', detail: 'the token carries no purpose of use that could apply' }],
    };
  }
  const categories = req.categories ?? ['normal', ...SENSITIVE];
  let first: Decision | undefined;
  for (const purpose of purposes) {
    const results = categories.map((c) => [c, decideOne(policies, view, req, purpose, c)] as const);
    const base = req.categories ? results.every(([, r]) => r.effect === 'permit') : results[0]![1].effect === 'permit';
    const redact = base ? results.filter(([, r]) => r.effect === 'deny').map(([c]) => c) : [];
    const decision: Decision = {
      permit: base,
      purpose,
      obligations: { redact },
      plan: base ? { kind: 'allow', withhold: redact } : DENY,
      reasons: results.map(([c, r]) => ({ ...r, detail: `${c}: ${r.detail}` })),
    };
    if (decision.permit) return decision;
    first ??= decision;
  }
  return first!;
}

const DENY: QueryPlan = { kind: 'deny' };

/**
 * A DUA answer, memoised on the Policies object itself: a change of agreements builds new
 * Policies, so an old answer can never outlive its agreement. Within one Policies an answer
 * holds until the next instant at which any agreement's period starts or ends.
 */
function duaDecision(policies: Policies, org: string, purpose: string, cls: string, category: string, rel: string, when: string): [boolean, string[]] {
  const memo = (policies.duaMemo ??= new Map());
  const key = `${org}|${purpose}|${cls}|${category}|${rel}`;
  const hit = memo.get(key);
  if (hit && hit.from <= when && (hit.until === undefined || when < hit.until)) return hit.answer;
  const answer = policies.dua.enforceExSync(org, purpose, cls, category, rel, when) as [boolean, string[]];
  if (memo.size > 100_000) memo.clear();
  memo.set(key, { answer, from: when, until: nextDuaBoundary(policies, when) });
  return answer;
}

const subjectOf = (r: Requester) => r.fhirUser ?? r.organization ?? r.clientId;

/**
 * Who the treatment default is for: a clinician, or a provider organization's own backend client
 * (a source system, e.g. a subscription's recipient) acting for treatment. Both stand for the
 * organization that treats her, under that organization's DUA, so a clinic told of an admission
 * may read it with its token. A payer's or the analytics client never is, whatever it claims.
 */
const treats = (r: Requester) => r.role === 'clinician' || (r.kind === 'system' && r.clientKind === 'source');

function decideOne(
  policies: Policies,
  view: PatientView,
  req: DecisionRequest,
  purpose: Purpose,
  category: Category,
): Omit<Reason, 'detail'> & { detail: string } {
  const r = req.requester;
  const deny = (layer: Reason['layer'], ref: string, detail: string) => ({ layer, effect: 'deny' as const, ref, detail });
  const permit = (layer: Reason['layer'], ref: string, detail: string) => ({ layer, effect: 'permit' as const, ref, detail });

  if (r.kind === 'person' && r.role === 'patient') {
    return r.patient === view.person
      ? permit('self', 'right-of-access', 'the patient sees their own record')
      : deny('role', 'right-of-access', 'a patient sees only their own record');
  }
  if (req.cls === 'Consent') return consentClass(view, req, purpose, category);
  if (r.kind === 'person' && (r.role === 'operator' || r.role === 'researcher')) return deny('role', r.role, `a ${r.role} sees no patient-level data`);

  const subject = subjectOf(r);
  const org = r.organization ?? '';
  if (r.role !== 'caregiver') {
    const during = req.memberDuring;
    const member = during
      ? (view.memberships ?? []).some(
          (m) => m.payer === org && (m.start ?? '') <= `${during.end}T23:59:59.999Z` && (m.end === undefined || m.end >= during.start),
        )
      : view.payers.has(org);
    const rel = member ? 'member' : 'none';
    const [allowed, line] = duaDecision(policies, org, purpose, req.cls, category, rel, req.when);
    if (!allowed) return deny('dua', `dua:${org}`, `no data use agreement of ${org || 'this requester'} permits ${purpose} for ${req.cls}`);
    if (purpose === 'ETREAT') {
      if (r.role !== 'clinician') return deny('role', 'break-glass', 'only clinicians can break the glass');
      if (category === 'sud') return deny('law', '42 CFR Part 2', 'break-the-glass never opens substance use disorder records');
      const grant = view.breakGlass.find((g) => g.practitioner === r.fhirUser && g.expiresAt > req.when);
      return grant
        ? permit('break-glass', `break-glass/${grant.id}`, `emergency access until ${grant.expiresAt} (DUA ${line[0]})`)
        : deny('break-glass', 'break-glass', 'no active break-the-glass grant');
    }
  }
  const matched = view.rules ? view.rules.match(subject, org, view.person, req.cls, category, purpose, req.when, req.date ?? '') : [];
  if (matched.length > 0) {
    const ref = matched[11]!;
    return matched[10] === 'allow' ? permit('consent', ref, 'permitted by the patient') : deny('consent', ref, 'denied by the patient');
  }
  // The patient has said nothing about this.
  if (category === 'sud') return deny('law', '42 CFR Part 2', 'substance use disorder records need a consent naming the recipient');
  if (r.role === 'caregiver') return deny('default', 'caregiver', 'caregivers see only what the patient grants them');
  const d = policies.defaults;
  if (purpose === 'TREAT' && treats(r)) {
    return d.treatment === 'opt-out' && d.treatmentDefaultOpens.includes(category)
      ? permit('default', 'default:treatment-opt-out', 'treatment is shared unless the patient opts out')
      : deny(
          'default',
          `default:treatment-${d.treatment}`,
          d.treatment === 'opt-in' ? 'treatment access needs the patient to opt in' : 'this category needs the patient to opt in',
        );
  }
  if ((purpose === 'HPAYMT' || purpose === 'HOPERAT') && r.clientKind === 'payer' && d.payerDefault === 'permit') {
    return permit('default', 'default:payer-members', 'a payer may use its members’ data for payment and operations');
  }
  return deny('default', 'default:deny', 'nothing permits this');
}

/**
 * A patient's Consents say what she hides, and from whom: they are hers. Besides her (decided
 * above), only operators (who support her) and a caregiver she has explicitly delegated the
 * Consent class to may see or write them. A share that names no class is not a delegation, and
 * a later deny of hers wins as any deny does (the first matching line decides).
 */
function consentClass(view: PatientView, req: DecisionRequest, purpose: Purpose, category: Category): Omit<Reason, 'detail'> & { detail: string } {
  const r = req.requester;
  if (r.kind === 'person' && r.role === 'operator')
    return { layer: 'role', effect: 'permit', ref: 'operator', detail: 'operators see consents to support the patient' };
  const matched =
    r.kind === 'person' && r.role === 'caregiver' && view.rules
      ? view.rules.match(subjectOf(r), r.organization ?? '', view.person, 'Consent', category, purpose, req.when, '')
      : [];
  // policy_definition order: the class is field 4, the effect 10, the reference 11 (compile.ts toRule).
  if (matched.length > 0 && matched[4] === 'Consent' && matched[10] === 'allow')
    return { layer: 'consent', effect: 'permit', ref: matched[11]!, detail: 'the patient delegated her consents to this caregiver' };
  return {
    layer: 'role',
    effect: 'deny',
    ref: 'consent-privacy',
    detail: "a patient's consents are seen only by her, the caregivers she delegates them to, and operators",
  };
}
