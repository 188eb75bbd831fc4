import { isPurpose } from '../auth/purposes.js';
import { SENSITIVE } from '../consent/categories.js';
import { ParticipantError } from './errors.js';
import { LINE_SCOPES, type DuaLine, type Participants } from './types.js';

const CATEGORIES: ReadonlySet<string> = new Set(['*', 'normal', ...SENSITIVE]);
const RESOURCE_TYPE = /^[A-Z][A-Za-z]+$/;

/** Problems with a version's lines, each naming its line (1-based); none if they are all valid. */
export function validateDuaLines(lines: readonly DuaLine[]): string[] {
  if (lines.length === 0) return ['a DUA version needs at least one line'];
  const problems: string[] = [];
  lines.forEach((l, i) => {
    const at = `line ${i + 1}`;
    if (typeof l !== 'object' || l === null) return void problems.push(`${at}: not a line`);
    if (typeof l.purpose !== 'string' || !isPurpose(l.purpose)) problems.push(`${at}: unknown purpose '${String(l.purpose)}'`);
    if (typeof l.cls !== 'string' || (l.cls !== '*' && !RESOURCE_TYPE.test(l.cls)))
      problems.push(`${at}: class '${String(l.cls)}' is not a resource type or *`);
    if (typeof l.category !== 'string' || !CATEGORIES.has(l.category))
      problems.push(`${at}: category '${String(l.category)}' is not one of ${[...CATEGORIES].join(', ')}`);
    if (!(LINE_SCOPES as readonly unknown[]).includes(l.scope)) problems.push(`${at}: scope '${String(l.scope)}' is not any or member`);
  });
  return problems;
}

/** The lines of one agreement as policies/duas.csv writes them: one period and status for all of them. */
export interface DuaCsvGroup {
  dua: string;
  organization: string;
  start: string;
  end: string;
  status: string;
  lines: DuaLine[];
}

/**
 * Reads policies/duas.csv's format (`p, dua, organization, purpose, class, category, scope,
 * start, end, status`; # comments), grouping lines by agreement, organization, period and status.
 */
export function parseDuaCsv(text: string): DuaCsvGroup[] {
  const groups = new Map<string, DuaCsvGroup>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const f = line.split(',').map((x) => x.trim());
    if (f[0] !== 'p' || f.length !== 10)
      throw new ParticipantError('invalid', [`line ${i + 1}: expected p, dua, organization, purpose, class, category, scope, start, end, status`]);
    const [, dua, organization, purpose, cls, category, scope, start, end, status] = f as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const key = [dua, organization, start, end, status].join('|');
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { dua, organization, start, end, status, lines: [] }));
    group.lines.push({ purpose, cls, category, scope });
  });
  return [...groups.values()];
}

/**
 * The DUA enforcer's policy (policies/dua.conf: dua, org, pur, cls, lbl, scope, start, end,
 * status): every line of every version, with the version's period, and `active` only while the
 * version and its organization both are.
 */
export function duaRules(participants: Participants): string[][] {
  const active = new Set(participants.organizations.filter((o) => o.status === 'active').map((o) => o.reference));
  return participants.duas.flatMap((dua) =>
    dua.versions.flatMap((v) => {
      const status = v.status === 'active' && active.has(dua.organization) ? 'active' : 'suspended';
      return v.lines.map((l) => [dua.id, dua.organization, l.purpose, l.cls, l.category, l.scope, v.start, v.end, status]);
    }),
  );
}
