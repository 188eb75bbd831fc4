/** ATR attribution-list-status: a draft may still change; a final version never does. */
export type RosterStatus = 'draft' | 'final';
/** ATR change types, against the previous version of the same roster. */
export type ChangeType = 'new' | 'nochange' | 'changed' | 'dropped';

/** One roster: a provider organization's attributed members under one payer for one month. */
export interface RosterVersion {
  /** The Group id, e.g. `roster-2026-03-1a2b3c4d`: opaque, the same for every version. */
  groupId: string;
  version: number;
  /** `Organization/{id}`. */
  organization: string;
  payer: string;
  /** YYYY-MM. */
  period: string;
  status: RosterStatus;
  createdAt: string;
}

export interface RosterMember {
  /** The linked person (never shown outside: the Group names one of her Patient records). */
  person: string;
  changeType: ChangeType;
  method: 'designation' | 'plurality';
  /** How she was attributed, in words, with the tie-break used if any. */
  reason: string;
  periodStart: string;
  periodEnd: string;
}

/** `Group/{id}/_history/{v}`: how a report records the roster version it used. */
export const rosterReference = (r: Pick<RosterVersion, 'groupId' | 'version'>) => `Group/${r.groupId}/_history/${r.version}`;
