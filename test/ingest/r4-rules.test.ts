/** The R4 rules at their edges, where a hand-written check would most likely differ from R4. */
import { describe, expect, it } from 'vitest';
import { validateResource } from '../../src/ingest/index.js';

const observation = (fields: object) => ({ resourceType: 'Observation', status: 'final', code: { text: 'pulse' }, ...fields });
const expressions = (r: object) => validateResource(r, (r as { resourceType: string }).resourceType).map((i) => i.expression);

describe('R4 rules', () => {
  const valid: [string, object][] = [
    ['a no-break space inside a string (XML Schema whitespace is space, tab, CR, LF only)', observation({ note: [{ text: 'a\u00a0b' }] })],
    ['an extension on a primitive (_status)', observation({ _status: { extension: [{ url: 'http://example.org/x', valueCode: 'y' }] } })],
    [
      'an extension on one item of a primitive list, null for the others',
      { resourceType: 'Patient', name: [{ given: ['A', 'B'], _given: [null, { extension: [{ url: 'http://example.org/x', valueString: 'y' }] }] }] },
    ],
    [
      'a dateTime with seconds and a zone, and a date alone',
      observation({ effectiveDateTime: '2024-02-29T10:00:00+01:00', issued: '2024-02-29T10:00:00.123Z' }),
    ],
    ['a contained resource of a stored type', observation({ contained: [{ resourceType: 'Practitioner', id: 'p1' }], performer: [{ reference: '#p1' }] })],
    [
      'a Condition with a clinicalStatus from its value set',
      {
        resourceType: 'Condition',
        subject: { reference: 'Patient/x' },
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      },
    ],
    [
      'a recursive backbone element (Consent.provision.provision)',
      {
        resourceType: 'Consent',
        status: 'active',
        scope: { text: 's' },
        category: [{ text: 'c' }],
        policyRule: { text: 'OPTIN' },
        provision: { type: 'deny', provision: [{ type: 'permit', actor: [{ role: { text: 'r' }, reference: { reference: 'Organization/o' } }] }] },
      },
    ],
  ];
  for (const [what, resource] of valid) it(`accepts ${what}`, () => expect(expressions(resource)).toEqual([]));

  const invalid: [string, object, string][] = [
    ['a code with a leading space', observation({ code: { coding: [{ system: 'http://loinc.org', code: ' 8867-4' }] } }), 'Observation.code.coding[0].code'],
    ['the 30th of February', observation({ effectiveDateTime: '2024-02-30' }), 'Observation.effectiveDateTime'],
    ['a dateTime with a time but no seconds', observation({ effectiveDateTime: '2024-02-10T10:00Z' }), 'Observation.effectiveDateTime'],
    ['an instant without a time', observation({ issued: '2024-02-10' }), 'Observation.issued'],
    ['two of a choice', observation({ valueString: 'x', valueBoolean: true }), 'Observation.valueBoolean'],
    ['a decimal where an integer is due', observation({ valueInteger: 1.5 }), 'Observation.valueInteger'],
    ['a list where one value is due', observation({ subject: [{ reference: 'Patient/x' }] }), 'Observation.subject'],
    ['one value where a list is due', observation({ note: { text: 'x' } }), 'Observation.note'],
    ['an empty list', observation({ note: [] }), 'Observation.note'],
    ['an empty object', observation({ subject: {} }), 'Observation.subject'],
    ['a null', observation({ subject: null }), 'Observation.subject'],
    ['an extension on an element that is not a primitive', observation({ _subject: {} }), 'Observation._subject'],
    ['a Quantity comparator outside its value set', observation({ valueQuantity: { value: 1, comparator: '~' } }), 'Observation.valueQuantity.comparator'],
    [
      'a clinicalStatus with no coding from its value set',
      { resourceType: 'Condition', subject: { reference: 'Patient/x' }, clinicalStatus: { text: 'gone' } },
      'Condition.clinicalStatus',
    ],
    ['a contained resource of a type not stored', observation({ contained: [{ resourceType: 'Provenance', id: 'p' }] }), 'Observation.contained[0]'],
    [
      'a Consent with neither policy nor policyRule (ppc-1)',
      { resourceType: 'Consent', status: 'active', scope: { text: 's' }, category: [{ text: 'c' }] },
      'Consent.policy',
    ],
    ['an unknown element deep in a backbone element', observation({ component: [{ code: { text: 'x' }, colour: 'red' }] }), 'Observation.component[0].colour'],
  ];
  for (const [what, resource, expression] of invalid) it(`refuses ${what}, naming ${expression}`, () => expect(expressions(resource)).toContain(expression));
});
