import { and, eq, inArray } from 'drizzle-orm';
import { categoriesOfColumn, categoryIndex } from '../consent/categories.js';
import { resources } from '../db/schema.js';
import { COMPARTMENT_TYPES } from '../store/search-values.js';
import { wholeContent } from '../store/spill.js';
import type { GateContext } from './context.js';

const REFERABLE = new Set(COMPARTMENT_TYPES.filter((t) => t !== 'Patient'));
const MARKER = '"reference":"';

/** The `Type/id` of every literal reference in stored JSON, by a scan rather than a parse. */
function referencesIn(content: string): string[] {
  const out: string[] = [];
  for (let at = content.indexOf(MARKER); at >= 0; at = content.indexOf(MARKER, at + MARKER.length)) {
    const start = at + MARKER.length;
    // A versioned reference names the same resource: `Condition/c1/_history/2` is `Condition/c1`.
    const raw = content.slice(start, content.indexOf('"', start));
    const value = raw.includes('/_history/') ? raw.replace(/\/_history\/[^/]*$/, '') : raw;
    const last = value.lastIndexOf('/');
    const prev = value.lastIndexOf('/', last - 1);
    if (last > 0) out.push(value.slice(prev + 1));
  }
  return out;
}

const typeOf = (ref: string) => ref.slice(0, ref.indexOf('/'));

/**
 * What a requester receives must not point at what it may not see: a visible Observation whose
 * `encounter` names a visit hidden from this requester, or a MedicationRequest whose
 * `reasonReference` names a withheld 42 CFR Part 2 diagnosis, would still say that it exists.
 * Each resource the rows refer to is decided as a read of it would be: its class, then (where
 * the class's plan withholds labels) its own labels, read by primary key. References to one
 * that would be withheld lose their target and keep only `display: "withheld"`; rows that point
 * at nothing withheld are returned byte for byte. Verdicts are kept for the request.
 *
 * It is also where a body held in the blob store (src/store/spill.ts) is made whole again: what
 * leaves the gate passes here, so no stand-in ever does.
 */
export function referenceFilter(g: GateContext, person: string) {
  const index = categoryIndex(g.deps.codeLists);
  const verdict = new Map<string, boolean>();

  async function decideTargets(refs: Iterable<string>): Promise<void> {
    const needLabels = new Map<string, string[]>();
    for (const ref of refs) {
      if (verdict.has(ref)) continue;
      const type = typeOf(ref);
      if (!REFERABLE.has(type)) {
        verdict.set(ref, false);
        continue;
      }
      const plan = (await g.decide(person, { cls: type })).plan;
      if (plan.kind === 'deny') verdict.set(ref, true);
      else if (plan.withhold.length === 0) verdict.set(ref, false);
      else {
        let ids = needLabels.get(type);
        if (!ids) needLabels.set(type, (ids = []));
        ids.push(ref.slice(type.length + 1));
      }
    }
    for (const [type, ids] of needLabels) {
      for (let i = 0; i < ids.length; i += 400) {
        const chunk = ids.slice(i, i + 400);
        const rows = await g.deps.db.orm
          .select({ id: resources.id, security: resources.security })
          .from(resources)
          .where(and(eq(resources.type, type), inArray(resources.id, chunk)));
        const security = new Map(rows.map((r) => [r.id, r.security]));
        for (const id of chunk) {
          const labels = security.get(id);
          // Not stored: withheld too (except from the patient), or "withheld" would tell a hidden
          // resource from one that does not exist. Unlabelled: nothing to withhold by labels.
          if (labels === undefined) verdict.set(`${type}/${id}`, !(g.requester.kind === 'person' && g.requester.role === 'patient'));
          else if (labels === '') verdict.set(`${type}/${id}`, false);
          else verdict.set(`${type}/${id}`, !(await g.decide(person, { cls: type, categories: categoriesOfColumn(labels, index) })).permit);
        }
      }
    }
  }

  const rewrite = (content: string, refs: readonly string[]) => {
    if (!refs.some((r) => verdict.get(r))) return content;
    const resource = JSON.parse(content) as unknown;
    return strip(resource, verdict) ? JSON.stringify(resource) : content;
  };

  return {
    async one(row: { type: string; id: string; content: string }): Promise<string> {
      const content = await wholeContent(g.deps.blobs, row.type, row.id, row.content);
      const refs = referencesIn(content);
      await decideTargets(refs);
      return rewrite(content, refs);
    },
    async many<R extends { type: string; id: string; content: string }>(stored: readonly R[]): Promise<R[]> {
      const rows = await Promise.all(stored.map(async (r) => ({ ...r, content: await wholeContent(g.deps.blobs, r.type, r.id, r.content) })));
      // What this response itself returns is visible to this requester: no need to decide it again.
      for (const row of rows) if (!verdict.has(`${row.type}/${row.id}`)) verdict.set(`${row.type}/${row.id}`, false);
      const perRow = rows.map((row) => referencesIn(row.content));
      await decideTargets(new Set(perRow.flat()));
      return rows.map((row, i) => {
        const content = rewrite(row.content, perRow[i]!);
        return content === stored[i]!.content ? stored[i]! : { ...row, content };
      });
    },
  };
}

/** Takes out references to hidden resources; says whether anything changed. */
function strip(node: unknown, verdict: ReadonlyMap<string, boolean>): boolean {
  if (Array.isArray(node)) return node.map((item) => strip(item, verdict)).some(Boolean);
  if (node === null || typeof node !== 'object') return false;
  const record = node as Record<string, unknown>;
  let changed = false;
  if (typeof record.reference === 'string') {
    const [ref] = referencesIn(`${MARKER}${record.reference}"`);
    if (ref && verdict.get(ref)) {
      delete record.reference;
      record.display = 'withheld';
      changed = true;
    }
  }
  for (const key in record) if (key !== 'meta' && strip(record[key], verdict)) changed = true;
  return changed;
}
