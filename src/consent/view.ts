import { newEnforcer, newModelFromString, type Enforcer } from 'casbin';
import { LinesAdapter } from './lines-adapter.js';
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
