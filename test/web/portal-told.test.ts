/**
 * The portal's sentences, from the AuditEvents a real notification send and a real
 * break-the-glass leave in her accounting.
 */
import { describe, expect, it } from 'vitest';
import { grantBreakGlass } from '../../src/consent/break-glass.js';
import { toldLines, type ToldEvent } from '../../src/web/portal/told.js';
import { clinician } from '../consent/helpers.js';
import { actor, OAK, world } from '../gate/notify-world.js';
import { auditTexts } from '../helpers/audit.js';

const NAMES = new Map([
  [OAK, 'Oakwood Family Medicine'],
  ['Organization/hosp-mercy-org', 'Mercy Hospital'],
  ['Practitioner/hosp-mercy-prac-ortiz', 'Dr Ana Ortiz'],
]);
const day = (iso: string) => new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(iso));

describe('what the portal says she was told of', () => {
  it('one plain sentence per delivered notification, none for a number-only send, and one per break-the-glass', async () => {
    const w = await world();
    const [event] = await w.admit('e1');
    const gate = w.oak();
    expect((await gate.notificationVerdict(event!)).tell).toBe(true);
    await gate.releaseNotification({ ...event!, eventNumber: 1 }, 'full', 'id-only');
    await w.consent('block', { type: 'deny', actor: actor(OAK) });
    await gate.releaseNotification({ ...event!, eventNumber: 1 }, 'full', 'id-only');
    await grantBreakGlass(w.deps, clinician('hosp-mercy-prac-ortiz', 'Organization/hosp-mercy-org', ['ETREAT']), 'pa-1', 'unconscious, allergies unknown');
    const events = auditTexts(w.db.sqlite, { person: w.person }).map((c) => JSON.parse(c) as ToldEvent);
    expect(toldLines(events, NAMES).map((l) => l.text)).toEqual([
      `Oakwood Family Medicine was told of your emergency visit on ${day(event!.occurred)}`,
      `Dr Ana Ortiz at Mercy Hospital opened your record in an emergency on ${day(new Date().toISOString())}, reason: “unconscious, allergies unknown”`,
    ]);
  });
});
