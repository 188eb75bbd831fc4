/**
 * A real world for notification decisions: a migrated SQLite file, the synthetic region's
 * participants, admissions ingested as a hospital sends them (so the outbox holds their events
 * and the labels are the ingest's), Consents written as the patient writes them, and a gate per
 * subscription built for recipientOf(sub).
 */
import { exportJWK, generateKeyPair } from 'jose';
import { parseScopes } from '../../src/auth/scopes.js';
import { createGate } from '../../src/gate/index.js';
import type { NotificationEvent } from '../../src/gate/notify.js';
import { createReceiptSigner } from '../../src/consent/receipt.js';
import { writeConsent } from '../../src/consent/write.js';
import { ingest, readBundle } from '../../src/ingest/index.js';
import { recipientOf } from '../../src/subscriptions/recipient.js';
import { tempDb, testDeps } from '../helpers/db.js';
import { bundle, patient, putEntry, SOURCE_A } from '../helpers/fhir.js';
import { registerFixtureParticipants } from '../helpers/participants.js';
import { consentFor } from '../helpers/scenario.js';
import { patientSelf } from '../consent/helpers.js';
import { auditTexts } from '../helpers/audit.js';

const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';
export const OAK = 'Organization/clinic-oak-org';
export const MAPLE = 'Organization/clinic-maple-org';

const { privateKey } = await generateKeyPair('ES256', { extractable: true });
const signer = createReceiptSigner({ ...(await exportJWK(privateKey)), kid: 'k', alg: 'ES256' }, 'http://gateway.test');

/** Reasons that the ingest labels: an opioid use disorder (42 CFR Part 2) and a depressive episode (behavioural health). */
export const REASONS = { normal: undefined, sud: 'F11.20', bh: 'F32.9', hiv: 'B20' } as const;
export type Reason = keyof typeof REASONS;

export async function world() {
  const db = tempDb();
  const deps = { ...testDeps(db, { clock: () => new Date() }), signer };
  await registerFixtureParticipants(db);
  const send = async (entries: object[]) => {
    const b = readBundle(bundle('transaction', entries, SOURCE_A));
    if (Array.isArray(b)) throw new Error('bad bundle');
    await ingest(deps, { source: SOURCE_A, channel: 'cli', mode: 'transaction', entries: b.entries });
  };
  await send([
    putEntry(patient('pa-1', {}, SOURCE_A)),
    putEntry(patient('pb-1', { name: [{ family: 'Other', given: ['Olga'] }], birthDate: '1950-01-01' }, SOURCE_A)),
    putEntry({ resourceType: 'Organization', id: 'clinic-oak-org', meta: { source: SOURCE_A }, name: 'Oakwood Family Medicine' }),
    putEntry({ resourceType: 'Organization', id: 'clinic-maple-org', meta: { source: SOURCE_A }, name: 'Maple Street Clinic' }),
    putEntry({ resourceType: 'Organization', id: 'hosp-mercy-org', meta: { source: SOURCE_A }, name: 'Mercy Hospital' }),
    putEntry({ resourceType: 'Organization', id: 'payer-lakeshore-org', meta: { source: SOURCE_A }, name: 'Lakeshore Health Plan' }),
    putEntry({ resourceType: 'Organization', id: 'org-research', meta: { source: SOURCE_A }, name: 'Research' }),
    putEntry({ resourceType: 'RelatedPerson', id: 'rp1', meta: { source: SOURCE_A }, patient: { reference: 'Patient/pa-1' } }),
  ]);
  const person = db.sqlite.prepare('select person_id from patient_links where patient_id = ?').pluck().get('pa-1') as string;

  /** An admission (or ED visit) as the hospital sends it; returns its outbox events. */
  const admit = async (
    id: string,
    opts: { cls?: string; reason?: Reason; patientId?: string; fields?: object; with?: object[] } = {},
  ): Promise<NotificationEvent[]> => {
    const code = REASONS[opts.reason ?? 'normal'];
    await send([
      putEntry({
        resourceType: 'Encounter',
        id,
        meta: { source: SOURCE_A },
        status: 'in-progress',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: opts.cls ?? 'EMER' },
        subject: { reference: `Patient/${opts.patientId ?? 'pa-1'}` },
        period: { start: new Date(Date.now() - 3600_000).toISOString() },
        serviceProvider: { reference: 'Organization/hosp-mercy-org' },
        location: [{ location: { display: 'Mercy Hospital, Ward 7 (psychiatry)' } }],
        ...(code ? { reasonCode: [{ coding: [{ system: ICD, code }], text: 'why she came' }] } : {}),
        ...opts.fields,
      }),
      ...(opts.with ?? []).map((r) => putEntry(r as never)),
    ]);
    return events(`Encounter/${id}`);
  };
  const events = (focus?: string): NotificationEvent[] =>
    (
      db.sqlite.prepare(`select * from notification_events ${focus ? 'where focus = ?' : ''} order by seq`).all(...(focus ? [focus] : [])) as {
        id: string;
        topic: string;
        focus: string;
        version_id: number | null;
        patient_id: string;
        class: string | null;
        occurred: string;
      }[]
    ).map((r) => ({
      id: r.id,
      topic: r.topic,
      focus: r.focus,
      versionId: r.version_id,
      patientId: r.patient_id,
      encounterClass: r.class,
      occurred: r.occurred,
    }));

  const consentIds = new Map<string, string>();
  /** Writes (or, with status inactive, revokes) one of her Consents. */
  const consent = async (name: string, provision: object, status = 'active') => {
    const id = consentIds.get(name);
    const written = await writeConsent(deps, patientSelf(person), { ...consentFor(name, provision), status, ...(id ? { id } : { id: undefined }) }, id);
    consentIds.set(name, written.id);
  };
  const gateFor = (organization: string, dua: string, extra: { id?: string; owner?: string } = {}) =>
    createGate(deps, recipientOf({ id: extra.id ?? `sub-${organization.slice(13)}`, owner: extra.owner ?? 'backend', organization, dua }));
  const oak = () => gateFor(OAK, 'dua-clinic-oak', { id: 'sub-oak', owner: 'oak-backend' });
  /** Oakwood's backend client reading with its own token (system/*.rs, purpose TREAT), as after a notification. */
  const oakReader = () =>
    createGate(deps, {
      ...recipientOf({ id: 'sub-oak', owner: 'oak-backend', organization: OAK, dua: 'dua-clinic-oak' }),
      tokenId: 'oak-token',
      scope: 'system/*.rs',
      scopes: parseScopes('system/*.rs'),
    });
  const auditDetails = () =>
    auditTexts(db.sqlite)
      .map((c) => JSON.parse(c) as { subtype: { code: string }[]; outcome: string; entity: { detail?: { type: string; valueString: string }[] }[] })
      .filter((e) => e.entity.some((x) => x.detail?.some((d) => d.type === 'subscription')));
  return { db, deps, person, admit, events, consent, gateFor, oak, oakReader, auditDetails };
}

export const actor = (reference: string) => [{ role: { text: 'recipient' }, reference: { reference } }];
export const ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
