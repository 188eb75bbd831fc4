import { monthBounds } from './compute.js';
import type { RosterMember, RosterVersion } from './types.js';

const ATR = 'http://hl7.org/fhir/us/davinci-atr';
export const ROSTER_PAYER_EXTENSION = 'urn:consent-gateway:roster-payer';

/** A member as the reader may see her: `patientId` is one of her Patient ids the reader knows. */
export type VisibleMember = RosterMember & { patientId: string };

/**
 * One roster version as a Da Vinci ATR Group. Pure. ATR has no element for how a member was
 * attributed, so the method and reason are our own extensions; the payer whose list this is goes
 * in an extension too (the Group is managed by the organization).
 */
export function rosterGroup(v: RosterVersion, members: readonly VisibleMember[]) {
  const { first, last } = monthBounds(v.period);
  return {
    resourceType: 'Group',
    id: v.groupId,
    meta: { versionId: String(v.version), lastUpdated: v.createdAt, profile: [`${ATR}/StructureDefinition/atr-group`] },
    extension: [
      { url: `${ATR}/StructureDefinition/ext-attributionListStatus`, valueCode: v.status },
      { url: `${ATR}/StructureDefinition/ext-contractValidityPeriod`, valuePeriod: { start: first, end: last } },
      { url: ROSTER_PAYER_EXTENSION, valueReference: { reference: v.payer } },
    ],
    identifier: [{ system: 'urn:consent-gateway:roster', value: `${v.groupId}/${v.version}` }],
    type: 'person',
    actual: true,
    name: `Patients attributed to ${v.organization} under ${v.payer} for ${v.period}`,
    managingEntity: { reference: v.organization },
    quantity: members.filter((m) => m.changeType !== 'dropped').length,
    member: members.map((m) => ({
      extension: [
        { url: `${ATR}/StructureDefinition/ext-changeType`, valueCode: m.changeType },
        { url: `${ATR}/StructureDefinition/ext-attributedProvider`, valueReference: { reference: v.organization } },
        { url: 'urn:consent-gateway:attribution-method', valueCode: m.method },
        { url: 'urn:consent-gateway:attribution-reason', valueString: m.reason },
      ],
      entity: { reference: `Patient/${m.patientId}` },
      period: { start: m.periodStart, end: m.periodEnd },
      ...(m.changeType === 'dropped' ? { inactive: true } : {}),
    })),
  };
}
