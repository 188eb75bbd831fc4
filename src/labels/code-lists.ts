import type { Coding } from '../fhir/types.js';
import { compileTerms, type CompiledTerms } from './terms.js';

/** The shape of policies/sensitivity-codes.json. */
export interface SensitivityCodeLists {
  version: string;
  systems: {
    system: string;
    name?: string;
    aliases?: string[];
    /** `icd`: codes are compared without their dot. */
    codeFormat?: 'icd';
    /** Another system whose prefixes this one shares (WHO ICD-10 takes ICD-10-CM's). */
    prefixesFrom?: string;
    /** Whether a coding in this system that matches no code is also read by the terms. */
    readDisplay: boolean;
  }[];
  categories: {
    id: string;
    name: string;
    labels: Coding[];
    match: { system: string; source: string; codes?: string[]; prefixes?: string[]; ranges?: [string, string][] }[];
    terms?: { source: string; words: string[] };
  }[];
}

/** The shape of policies/part2-programs.json. */
export interface Part2Programs {
  version: string;
  /** The category everything a program sends is labelled with. */
  category: string;
  programs: { source: string; name: string; designatedBy: string; since: string }[];
}

/** One code system, compiled: codes and prefixes already normalised, each naming categories. */
export interface CompiledSystem {
  icd: boolean;
  readDisplay: boolean;
  exact: Map<string, string[]>;
  prefixes: Map<string, string[]>;
  /** The distinct lengths of `prefixes`, so a code is looked up once per length instead of once per prefix. */
  prefixLengths: number[];
}

/** Code lists compiled for lookup: per normalised system URI, exact codes and prefixes, each naming categories. */
export interface CompiledCodeLists {
  version: string;
  labelsOf: ReadonlyMap<string, readonly Coding[]>;
  /** Keyed by `systemKey(uri)`: every alias of a system leads to the same entry. */
  bySystem: ReadonlyMap<string, CompiledSystem>;
  terms: CompiledTerms;
  /** Part 2 program sources, keyed by `sourceKey(uri)`, and the category they are labelled with. */
  part2Sources: ReadonlySet<string>;
  part2Category: string;
}

const NO_PROGRAMS: Part2Programs = { version: 'none', category: 'sud', programs: [] };

/**
 * Validates the policy files and compiles them into the index the labeller reads. Throws, naming
 * the rule, on anything a reviewer could have mistyped: an unknown system, a range that runs
 * backwards, a category with no labels, a rule or term list that does not say where it comes from.
 */
