import type { FieldErrors } from '../forms.js';
import { ENCOUNTER_NOTICE, NOTICE_CLASS_SYSTEM } from '../../consent/notice-class.js';
import type { ChoiceKey } from './choices.js';
import type { Named } from './directory.js';
import { CAREGIVER_CLASSES, HIDEABLE } from './pages.js';

/**
 * The portal's choice forms read into the one Consent each records, or refused with a message
 * next to each wrong field. Pure: the lists to choose from come in, nothing is written here,
 * so a refused form changes nothing.
 */
export type ParsedChoice = { ok: true; key: ChoiceKey; active: boolean; provision: object } | { ok: false; errors: FieldErrors };

export type ChoiceKind = 'organization' | 'visit-notice' | 'research' | 'sensitive' | 'caregiver';
export const CHOICE_KINDS: readonly ChoiceKind[] = ['organization', 'visit-notice', 'research', 'sensitive', 'caregiver'];

type Form = Record<string, string | File | (string | File)[]>;

const one = (form: Form, name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
const many = (form: Form, name: string) => {
  const v = form[name];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
};

/** What was typed, to put back in a refused form. */
export function typedValues(form: Form): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(form)) if (k !== 'csrf') out[k] = Array.isArray(v) ? many(form, k) : one(form, k);
  return out;
}

const recipient = (code: string, system: string, reference: string) => [{ role: { coding: [{ system, code }] }, reference: { reference } }];
const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const ROLE_CODE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

export function parseChoice(
  kind: ChoiceKind,
  form: Form,
  lists: {
    organizations: readonly Named[];
    caregivers: readonly Named[];
    today: string;
    /** The caregiver acting for her: he may not change his own share. */ actingAs?: string;
  },
): ParsedChoice {
  const errors: Record<string, string> = {};
  switch (kind) {
    case 'organization': {
      const org = lists.organizations.find((o) => o.id === one(form, 'organization'));
      if (!org) errors['organization'] = 'Please choose an organization from the list.';
      const choice = one(form, 'choice');
      if (choice !== 'block' && choice !== 'allow') errors['org-choice'] = 'Please choose to block or allow.';
      if (!org || Object.keys(errors).length) return { ok: false, errors };
      return {
        ok: true,
        key: `organization:${org.id}`,
        active: choice === 'block',
        provision: { type: 'deny', actor: recipient('IRCP', PARTICIPATION, org.id) },
      };
    }
    case 'visit-notice': {
      // "Tell my doctor I was in hospital, but not where or why", for stays in mental health care
      // (the notice class, policies/precedence.md): class and period only, to this organization.
      const org = lists.organizations.find((o) => o.id === one(form, 'organization'));
      if (!org) errors['notice-organization'] = 'Please choose an organization from the list.';
      const choice = one(form, 'choice');
      if (choice !== 'on' && choice !== 'off') errors['notice-choice'] = 'Please choose whether to tell them.';
      if (!org || Object.keys(errors).length) return { ok: false, errors };
      return {
        ok: true,
        key: `visit-notice:${org.id}`,
        active: choice === 'on',
        provision: {
          type: 'permit',
          actor: recipient('IRCP', PARTICIPATION, org.id),
          class: [{ system: NOTICE_CLASS_SYSTEM, code: ENCOUNTER_NOTICE }],
          securityLabel: [{ system: ACT_CODE, code: 'PSY' }],
        },
      };
    }
    case 'research': {
      const choice = one(form, 'choice');
      if (choice !== 'out' && choice !== 'in') return { ok: false, errors: { 'research-choice': 'Please choose to be left out or included.' } };
      const reason = (code: string) => ({ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code });
      return { ok: true, key: 'research', active: choice === 'out', provision: { type: 'deny', purpose: [reason('HRESCH'), reason('PUBHLTH')] } };
    }
    case 'sensitive': {
      const hide = many(form, 'hide');
      if (!hide.every((x) => HIDEABLE.some(([id]) => id === x))) return { ok: false, errors: { hide: 'Please choose from the listed kinds of information.' } };
      // Unhiding everything revokes the Consent; its provision must still be valid FHIR (no empty list).
      const labels = HIDEABLE.filter(([id]) => hide.includes(id)).map(([, code]) => ({ system: ACT_CODE, code }));
      return { ok: true, key: 'hide-sensitive', active: hide.length > 0, provision: { type: 'deny', ...(labels.length > 0 ? { securityLabel: labels } : {}) } };
    }
    case 'caregiver': {
      const caregiver = lists.caregivers.find((x) => x.id === one(form, 'caregiver'));
      if (!caregiver) errors['caregiver'] = 'Please choose a caregiver from the list.';
      else if (caregiver.id === lists.actingAs) errors['caregiver'] = 'Only the patient can change what is shared with you.';
      const classes = many(form, 'class');
      if (classes.length === 0 || !classes.every((x) => CAREGIVER_CLASSES.some(([code]) => code === x)))
        errors['cls'] = 'Please choose at least one kind of information to share.';
      const until = one(form, 'until');
      if (!/^\d{4}-\d{2}-\d{2}$/.test(until) || Number.isNaN(Date.parse(until))) errors['until'] = 'Please give the end date as a real date.';
      else if (until <= lists.today) errors['until'] = 'The end date must be after today.';
      if (!caregiver || Object.keys(errors).length) return { ok: false, errors };
      return {
        ok: true,
        key: `caregiver:${caregiver.id}`,
        active: true,
        provision: {
          type: 'permit',
          period: { start: lists.today, end: until },
          actor: recipient('FAMMEMB', ROLE_CODE, caregiver.id),
          class: classes.map((code) => ({ system: 'http://hl7.org/fhir/resource-types', code })),
        },
      };
    }
  }
}
