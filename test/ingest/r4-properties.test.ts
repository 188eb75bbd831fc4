/**
 * R4 validation as properties: every resource the fixture generator makes (the region sources
 * send) passes, and one random mutation of any of them (an unknown element, an empty string, a
 * primitive of the wrong JSON type, a code outside its required value set, a required element
 * removed) is refused with an issue whose expression names the mutated element.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import tables from '../../src/ingest/r4-shapes.json' with { type: 'json' };
import { validateResource } from '../../src/ingest/index.js';
import { generateRegion } from '../../src/synthetic/index.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Shape = [string, number, string | 0, string?];
const TYPES = tables.types as unknown as Record<string, Record<string, Shape>>;

const resources: Record<string, Json>[] = generateRegion({ patients: 40, seed: 11 }).sources.flatMap((s) =>
  (s.bundle.entry ?? []).map((e) => e.resource as unknown as Record<string, Json>),
);
const byType = new Map<string, Record<string, Json>[]>();
for (const r of resources) byType.set(r.resourceType as string, [...(byType.get(r.resourceType as string) ?? []), r]);
// One of each type at least, so a rare type is mutated as often as a common one.
const resource = fc.constantFrom(...byType.keys()).chain((t) => fc.constantFrom(...byType.get(t)!));

type Path = (string | number)[];
const spell = (type: string, path: Path) => type + path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');
/** Every value in a resource with its path (resourceType aside). */
function leaves(node: Json, path: Path = [], out: { path: Path; value: Json }[] = []): { path: Path; value: Json }[] {
  if (node !== null && typeof node === 'object') {
    out.push({ path, value: node });
    for (const [k, v] of Array.isArray(node) ? node.entries() : Object.entries(node)) if (k !== 'resourceType') leaves(v, [...path, k], out);
  } else out.push({ path, value: node });
  return out;
}
function set(root: Json, path: Path, value: Json | undefined): Json {
  const copy = structuredClone(root) as Record<string | number, Json>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, Json>;
  if (value === undefined) delete node[path.at(-1)!];
  else node[path.at(-1)!] = value;
  return copy;
}
const problems = (r: Json) => validateResource(r, (r as { resourceType: string }).resourceType);

describe('R4 validation over the generated region', () => {
  it(`passes every generated resource (${resources.length} of ${byType.size} types)`, () => {
    const refused = resources.map((r) => ({ id: `${r.resourceType}/${r.id}`, issues: problems(r) })).filter((r) => r.issues.length > 0);
    expect(refused.slice(0, 3)).toEqual([]);
  });

  type Mutation = { what: string; mutated: Json; expression: string } | undefined;
  const mutation = (r: Record<string, Json>, pick: number, kind: number): Mutation => {
    const type = r.resourceType as string;
    const all = leaves(r);
    const objects = all.filter((l) => l.value !== null && typeof l.value === 'object' && !Array.isArray(l.value));
    const strings = all.filter((l) => typeof l.value === 'string');
    const others = all.filter((l) => typeof l.value === 'number' || typeof l.value === 'boolean');
    const root = Object.entries(TYPES[type]!).filter(([name]) => r[name] !== undefined);
    const bound = root.filter(([, [t, , vs]]) => t === 'code' && vs !== 0);
    const required = root.filter(([, [, flags, , choice]]) => flags & 1 && choice === undefined);
    const at = <T>(xs: T[]) => (xs.length === 0 ? undefined : xs[pick % xs.length]!);
    switch (kind) {
      case 0: {
        const o = at(objects)!;
        return { what: 'an unknown element', mutated: set(r, [...o.path, 'favourite'], true), expression: spell(type, [...o.path, 'favourite']) };
      }
      case 1: {
        const s = at(strings);
        return s && { what: 'an empty string', mutated: set(r, s.path, ''), expression: spell(type, s.path) };
      }
      case 2: {
        const s = at([...strings, ...others]);
        return (
          s && {
            what: 'a primitive of the wrong JSON type',
            mutated: set(r, s.path, typeof s.value === 'string' ? 72 : String(s.value)),
            expression: spell(type, s.path),
          }
        );
      }
      case 3: {
        const b = at(bound);
        return b && { what: 'a code outside its required value set', mutated: set(r, [b[0]], 'done-ish'), expression: `${type}.${b[0]}` };
      }
      default: {
        const q = at(required);
        return q && { what: 'a required element removed', mutated: set(r, [q[0]], undefined), expression: `${type}.${q[0]}` };
      }
    }
  };

  it('refuses any single mutation, naming the mutated element', () => {
    fc.assert(
      fc.property(resource, fc.nat(), fc.integer({ min: 0, max: 4 }), (r, pick, kind) => {
        const m = mutation(r, pick, kind);
        fc.pre(m !== undefined);
        const issues = problems(m!.mutated);
        expect(
          issues.map((i) => i.expression),
          m!.what,
        ).toContain(m!.expression);
      }),
      { numRuns: 1500 },
    );
  });
});
