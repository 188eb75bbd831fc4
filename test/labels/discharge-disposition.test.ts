/**
 * Red team (issue 15): an ED visit discharged to a psychiatric hospital was unlabelled, so its
 * discharge was told in full to the clinic by default. Where a stay ended can say why it happened.
 */
import { describe, expect, it } from 'vitest';
import { defaultCodeLists, sensitiveCategories } from '../../src/labels/index.js';

const DISPOSITION = 'http://terminology.hl7.org/CodeSystem/discharge-disposition';
const encounter = (code: string) => ({
  resourceType: 'Encounter',
  status: 'finished',
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER' },
  hospitalization: { dischargeDisposition: { coding: [{ system: DISPOSITION, code }] } },
});

describe('discharge dispositions', () => {
  it('a discharge to a psychiatric hospital or unit is behavioural-health data', () => {
    expect([...sensitiveCategories(encounter('psy'), defaultCodeLists)]).toEqual(['bh']);
  });
  it('a discharge home or to a nursing facility is not sensitive', () => {
    for (const code of ['home', 'snf', 'other-hcf', 'rehab']) expect([...sensitiveCategories(encounter(code), defaultCodeLists)], code).toEqual([]);
  });
});
