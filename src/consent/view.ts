import { Helper, newEnforcer, newModelFromString, type Adapter, type Enforcer, type Model } from 'casbin';
import { toRule, type ConsentLine } from './compile.js';
import type { ConsentRules, PatientView } from './decide.js';
import { POLICY_FUNCTIONS, type Policies } from './policies.js';

/**
 * Builds a patient's view with its own enforcer. Nothing is shared between patients, so a
 * decision can never see another patient's lines, and decisions need no locking or reloading.
 * A patient with no lines (most) gets no enforcer at all.
 */
export async function compilePatientView(policies: Pick<Policies, 'consentModel'>, data: Omit<PatientView, 'rules'>): Promise<PatientView> {
  if (data.lines.length === 0) return { ...data, rules: undefined };
  const enforcer = await newEnforcer(newModelFromString(policies.consentModel), new LinesAdapter(data.lines));
  for (const [name, fn] of Object.entries(POLICY_FUNCTIONS)) enforcer.addFunction(name, fn as never);
  return { ...data, rules: enforcerRules(enforcer) };
}

function enforcerRules(enforcer: Enforcer): ConsentRules {
  return {
    match: (...request) => {
      const [, matched] = enforcer.enforceExSync(...request);
      return matched;
    },
  };
}

/**
 * Casbin's adapter contract, read-only, over lines already in memory: loadPolicy hands Casbin
 * each line as a policy-file line, and Casbin sorts them by priority itself (a stable sort, so
 * equal priorities keep the stored order). Lines are written only by compiling a Consent.
 */
class LinesAdapter implements Adapter {
  constructor(private readonly lines: readonly ConsentLine[]) {}

  async loadPolicy(model: Model): Promise<void> {
    for (const line of this.lines) Helper.loadPolicyLine(['p', ...toRule(line)].map(quote).join(', '), model);
  }

  async savePolicy(): Promise<boolean> {
    throw new Error('consent lines are written only by compiling a Consent');
  }
  async addPolicy(): Promise<void> {
    throw new Error('consent lines are written only by compiling a Consent');
  }
  async removePolicy(): Promise<void> {
    throw new Error('consent lines are written only by compiling a Consent');
  }
  async removeFilteredPolicy(): Promise<void> {
    throw new Error('consent lines are written only by compiling a Consent');
  }
}

// CSV quoting: a value is never split or unquoted into something else.
const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
