import { Helper, type Adapter, type Model } from 'casbin';
import { toRule, type ConsentLine } from './compile.js';

const WRITTEN_BY_COMPILING = 'consent lines are written only by compiling a Consent';

// CSV quoting: a value is never split or unquoted into something else.
const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;

/**
 * Hands Casbin consent lines as policy-file lines, through its public loader: the model is never
 * touched directly. The lines must already be in priority order (compile.ts and the store keep
 * them so).
 */
export function loadLines(model: Model, lines: readonly ConsentLine[]): void {
  for (const line of lines) Helper.loadPolicyLine(['p', ...toRule(line)].map(quote).join(', '), model);
}

/**
 * Casbin's adapter contract, read-only: policy is loaded, never saved or edited through Casbin.
 * Lines are written only by compiling a Consent, in the same transaction as the Consent itself,
 * so policy and the resource it came from can never disagree.
 */
export abstract class ReadOnlyLinesAdapter implements Adapter {
  abstract loadPolicy(model: Model): Promise<void>;

  async savePolicy(): Promise<boolean> {
    throw new Error(WRITTEN_BY_COMPILING);
  }
  async addPolicy(): Promise<void> {
    throw new Error(WRITTEN_BY_COMPILING);
  }
  async removePolicy(): Promise<void> {
    throw new Error(WRITTEN_BY_COMPILING);
  }
  async removeFilteredPolicy(): Promise<void> {
    throw new Error(WRITTEN_BY_COMPILING);
  }
}

/** Lines already in memory: what each patient view compiles its enforcer from (view.ts). */
export class LinesAdapter extends ReadOnlyLinesAdapter {
  constructor(private readonly lines: readonly ConsentLine[]) {
    super();
  }

  async loadPolicy(model: Model): Promise<void> {
    loadLines(model, this.lines);
  }
}