export function compileCodeLists(lists: SensitivityCodeLists, programs: Part2Programs = NO_PROGRAMS): CompiledCodeLists {
  const bySystem = new Map<string, CompiledSystem>();
  const canonical = new Map<string, CompiledSystem>();
  for (const s of lists.systems ?? []) {
    const entry: CompiledSystem = {
      icd: s.codeFormat === 'icd',
      readDisplay: s.readDisplay === true,
      exact: new Map(),
      prefixes: new Map(),
      prefixLengths: [],
    };
    canonical.set(s.system, entry);
    for (const uri of [s.system, ...(s.aliases ?? [])]) {
      const key = systemKey(uri);
      if (bySystem.has(key)) throw new Error(`sensitivity code lists: system ${uri} is listed twice`);
      bySystem.set(key, entry);
    }
  }
  const labelsOf = new Map<string, Coding[]>();
  const termsOf = new Map<string, string[]>();
  for (const category of lists.categories) {
    if (category.labels.length === 0) throw new Error(`sensitivity category ${category.id} has no labels`);
    labelsOf.set(category.id, category.labels);
    for (const rule of category.match) {
      const entry = canonical.get(rule.system);
      const at = `sensitivity category ${category.id}, rule for ${rule.system}`;
      if (!entry) throw new Error(`${at}: the system is not in 'systems'`);
      if (typeof rule.source !== 'string' || rule.source.trim() === '') throw new Error(`${at}: say where the codes come from ('source')`);
      for (const code of [...(rule.codes ?? []), ...(rule.ranges ?? []).flatMap(([from, to]) => expandRange(from, to, at))]) {
        add(entry.exact, normaliseCode(code, entry.icd), category.id);
      }
      for (const prefix of rule.prefixes ?? []) add(entry.prefixes, normaliseCode(prefix, entry.icd), category.id);
    }
    if (category.terms) {
      if (typeof category.terms.source !== 'string' || category.terms.source.trim() === '')
        throw new Error(`sensitivity category ${category.id}: say where the terms come from ('source')`);
      termsOf.set(category.id, category.terms.words);
    }
  }
  for (const s of lists.systems ?? []) {
    if (!s.prefixesFrom) continue;
    const from = canonical.get(s.prefixesFrom);
    if (!from) throw new Error(`sensitivity code lists: ${s.system} takes prefixes from ${s.prefixesFrom}, which is not in 'systems'`);
    const entry = canonical.get(s.system)!;
    for (const [prefix, ids] of from.prefixes) for (const id of ids) add(entry.prefixes, prefix, id);
  }
  for (const entry of canonical.values()) entry.prefixLengths = [...new Set([...entry.prefixes.keys()].map((p) => p.length))].sort((a, b) => a - b);

  if (!labelsOf.has(programs.category)) throw new Error(`part 2 programs: category ${programs.category} is not a sensitivity category`);
  const part2Sources = new Set<string>();
  for (const program of programs.programs) {
    if (typeof program.source !== 'string' || program.source.trim() === '')
      throw new Error(`part 2 program ${JSON.stringify(program.name)}: the source URI is required`);
    part2Sources.add(sourceKey(program.source));
  }
  return { version: lists.version, labelsOf, bySystem, terms: compileTerms(termsOf), part2Sources, part2Category: programs.category };
}

function add(map: Map<string, string[]>, key: string, id: string): void {
  const ids = map.get(key);
  if (!ids) map.set(key, [id]);
  else if (!ids.includes(id)) ids.push(id);
}

/** H0005..H0016: codes sharing a non-numeric head and differing in a fixed-width number. */
function expandRange(from: string, to: string, at: string): string[] {
  const a = /^(.*?)(\d+)$/.exec(from);
  const b = /^(.*?)(\d+)$/.exec(to);
  if (!a || !b || a[1] !== b[1] || a[2]!.length !== b[2]!.length) throw new Error(`${at}: range ${from}-${to} must share a prefix and a number width`);
  const [start, end] = [Number(a[2]), Number(b[2])];
  if (end < start || end - start > 1000) throw new Error(`${at}: range ${from}-${to} runs backwards or is too long`);
  const width = a[2]!.length;
  const out: string[] = [];
  for (let n = start; n <= end; n++) out.push(`${a[1]}${String(n).padStart(width, '0')}`);
  return out;
}

/** A code as compared: trimmed, upper case, and for ICD without its dot (F11.20, f1120 and 'F11.20 ' are one code). */
export function normaliseCode(code: string, icd: boolean): string {
  const c = code.trim().toUpperCase();
  return icd ? c.replace('.', '') : c;
}

/**
 * A system URI as compared: lower case, http for https, no `www.`, no trailing slash, and a bare
 * OID as `urn:oid:`. Looser matching can only add labels, which is the safe direction.
 */
export function systemKey(uri: string): string {
  let key = uri.trim().toLowerCase();
  if (/^\d+(\.\d+)+$/.test(key)) return `urn:oid:${key}`;
  key = key.replace(/^https:\/\//, 'http://').replace(/^http:\/\/www\./, 'http://');
  while (key.endsWith('/')) key = key.slice(0, -1);
  return key;
}

/** A source URI as compared: case-insensitive, no trailing slash. */
export function sourceKey(uri: string): string {
  let key = uri.trim().toLowerCase();
  while (key.endsWith('/')) key = key.slice(0, -1);
  return key;
}
