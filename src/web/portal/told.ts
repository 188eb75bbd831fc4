/**
 * The portal's plain sentences for what she was told of and who was told about her: one per
 * delivered notification ("Oakwood Family Medicine was told of your emergency visit on 1
 * December 2026") and one per break-the-glass ("Dr Ortiz at Mercy Hospital opened your record in
 * an emergency on …, reason …"), read from her own accounting of disclosures. Pure.
 */

import { dayInWords } from './plain-words.js';

export interface ToldEvent {
  recorded: string;
  subtype?: { code?: string }[];
  outcome?: string;
  extension?: { url: string; valueBoolean?: boolean }[];
  agent?: { type?: { text?: string }; requestor?: boolean; who?: { reference?: string } }[];
  entity?: { what?: { identifier?: { value?: string } }; detail?: { type?: string; valueString?: string }[] }[];
}

export interface ToldLine {
  when: string;
  text: string;
}

/** Encounter classes (v3 ActCode) in her words. */
const CLASS_WORDS: Record<string, string> = {
  EMER: 'emergency visit',
  IMP: 'hospital stay',
  ACUTE: 'hospital stay',
  NONAC: 'hospital stay',
  OBSENC: 'observation stay',
  SS: 'short hospital stay',
};

/** `names`: organizations and practitioners by reference (the directory), for the sentences to name them. */
export function toldLines(events: readonly ToldEvent[], names: ReadonlyMap<string, string>): ToldLine[] {
  const lines: ToldLine[] = [];
  for (const e of events) {
    const line = notificationLine(e, names) ?? breakGlassLine(e, names);
    if (line) lines.push(line);
  }
  return lines;
}

/** Only the sentences of who was told of her visits (emergency access is listed with its review, from the grants). */
export function visitNoticeLines(events: readonly ToldEvent[], names: ReadonlyMap<string, string>): ToldLine[] {
  return events.flatMap((e) => notificationLine(e, names) ?? []);
}

function notificationLine(e: ToldEvent, names: ReadonlyMap<string, string>): ToldLine | undefined {
  const details = new Map((e.entity ?? []).flatMap((x) => x.detail ?? []).map((d) => [d.type ?? '', d.valueString ?? '']));
  // A send that disclosed nothing (her consent withdrawn since) told no one anything.
  if (!details.has('subscription') || details.get('topic') === 'break-the-glass' || e.outcome !== '0' || details.get('disclosed') === 'nothing')
    return undefined;
  const org = e.agent?.find((a) => a.type?.text === 'organization')?.who?.reference;
  const who = (org && names.get(org)) ?? 'A provider';
  const what = CLASS_WORDS[details.get('class') ?? ''] ?? 'hospital visit';
  const on = dayInWords(details.get('occurred') || e.recorded);
  const topic = details.get('topic');
  const text =
    topic === 'encounter-end'
      ? `${who} was told your ${what} ended on ${on}`
      : topic === 'encounter-transfer'
        ? `${who} was told of your transfer (${what}) on ${on}`
        : `${who} was told of your ${what} on ${on}`;
  return { when: e.recorded, text };
}

function breakGlassLine(e: ToldEvent, names: ReadonlyMap<string, string>): ToldLine | undefined {
  const emergency = (e.extension ?? []).some((x) => x.url === 'urn:consent-gateway:break-glass' && x.valueBoolean);
  const query = e.entity?.map((x) => x.what?.identifier?.value ?? '').find((q) => q.includes('/$break-the-glass'));
  if (!emergency || !query || !(e.subtype ?? []).some((s) => s.code === 'operation')) return undefined;
  const practitioner = e.agent?.find((a) => a.requestor)?.who?.reference;
  const org = e.agent?.find((a) => a.type?.text === 'organization')?.who?.reference;
  const person = (practitioner && names.get(practitioner)) ?? 'A clinician';
  const at = org && names.get(org) ? ` at ${names.get(org)}` : '';
  const reason = /\(([\s\S]*)\)$/.exec(query)?.[1];
  return { when: e.recorded, text: `${person}${at} opened your record in an emergency on ${dayInWords(e.recorded)}${reason ? `, reason: “${reason}”` : ''}` };
}
