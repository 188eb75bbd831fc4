/** Her access history in words and as CSV: pure parts (history.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCell, historyCsv, historyRow, isOwnPortalVisit, type AuditEventLike } from '../../src/web/portal/history.js';
import { codesIn } from '../helpers/patient-words.js';

const MARIA = 'Patient/clinic-oak-pat-000001';
const event = (who: string, client: string, extra: Partial<AuditEventLike> = {}): AuditEventLike => ({
  recorded: '2026-12-02T09:14:00Z',
  outcome: '0',
  subtype: [{ code: 'read' }],
  purposeOfEvent: [{ coding: [{ code: 'TREAT' }] }],
  agent: [
    { requestor: true, who: { reference: who }, role: [{ text: who.startsWith('Patient/') ? 'patient' : 'caregiver' }] },
    { type: { text: 'organization' }, who: { reference: 'Organization/clinic-oak-org' } },
    { type: { text: 'client' }, who: { identifier: { value: client } } },
  ],
  entity: [{ what: { identifier: { value: `${MARIA}/$everything` } } }],
  ...extra,
});

describe('her access history', () => {
  it('leaves out her own portal visits, not her caregiver’s nor her own use of another app', () => {
    expect(isOwnPortalVisit(event(MARIA, 'consent-portal'))).toBe(true);
    // Her record at another source (a caregiver's session knows her as a person, not by this id) is still her.
    expect(isOwnPortalVisit(event('Patient/hosp-mercy-pat-000007', 'consent-portal'))).toBe(true);
    expect(isOwnPortalVisit(event(MARIA, 'smart-demo'))).toBe(false);
    expect(isOwnPortalVisit(event('RelatedPerson/clinic-oak-rp-daniel', 'consent-portal'))).toBe(false);
    // Another patient probing her id was refused: that stays in her history.
    expect(isOwnPortalVisit(event('Patient/clinic-oak-pat-000099', 'consent-portal', { outcome: '4' }))).toBe(false);
  });

  it('names people and organizations, says what and why in words, and marks emergency access', () => {
    const names = new Map([
      ['Practitioner/clinic-oak-prac-chen', 'Sarah Chen'],
      ['Organization/clinic-oak-org', 'Oakwood Family Medicine'],
    ]);
    const row = historyRow(
      event('Practitioner/clinic-oak-prac-chen', 'smart-demo', { extension: [{ url: 'urn:consent-gateway:break-glass', valueBoolean: true }] }),
      MARIA,
      names,
      new Set(),
    );
    expect(row).toMatchObject({
      who: 'Sarah Chen',
      organization: 'Oakwood Family Medicine',
      what: 'your whole record',
      why: 'for your care',
      outcome: 'Shown',
      emergency: true,
    });
    for (const v of Object.values(row)) if (typeof v === 'string') expect(codesIn(v)).toEqual([]);
  });

  it('CSV cells a spreadsheet would run as formulas are escaped, and every cell round-trips its quotes', () => {
    for (const bad of ['=HYPERLINK("http://x")', '+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1']) expect(csvCell(bad).startsWith(`"'`)).toBe(true);
    fc.assert(
      fc.property(fc.string(), (s) => {
        const cell = csvCell(s);
        expect(cell.startsWith('"') && cell.endsWith('"')).toBe(true);
        const inner = cell.slice(1, -1);
        expect(inner.replace(/""/g, '')).not.toContain('"');
        expect(/^[=+\-@\t\r]/.test(inner)).toBe(false);
      }),
    );
    const csv = historyCsv([{ when: 'x', who: '=cmd|calc', organization: '', what: '', why: '', outcome: '', emergency: false, notified: true }]);
    expect(csv.split('\r\n')[1]).toMatch(/^"x","'=cmd\|calc"/);
  });
});
