import type { R4 } from '@smile-cdr/fhirts';
import { sql } from 'drizzle-orm';
import type { Purpose } from '../auth/purposes.js';
import type { Requester } from '../auth/requester.js';
import type { Database } from '../db/database.js';
import { FhirError } from '../fhir/errors.js';
import { parseReference } from '../fhir/references.js';

const BASE = { clientId: 'access-preview', scopes: [], scope: '', expiresAt: Number.MAX_SAFE_INTEGER };

/**
 * The Requester an actor would be, to explain or preview what they could see: a clinician at
 * their organization (from the directory's PractitionerRole), a caregiver, or an organization
 * (its clinicians for treatment, or, for a payer, its systems for payment and operations).
 */
export async function hypotheticalRequester(db: Database, actor: string, purpose: Purpose | undefined): Promise<Requester> {
  const ref = parseReference(actor, ['Practitioner', 'RelatedPerson', 'Organization']);
  if (!ref || actor !== `${ref.type}/${ref.id}`) throw FhirError.of(400, 'value', 'actor must be Practitioner/, RelatedPerson/ or Organization/<id>');
  const tokenId = `preview-${actor}`;
  if (ref.type === 'Practitioner') {
    const [row] = await db.orm.all<{ content: string }>(
      sql`SELECT content FROM resources WHERE type = 'PractitionerRole' AND json_extract(content, '$.practitioner.reference') = ${actor} AND json_extract(content, '$.organization.reference') IS NOT NULL LIMIT 1`,
    );
    const organization = row ? (JSON.parse(row.content) as R4.PractitionerRole).organization?.reference : undefined;
    if (!organization) throw FhirError.of(400, 'value', `${actor} has no organization here`);
    return { ...BASE, tokenId, kind: 'person', subject: actor, role: 'clinician', fhirUser: actor, organization, purposes: [purpose ?? 'TREAT'] };
  }
  if (ref.type === 'RelatedPerson')
    return { ...BASE, tokenId, kind: 'person', subject: actor, role: 'caregiver', fhirUser: actor, purposes: [purpose ?? 'FAMRQT'] };
  if (isPayer(actor))
    return {
      ...BASE,
      tokenId,
      kind: 'system',
      subject: actor,
      organization: actor,
      clientKind: 'payer',
      purposes: purpose ? [purpose] : ['HPAYMT', 'HOPERAT'],
    };
  return { ...BASE, tokenId, kind: 'person', subject: `clinician at ${actor}`, role: 'clinician', organization: actor, purposes: [purpose ?? 'TREAT'] };
}

// Until organizations carry their kind as participant data, a payer is known by its id.
const isPayer = (organization: string) => /^Organization\/payer-/.test(organization);
