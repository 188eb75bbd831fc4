import type { Fetcher } from '../sign-in.js';
import { outcomeInWords, purposeInWords, whatInWords } from './plain-words.js';
import type { ToldEvent } from './told.js';

/**
 * Her access history, read from her accounting of disclosures (`AuditEvent?patient=`, paged
 * by the API's `_count` and next links) and put in words: who (by name), for which
 * organization, what was looked at, why, and whether it was shown. Her own visits to the
 * portal stay in the audit trail but are left out of the page: she knows she looked.
 */
export interface AuditEventLike extends ToldEvent {
  recorded: string;
  outcome?: string;
  purposeOfEvent?: { coding?: { code?: string }[] }[];
  agent?: { type?: { text?: string }; requestor?: boolean; role?: { text?: string }[]; who?: { reference?: string; identifier?: { value?: string } } }[];
}

export interface HistoryRow {
  when: string;
  who: string;
  organization: string;
  what: string;
  why: string;
  outcome: string;
  emergency: boolean;
  /** A notification of her visit was sent (to the organization named). */
  notified: boolean;
}

export interface AccountingPage {
  events: AuditEventLike[];
  /** The API's `_cursor` for the next (older) page, when there is one. */
  older?: string;
  total: number;
}

/** The portal's own client: what she does here is her own visit. */
const PORTAL_CLIENT = 'consent-portal';
const CURSOR = /^\d{1,9}\.\d{1,9}$/;

export const isCursor = (s: string | undefined): s is string => s !== undefined && CURSOR.test(s);

/** One page of her accounting, newest first; `cursor` from a previous page's `older`. */
export async function accountingPage(fhir: Fetcher, patient: string, count: number, cursor?: string): Promise<AccountingPage> {
  const q = new URLSearchParams({ patient, _count: String(count), ...(cursor ? { _cursor: cursor } : {}) });
  const res = await fhir(`/fhir/AuditEvent?${q}`);
  if (!res.ok) return { events: [], total: 0 };
  const bundle = (await res.json()) as { total?: number; link?: { relation: string; url: string }[]; entry?: { resource: AuditEventLike }[] };
  const next = bundle.link?.find((l) => l.relation === 'next')?.url;
  const older = next ? (new URL(next, 'http://x').searchParams.get('_cursor') ?? undefined) : undefined;
  return { events: (bundle.entry ?? []).map((e) => e.resource), total: bundle.total ?? 0, ...(isCursor(older) ? { older } : {}) };
}

/** Every page of her accounting, for the download. */
export async function wholeAccounting(fhir: Fetcher, patient: string): Promise<AuditEventLike[]> {
  const all: AuditEventLike[] = [];
  let cursor: string | undefined;
  do {
    const page = await accountingPage(fhir, patient, 1000, cursor);
    all.push(...page.events);
    cursor = page.older;
  } while (cursor);
  return all;
}

const requestorOf = (e: AuditEventLike) => e.agent?.find((a) => a.requestor);
const clientOf = (e: AuditEventLike) => e.agent?.find((a) => a.type?.text === 'client')?.who?.identifier?.value;
const organizationOf = (e: AuditEventLike) => e.agent?.find((a) => a.type?.text === 'organization')?.who?.reference;

/**
 * Her own visit to the portal (or the portal's questions on her behalf). Told by the role, not
 * by her record id: a caregiver's session knows her as a person, not as the clinic's record
 * her account names. A patient-role requester is permitted only her own record, so a permitted
 * patient-role event in her accounting is hers; another patient probing her id was refused,
 * and stays listed.
 */
export const isOwnPortalVisit = (e: AuditEventLike) =>
  clientOf(e) === PORTAL_CLIENT && e.outcome === '0' && (requestorOf(e)?.role ?? []).some((r) => r.text === 'patient');

/** `names`: people and organizations by reference; `caregivers`: her caregivers' references. */
export function historyRow(e: AuditEventLike, patient: string, names: ReadonlyMap<string, string>, caregivers: ReadonlySet<string>): HistoryRow {
  const ref = requestorOf(e)?.who?.reference;
  const org = organizationOf(e);
  const orgName = (org && names.get(org)) ?? '';
  const who =
    ref === patient
      ? 'You'
      : ref && caregivers.has(ref)
        ? `${names.get(ref) ?? 'Your caregiver'}, your caregiver`
        : ref
          ? (names.get(ref) ?? (ref.startsWith('Practitioner/') ? 'A clinician' : 'Someone'))
          : orgName
            ? `A computer system of ${orgName}`
            : clientOf(e)
              ? 'A computer system of the exchange'
              : 'Someone not signed in';
  const details = (e.entity ?? []).flatMap((x) => x.detail ?? []);
  const query = e.entity?.map((x) => x.what?.identifier?.value).find((q) => q !== undefined) ?? '';
  const interaction = e.subtype?.[0]?.code;
  return {
    when: e.recorded,
    who,
    organization: orgName,
    what:
      interaction === 'create' || interaction === 'update'
        ? query.startsWith('Consent')
          ? 'changed your sharing choices'
          : 'added to your record'
        : whatInWords(query),
    why: purposeInWords(e.purposeOfEvent?.[0]?.coding?.[0]?.code),
    outcome: outcomeInWords(e.outcome),
    emergency: (e.extension ?? []).some((x) => x.url === 'urn:consent-gateway:break-glass' && x.valueBoolean),
    notified:
      details.some((d) => d.type === 'subscription') && e.outcome === '0' && !details.some((d) => d.type === 'disclosed' && d.valueString === 'nothing'),
  };
}

/** A date and time in words, in UTC ("2 December 2026, 09:14 UTC"). */
const WHEN = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
  timeZone: 'UTC',
});
export const whenInWords = (iso: string) => (Number.isNaN(Date.parse(iso)) ? '' : `${WHEN.format(new Date(iso))} UTC`);

/**
 * One CSV cell: quoted, quotes doubled, and a cell a spreadsheet would run as a formula
 * (starting = + - @, or a tab or carriage return before one) prefixed with an apostrophe.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function historyCsv(rows: readonly HistoryRow[]): string {
  const header = ['When (UTC)', 'Who', 'Organization', 'What', 'Why', 'Outcome', 'Emergency access', 'Notification sent'];
  const lines = rows.map((r) =>
    [r.when, r.who, r.organization, r.what, r.why, r.outcome, r.emergency ? 'yes' : 'no', r.notified ? 'yes' : 'no'].map(csvCell).join(','),
  );
  return [header.map(csvCell).join(','), ...lines].join('\r\n') + '\r\n';
}
