import type { StoredConsent } from './choices.js';
import { CAREGIVER_CLASSES, HIDEABLE } from './pages.js';
import { dayInWords } from './plain-words.js';

/**
 * "Daniel Alvarez, your caregiver, blocked Oakwood Family Medicine on 2 December 2026": one
 * sentence per choice someone else made for her (the Consent's performer is not her), so every
 * change a caregiver makes is shown to her as his. Pure.
 */
export function changesByOthers(consents: readonly (StoredConsent & { key: string })[], patient: string, names: ReadonlyMap<string, string>): string[] {
  return consents.flatMap((c) => {
    const by = c.performer?.[0]?.reference;
    if (!by || by === patient) return [];
    const who = by.startsWith('RelatedPerson/') ? `${names.get(by) ?? 'Your caregiver'}, your caregiver,` : 'Someone acting for you';
    const what = changeWords(c, names);
    return what ? [`${who} ${what}${c.dateTime ? ` on ${dayInWords(c.dateTime)}` : ''}.`] : [];
  });
}

function changeWords(c: StoredConsent & { key: string }, names: ReadonlyMap<string, string>): string | undefined {
  const active = c.status === 'active';
  const [kind, ...rest] = c.key.split(':');
  const target = names.get(rest.join(':')) ?? 'an organization';
  switch (kind) {
    case 'organization':
      return active ? `blocked ${target}` : `removed your block on ${target}`;
    case 'visit-notice':
      return active ? `let ${target} be told of a mental health hospital stay` : `stopped ${target} being told of a mental health hospital stay`;
    case 'research':
      return active ? 'left you out of research statistics' : 'included you in research statistics';
    case 'hide-sensitive': {
      const hidden = (c.provision?.securityLabel ?? [])
        .map((l) =>
          HIDEABLE.find(([, code]) => code === l.code)?.[2]
            ?.split(' (')[0]
            ?.toLowerCase(),
        )
        .filter(Boolean);
      return active ? `hid ${hidden.join(', ') || 'sensitive information'} from everyone` : 'stopped hiding sensitive information';
    }
    case 'caregiver': {
      const shared = (c.provision?.class ?? []).map((k) => CAREGIVER_CLASSES.find(([code]) => code === k.code)?.[1]?.toLowerCase()).filter(Boolean);
      return active
        ? `shared ${shared.join(', ')} with ${target}${c.provision?.period?.end ? ` until ${dayInWords(c.provision.period.end)}` : ''}`
        : `stopped sharing with ${target}`;
    }
    default:
      return undefined;
  }
}
