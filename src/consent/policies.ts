import { newEnforcer, newModelFromString, type Enforcer } from 'casbin';

/** The policy texts from policies/, handed in by the entry point (files on Node, bundled text on Workers). */
export interface PolicyTexts {
  consentModel: string;
  duaModel: string;
  duas: string;
  defaults: string;
}

export interface Defaults {
  treatment: 'opt-in' | 'opt-out';
  treatmentDefaultOpens: string[];
  breakGlassHours: number;
  payerDefault: 'permit' | 'deny';
  /** Categories no notification tells of without the patient's explicit consent, whatever the read defaults (src/consent/notification.ts). */
  notificationsNeedConsent: string[];
}

export interface Policies {
  /** The consent model's text: each patient's view compiles its own enforcer from it (view.ts). */
  consentModel: string;
  /** The data use agreements: from policies/duas.csv, or (on Node) from the database, rebuilt as a new Policies whenever they change. */
  dua: Enforcer;
  defaults: Defaults;
  /** DUA answers already computed for these agreements (decide.ts); new agreements, new Policies, empty memo. */
  duaMemo?: Map<string, { answer: [boolean, string[]]; from: string; until: string | undefined }>;
  /** Every start and end of an agreement's period, sorted (boundaries.ts). */
  duaBoundaries?: readonly string[];
}

const within = (when: string, start: string, end: string) => (start === '' || when >= start) && (end === '' || when <= end);
// A line restricted to a data period matches dated data within it; undated data only for denies, so uncertainty never opens data.
const dataWithin = (date: string, start: string, end: string, effect: string) =>
  (start === '' && end === '') || (date === '' ? effect === 'deny' : within(date, start, end));

/** The functions the models' matchers call. */
export const POLICY_FUNCTIONS = { within, dataWithin } as const;

export async function loadPolicies(texts: PolicyTexts): Promise<Policies> {
  // Parsed once here so a broken consent model fails at start-up, not at the first patient with a consent.
  newModelFromString(texts.consentModel);
  const rules = parseCsv(texts.duas);
  for (const rule of rules) if (rule[0] !== 'p' || rule.length !== 10) throw new Error(`duas.csv: bad line ${rule.join(', ')}`);
  const dua = await duaEnforcer(
    texts.duaModel,
    rules.map((r) => r.slice(1)),
  );
  const defaults = JSON.parse(texts.defaults) as Defaults;
  // Part 2 and behavioural health unless the deployment says otherwise; Part 2 always (the law).
  defaults.notificationsNeedConsent = [...new Set(['sud', ...(defaults.notificationsNeedConsent ?? ['sud', 'bh'])])];
  if (defaults.treatment !== 'opt-in' && defaults.treatment !== 'opt-out') throw new Error("defaults.json: treatment must be 'opt-in' or 'opt-out'");
  return { consentModel: texts.consentModel, dua, defaults };
}

/**
 * A DUA enforcer over these rules (policies/dua.conf's `p` columns, without the leading `p`).
 * The participant registry builds a new one from the database whenever agreements change.
 */
export async function duaEnforcer(model: string, rules: string[][]): Promise<Enforcer> {
  const dua = await newEnforcer(newModelFromString(model));
  for (const [name, fn] of Object.entries(POLICY_FUNCTIONS)) dua.addFunction(name, fn as never);
  if (rules.length > 0) await dua.addPolicies(rules);
  return dua;
}

/** Casbin's CSV: comma-separated, comments with #. */
function parseCsv(text: string): string[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(',').map((f) => f.trim()));
}
