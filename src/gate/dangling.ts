import { sql } from 'drizzle-orm';
import { categoriesOf, categoryIndex } from '../consent/categories.js';
import { COMPARTMENT_TYPES } from '../store/search-values.js';
import type { GateContext } from './context.js';

// A literal reference, as stored JSON spells it: `Type/id`, relative or at the end of a URL.
const REFERENCE = /"reference":"(?:[^"]*\/)?([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})"/g;
const REFERABLE = new Set(COMPARTMENT_TYPES.filter((t) => t !== 'Patient'));

/**
 * What a requester receives must not point at what it may not see: a visible Observation whose
 * `encounter` names a visit hidden from this requester, or a MedicationRequest whose
 * `reasonReference` names a withheld 42 CFR Part 2 diagnosis, would still say that it exists.
 * Each referenced resource is decided for this requester as a read of it would be (its class,
 * and its own labels); references to one that would be withheld lose their target and keep only
 * `display: "withheld"`. Rows that point at nothing withheld are returned byte for byte.
 */
export function referenceFilter(g: GateContext, person: string) {
  const index = categoryIndex(g.deps.codeLists);
  const verdicts = new Map<string, boolean>();

  /** Which of these references (`Type/id`) would be withheld from this requester. */
  async function hiddenAmong(refs: ReadonlySet<string>): Promise<Set<string>> {
    const unknown = [...refs].filter((r) => !verdicts.has(r));
    if (unknown.length > 0) {
      const labels = new Map<string, string>();
      const byType = new Map<string, string[]>();
      for (const ref of unknown) {
        const [type, id] = ref.split('/') as [string, string];
        let ids = byType.get(type);
        if (!ids) byType.set(type, (ids = []));
        ids.push(id);
      }
      // By type and id, so the primary key answers: one indexed query per type and chunk.
      for (const [type, ids] of byType) {
        for (let i = 0; i < ids.length; i += 400) {
          const chunk = ids.slice(i, i + 400);
          const rows = await g.deps.db.orm.all<{ id: string; security: string }>(
            sql`SELECT id, security FROM resources WHERE type = ${type} AND id IN (${sql.join(
              chunk.map((id) => sql`${id}`),
              sql`, `,
            )})`,
          );
          for (const r of rows) labels.set(`${type}/${r.id}`, r.security);
        }
      }
      for (const ref of unknown) {
        const security = labels.get(ref);
        // A reference to nothing stored says nothing about the patient; leave it.
        if (security === undefined) {
          verdicts.set(ref, false);
          continue;
        }
        const categories = categoriesOf(security.trim().split(' ').filter(Boolean), index);
        const decision = await g.decide(person, { cls: ref.slice(0, ref.indexOf('/')), categories });
        verdicts.set(ref, !decision.permit);
      }
    }
    return new Set([...refs].filter((r) => verdicts.get(r)));
  }

  const referenced = (content: string): Set<string> => {
    const refs = new Set<string>();
    for (const m of content.matchAll(REFERENCE)) if (REFERABLE.has(m[1]!)) refs.add(`${m[1]}/${m[2]}`);
    return refs;
  };
  const hide = (content: string, hidden: ReadonlySet<string>) => {
    if (hidden.size === 0) return content;
    const resource = JSON.parse(content) as unknown;
    return strip(resource, hidden) ? JSON.stringify(resource) : content;
  };

  return {
    async one(content: string): Promise<string> {
      return hide(content, await hiddenAmong(referenced(content)));
    },
    async many<R extends { content: string }>(rows: readonly R[]): Promise<R[]> {
      const perRow = rows.map((row) => referenced(row.content));
      const hidden = await hiddenAmong(new Set(perRow.flatMap((refs) => [...refs])));
      if (hidden.size === 0) return [...rows];
      return rows.map((row, i) => ([...perRow[i]!].some((r) => hidden.has(r)) ? { ...row, content: hide(row.content, hidden) } : row));
    },
  };
}

/** Takes out references to hidden resources; says whether anything changed. */
function strip(node: unknown, hidden: ReadonlySet<string>): boolean {
  if (Array.isArray(node)) return node.map((item) => strip(item, hidden)).some(Boolean);
  if (node === null || typeof node !== 'object') return false;
  const record = node as Record<string, unknown>;
  let changed = false;
  if (typeof record.reference === 'string') {
    const m = /(?:^|\/)([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})$/.exec(record.reference);
    if (m && hidden.has(m[1]!)) {
      delete record.reference;
      record.display = 'withheld';
      changed = true;
    }
  }
  for (const key in record) if (key !== 'meta' && strip(record[key], hidden)) changed = true;
  return changed;
}
