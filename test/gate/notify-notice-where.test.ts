/**
 * Red team (issue 15): the notice choice ("tell my doctor I was in hospital, but not where or
 * why") said where through the source's ids (Encounter and focus) and why through the class's
 * display. With ids and text of the kind real sources send, nothing of the stay's place or reason
 * may be in the notification.
 */
import { expect, it } from 'vitest';
import { ENCOUNTER_NOTICE, NOTICE_CLASS_SYSTEM } from '../../src/consent/notification.js';
import { notificationBundle } from '../../src/subscriptions/bundle.js';
import { ACT, actor, OAK, world } from './notify-world.js';

it('a notice-only behavioural-health stay names neither the facility nor the unit, in any payload', async () => {
  const w = await world();
  const events = await w.admit('riverside-psych-enc-0042', {
    reason: 'bh',
    cls: 'IMP',
    fields: { class: { system: ACT, code: 'IMP', display: 'inpatient psychiatric unit, Riverside Behavioral' } },
  });
  await w.consent('notice-oak', {
    type: 'permit',
    actor: actor(OAK),
    class: [{ system: NOTICE_CLASS_SYSTEM, code: ENCOUNTER_NOTICE }],
    securityLabel: [{ system: ACT, code: 'BH' }],
  });
  expect(await w.oak().notificationVerdict(events[0]!)).toMatchObject({ tell: true, detail: 'notice' });
  for (const payload of ['id-only', 'full-resource'] as const) {
    const release = await w.oak().releaseNotification({ ...events[0]!, eventNumber: 1 }, 'notice', payload);
    const bundle = notificationBundle(
      {
        subscriptionUrl: 'http://gw/fhir/Subscription/s',
        topic: 't',
        status: 'active',
        type: 'event-notification',
        eventsSinceSubscriptionStart: 1,
        payload,
        events: [
          {
            eventNumber: 1,
            timestamp: '2026-12-01T00:00:00Z',
            ...(release.focus ? { focus: release.focus } : {}),
            ...(release.resource ? { resource: release.resource } : {}),
          },
        ],
      },
      'http://gw/fhir',
    );
    const text = JSON.stringify(bundle);
    expect(text, payload).not.toMatch(/riverside|psych|behavioral/i);
    if (payload === 'full-resource') expect(release.resource).toMatchObject({ resourceType: 'Encounter', class: { code: 'IMP' }, period: {} });
  }
});
