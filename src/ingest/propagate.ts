import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { resources } from '../db/schema.js';
import { parseReference } from '../fhir/references.js';
import type { Resource } from '../fhir/types.js';
import { categoriesOf, categoryIndex, type Category } from '../consent/categories.js';
import { mergeLabels, type CompiledCodeLists } from '../labels/index.js';
import type { Prepared } from '../store/plan.js';

/**
 * Sensitivity travels along the references that say "this was part of that":
 * - what was recorded at an Encounter (`encounter`, `context`, DocumentReference's
 *   `context.encounter`, a claim line's `item[].encounter`) carries the Encounter's labels;
 * - an Encounter carries the labels of the Conditions it lists as `diagnosis[].condition`;
 * - a Claim or ExplanationOfBenefit carries the labels of the Conditions and Procedures it cites
 *   (`diagnosis[].diagnosisReference`, `procedure[].procedureReference`), and an EOB its Claim's.
 *
 * A vital sign taken at an opioid treatment visit, or a claim citing an HIV diagnosis by reference,
 * otherwise goes out unlabelled though it reveals the visit. The referenced resource may be in
 * the same Bundle (its labels as just prepared, followed to a fixpoint so Condition -> Encounter ->
 * Observation works in any entry order) or already stored (its `security` column). Labels only
 * ever add up.
 *
 * Only from the sender's own resources: a label inherited from another source's record would be
 * echoed to the sender (the written resource comes back with its labels) and would change what
 * its readers may see, so a source could learn whether any record it names is Part 2 or
 * behavioural health by citing it. What it cites of others' is not inherited; the reader's gate
 * still decides the cited resource itself.
 *
 * Forward only: a resource stored before the Encounter it cites was labelled keeps its labels
 * until it is sent again. Relabelling dependents when an Encounter changes needs an index of
 * references, which the store does not keep.
 */
export async function propagateLabels(db: Database, prepared: readonly Prepared[], lists: CompiledCodeLists): Promise<void> {
  const inBundle = new Map<string, Prepared>();
  for (const p of prepared) inBundle.set(`${p.type}/${p.id}`, p);
  const cites: [Prepared, string[]][] = [];
  const outside = new Set<string>();
  for (const p of prepared) {
    const refs = labelSources(p.resource);
    if (refs.length === 0) continue;
    cites.push([p, refs]);
    for (const ref of refs) if (!inBundle.has(ref)) outside.add(ref);
  }
  if (cites.length === 0) return;
  const index = categoryIndex(lists);
  const stored = await storedCategories(db, outside, index);

  // Each pass carries labels one reference further; chains here are at most three long.
  for (let pass = 0, changed = true; changed && pass < 8; pass++) {
    changed = false;
    for (const [p, refs] of cites) {
      const have = sensitiveOf(p.securityCodes, index);
      const add = new Set<string>();
      for (const ref of refs) {
        const from = inBundle.get(ref);
        const cited = stored.get(ref);
        const categories = from ? sensitiveOf(from.securityCodes, index) : cited?.source === p.source ? cited.categories : undefined;
        for (const c of categories ?? []) if (!have.has(c)) add.add(c);
      }
      if (add.size === 0) continue;
      const security = mergeLabels(p.resource.meta?.security, add, lists);
      p.resource.meta = { ...p.resource.meta, security };
      p.securityCodes = security.map((c) => c.code!);
      changed = true;
    }
  }
}

/** `Type/id` of every resource whose labels this one inherits. */
function labelSources(resource: Resource): string[] {
  const r = resource as Record<string, unknown>;
  const out: string[] = [];
  const take = (ref: unknown, types: readonly string[]) => {
    const parsed = parseReference((ref as { reference?: unknown } | undefined)?.reference, types);
    if (parsed) out.push(`${parsed.type}/${parsed.id}`);
  };
  const each = (list: unknown, f: (item: Record<string, unknown>) => void) => {
    if (Array.isArray(list)) for (const item of list) if (item !== null && typeof item === 'object') f(item as Record<string, unknown>);
  };
  if (resource.resourceType === 'Encounter') {
    each(r.diagnosis, (d) => take(d.condition, CONDITION));
    return out;
  }
  take(r.encounter, ENCOUNTER);
  take(r.context, ENCOUNTER);
  if (r.context !== null && typeof r.context === 'object') each((r.context as Record<string, unknown>).encounter, (e) => take(e, ENCOUNTER));
  if (resource.resourceType === 'Claim' || resource.resourceType === 'ExplanationOfBenefit') {
    each(r.diagnosis, (d) => take(d.diagnosisReference, CONDITION));
    each(r.procedure, (p) => take(p.procedureReference, PROCEDURE));
    each(r.item, (i) => each(i.encounter, (e) => take(e, ENCOUNTER)));
    take(r.claim, CLAIM);
  }
  return out;
}
const ENCOUNTER = ['Encounter'];
const CONDITION = ['Condition'];
const PROCEDURE = ['Procedure'];
const CLAIM = ['Claim'];

interface Stored {
  source: string;
  categories: Set<string>;
}

async function storedCategories(db: Database, keys: ReadonlySet<string>, index: ReadonlyMap<string, Category>): Promise<Map<string, Stored>> {
  const found = new Map<string, Stored>();
  const byType = new Map<string, string[]>();
  for (const key of keys) {
    const [type, id] = key.split('/') as [string, string];
    let ids = byType.get(type);
    if (!ids) byType.set(type, (ids = []));
    ids.push(id);
  }
  for (const [type, ids] of byType) {
    for (let i = 0; i < ids.length; i += db.maxParams - 1) {
      const rows = await db.orm
        .select({ id: resources.id, source: resources.source, security: resources.security })
        .from(resources)
        .where(and(eq(resources.type, type), inArray(resources.id, ids.slice(i, i + db.maxParams - 1))));
      for (const row of rows) {
        const categories = sensitiveOf(row.security.split(' '), index);
        if (categories.size > 0) found.set(`${type}/${row.id}`, { source: row.source, categories });
      }
    }
  }
  return found;
}

/** The sensitive categories (not `normal`) these security codes mark. */
function sensitiveOf(codes: readonly string[], index: ReadonlyMap<string, Category>): Set<string> {
  return new Set(categoriesOf(codes, index).filter((c) => c !== 'normal'));
}
