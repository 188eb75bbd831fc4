import type { Coding } from '../fhir/types.js';

/** The shape of policies/sensitivity-codes.json. */
export interface SensitivityCodeLists {
  version: string;
  categories: {
    id: string;
    name: string;
    labels: Coding[];
    match: { system: string; codes?: string[]; prefixes?: string[] }[];
  }[];
}

/** Code lists compiled for lookup: per code system, exact codes and prefixes, each naming categories. */
export interface CompiledCodeLists {
  version: string;
  labelsOf: ReadonlyMap<string, readonly Coding[]>;
  bySystem: ReadonlyMap<string, { exact: Map<string, string[]>; prefixes: [string, string][] }>;
}

export function compileCodeLists(lists: SensitivityCodeLists): CompiledCodeLists {
  const bySystem = new Map<string, { exact: Map<string, string[]>; prefixes: [string, string][] }>();
  const labelsOf = new Map<string, Coding[]>();
  for (const category of lists.categories) {
    if (category.labels.length === 0) throw new Error(`sensitivity category ${category.id} has no labels`);
    labelsOf.set(category.id, category.labels);
    for (const rule of category.match) {
      let entry = bySystem.get(rule.system);
      if (!entry) bySystem.set(rule.system, (entry = { exact: new Map(), prefixes: [] }));
      for (const code of rule.codes ?? []) entry.exact.set(code, [...(entry.exact.get(code) ?? []), category.id]);
      for (const prefix of rule.prefixes ?? []) entry.prefixes.push([prefix, category.id]);
    }
  }
  return { version: lists.version, labelsOf, bySystem };
}
