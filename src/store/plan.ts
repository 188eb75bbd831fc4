import type { resources } from '../db/schema.js';
import type { Issue } from '../fhir/errors.js';
import { decideLink, type Link } from '../matching/index.js';
import type { Resource } from '../fhir/types.js';
import type { MatchKey } from '../matching/index.js';
import type { SearchValues } from './search-values.js';

/** A write request made ready to store: labelled, its source fixed, its search values extracted. */
export interface Prepared {
  index: number;
  type: string;
  id: string;
  source: string;
  /** The resource as it will be stored, but for meta.versionId and meta.lastUpdated. */
  resource: Resource;
  values: SearchValues;
  securityCodes: string[];
  /** Record-linkage keys, for Patient resources only. */
  matchKeys?: MatchKey[];
  /** If-Match: the versionIds the write may replace, or `*` (any, but it must exist). */
  ifMatch?: '*' | readonly number[];
}

/** A row of the current-version table, as the plan writes it. */
export type ResourceRow = typeof resources.$inferSelect;

/** The stored current version of a resource, as far as planning a write needs it. */
export type Existing = Pick<ResourceRow, 'type' | 'id' | 'versionId' | 'lastUpdated' | 'source' | 'ingestionId' | 'content'> & {
  /** Where `content` is a stand-in for a body held in the blob store (spill.ts): the whole, to tell a resend from a change. */
  whole?: string;
};

export type Outcome =
  | { index: number; ok: true; created: boolean; changed: boolean; type: string; id: string; versionId: number; lastUpdated: string }
  | { index: number; ok: false; status: 400 | 403 | 409 | 412 | 413; issues: Issue[] };

export interface Plan {
  outcomes: Outcome[];
  rows: ResourceRow[];
  /** Current versions being replaced: they move to history and lose their tokens. */
  replaced: Existing[];
  tokens: { type: string; id: string; param: string; system: string; code: string }[];
  links: Link[];
  keys: { key: string; personId: string }[];
}

export interface IndexState {
  existing: ReadonlyMap<string, Existing>;
  /** Person a match key leads to, as stored before this write. */
  personForKey: ReadonlyMap<string, string>;
  /** Person a source Patient record is already linked to. */
  personOfPatient: ReadonlyMap<string, string>;
}

export const resourceKey = (type: string, id: string) => `${type}/${id}`;

/**
 * Decides, for each prepared resource, whether it is new, changed or unchanged, who owns it,
 * and which person a Patient record links to. Pure: all state comes in through `state`, and
 * records linked earlier in the same plan are visible to later ones.
 */
export function planWrites(prepared: readonly Prepared[], state: IndexState, now: string, ingestionId: string): Plan {
  const plan: Plan = { outcomes: [], rows: [], replaced: [], tokens: [], links: [], keys: [] };
  const newKeys = new Map<string, string>();
  const personForKey = (key: string) => newKeys.get(key) ?? state.personForKey.get(key);

  for (const p of prepared) {
    const previous = state.existing.get(resourceKey(p.type, p.id));
    if (previous && previous.source !== p.source) {
      plan.outcomes.push({
        index: p.index,
        ok: false,
        status: 409,
        issues: [{ code: 'conflict', diagnostics: `${p.type}/${p.id} was created by another source system and can only be changed by it` }],
      });
      continue;
    }
    if (p.ifMatch !== undefined && !(previous && (p.ifMatch === '*' || p.ifMatch.includes(previous.versionId)))) {
      plan.outcomes.push({
        index: p.index,
        ok: false,
        status: 412,
        issues: [
          {
            code: 'conflict',
            diagnostics: previous ? `${p.type}/${p.id} is at version ${previous.versionId}, not the one If-Match names` : `${p.type}/${p.id} does not exist`,
          },
        ],
      });
      continue;
    }
    if (previous && sameContent(previous.whole ?? previous.content, p.resource)) {
      plan.outcomes.push({
        index: p.index,
        ok: true,
        created: false,
        changed: false,
        type: p.type,
        id: p.id,
        versionId: previous.versionId,
        lastUpdated: previous.lastUpdated,
      });
      continue;
    }
    const versionId = (previous?.versionId ?? 0) + 1;
    p.resource.meta = { versionId: String(versionId), lastUpdated: now, ...p.resource.meta };
    plan.rows.push({
      type: p.type,
      id: p.id,
      versionId,
      lastUpdated: now,
      source: p.source,
      ingestionId,
      patientId: p.values.patientId,
      dateStart: p.values.dateStart,
      dateEnd: p.values.dateEnd,
      status: p.values.status,
      security: p.securityCodes.length > 0 ? ` ${p.securityCodes.join(' ')} ` : '',
      content: JSON.stringify(p.resource),
    });
    for (const t of p.values.tokens) plan.tokens.push({ type: p.type, id: p.id, ...t });
    if (previous) plan.replaced.push(previous);
    plan.outcomes.push({ index: p.index, ok: true, created: !previous, changed: true, type: p.type, id: p.id, versionId, lastUpdated: now });

    if (p.matchKeys) {
      // Links are sticky: a changed record keeps its person, and its new keys lead there too.
      const linked = state.personOfPatient.get(p.id);
      const link = linked ?? decideLink(p.id, p.matchKeys, personForKey);
      const personId = typeof link === 'string' ? link : link.personId;
      if (typeof link !== 'string') plan.links.push({ ...link, patientId: p.id });
      for (const { key } of p.matchKeys) {
        if (personForKey(key) === undefined) {
          newKeys.set(key, personId);
          plan.keys.push({ key, personId });
        }
      }
    }
  }
  return plan;
}

/** Equal but for the store's own meta.versionId and meta.lastUpdated: re-sending a resource changes nothing. */
function sameContent(storedJson: string, incoming: { meta?: object }): boolean {
  const stored = JSON.parse(storedJson) as { meta?: Record<string, unknown> };
  if (stored.meta) {
    delete stored.meta.versionId;
    delete stored.meta.lastUpdated;
  }
  return JSON.stringify(stored) === JSON.stringify(incoming);
}
