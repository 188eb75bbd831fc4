import { describe, expect, it } from 'vitest';
import { grantableScopes, ROLES, type Role } from '../../src/auth/roles.js';

const REQUEST = [
  'openid',
  'fhirUser',
  'profile',
  'offline_access',
  'launch/patient',
  'patient/*.rs',
  'patient/Observation.rs',
  'patient/*.read',
  'patient/*.cu',
  'patient/*.cruds',
  'user/*.rs',
  'user/Observation.rs',
  'user/Group.rs',
  'user/MeasureReport.rs',
  'user/AuditEvent.rs',
  'user/Group.cruds',
  'user/AuditEvent.c',
  'system/*.rs',
  'system/*.cu',
];

const granted = (role: Role) => grantableScopes(role, REQUEST).granted;

describe('grantableScopes', () => {
  it('splits every requested scope into granted or withheld, none lost', () => {
    for (const role of ROLES) {
      const { granted: g, withheld: w } = grantableScopes(role, REQUEST);
      expect([...g, ...w].sort()).toEqual([...REQUEST].sort());
    }
  });

  it('gives a patient patient-context reads and launch/patient, nothing else', () => {
    const g = granted('patient');
    expect(g).toEqual(['openid', 'fhirUser', 'profile', 'offline_access', 'launch/patient', 'patient/*.rs', 'patient/Observation.rs', 'patient/*.read']);
    expect(g).not.toContain('user/*.rs');
    expect(g).not.toContain('patient/*.cu');
    expect(g).not.toContain('system/*.rs');
  });

  it('gives a caregiver the same patient-context reads', () => {
    expect(granted('caregiver')).toEqual(granted('patient'));
  });

  it('gives a clinician user-context reads, not patient context nor launch/patient', () => {
    const g = granted('clinician');
    expect(g).toContain('user/Observation.rs');
    expect(g).toContain('user/*.rs');
    expect(g).not.toContain('patient/*.rs');
    expect(g).not.toContain('launch/patient');
    expect(g).not.toContain('user/Group.cruds');
    expect(g).not.toContain('system/*.rs');
  });

  it('gives a researcher only Group and MeasureReport reads', () => {
    expect(granted('researcher')).toEqual(['openid', 'fhirUser', 'profile', 'user/Group.rs', 'user/MeasureReport.rs']);
  });

  it('gives an operator only AuditEvent reads', () => {
    expect(granted('operator')).toEqual(['openid', 'fhirUser', 'profile', 'user/AuditEvent.rs']);
  });

  it('lets an operator manage Subscriptions (administrative subscriptions), a patient or caregiver her own (break-the-glass), and no one else', () => {
    const asked = ['user/Subscription.cruds', 'user/Subscription.c', 'user/AuditEvent.c', 'patient/Subscription.c', 'patient/Observation.c'];
    expect(grantableScopes('operator', asked).granted).toEqual(['user/Subscription.cruds', 'user/Subscription.c']);
    for (const role of ['patient', 'caregiver'] as const) expect(grantableScopes(role, asked).granted, role).toEqual(['patient/Subscription.c']);
    for (const role of ROLES.filter((r) => r !== 'operator' && r !== 'patient' && r !== 'caregiver'))
      expect(grantableScopes(role, asked).granted, role).toEqual([]);
  });

  it('always grants openid and fhirUser; offline_access to patients and caregivers only, online_access to everyone', () => {
    for (const role of ROLES) {
      const { granted: g, withheld: w } = grantableScopes(role, ['openid', 'fhirUser', 'offline_access', 'online_access']);
      const offline = role === 'patient' || role === 'caregiver';
      expect(g, role).toEqual(['openid', 'fhirUser', ...(offline ? ['offline_access'] : []), 'online_access']);
      expect(w, role).toEqual(offline ? [] : ['offline_access']);
    }
  });

  it('grants granular scopes it can enforce, and withholds queries it cannot', () => {
    const lab = 'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
    expect(
      grantableScopes('patient', [lab, 'patient/Condition.r', 'patient/Observation.s', 'patient/Observation.rs?code=1234-5', 'patient/Patient.rs?category=x']),
    ).toEqual({
      granted: [lab, 'patient/Condition.r', 'patient/Observation.s'],
      withheld: ['patient/Observation.rs?code=1234-5', 'patient/Patient.rs?category=x'],
    });
  });

  it('withholds anything that is not a known scope', () => {
    expect(grantableScopes('clinician', ['user/observation.rs', 'launch', 'admin'])).toEqual({
      granted: [],
      withheld: ['user/observation.rs', 'launch', 'admin'],
    });
  });
});
