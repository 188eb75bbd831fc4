import { describe, expect, it } from 'vitest';
import contracts from '../../fixtures/vbp-contracts.json' with { type: 'json' };
import { contractMeasure, ContractError, validateContract } from '../../src/performance/contract.js';
import { structureProblems } from '../helpers/validate.js';
import { FIXTURE_CONTRACT } from './fixtures.js';

const VBPR = 'http://hl7.org/fhir/us/davinci-vbpr';
const reject = (patch: object) => {
  try {
    validateContract({ ...FIXTURE_CONTRACT, ...patch });
  } catch (e) {
    expect(e).toBeInstanceOf(ContractError);
    return (e as ContractError).field;
  }
  throw new Error('accepted');
};

describe('a contract as validated data', () => {
  it('names the wrong field', () => {
    expect(reject({ lineOfBusiness: '9' })).toBe('lineOfBusiness');
    expect(reject({ category: '4A' })).toBe('category');
    expect(reject({ paymentStreams: ['bonus'] })).toBe('paymentStreams');
    expect(reject({ term: { start: '2026-01-01', end: '2025-12-31' } })).toBe('term.end');
    expect(reject({ benchmarkPmpm: -1 })).toBe('benchmarkPmpm');
    expect(reject({ sharingRate: 1.5 })).toBe('sharingRate');
    expect(reject({ qualityGate: { required: ['no-such-measure'], minShareMet: 0.5 } })).toBe('qualityGate.required');
    expect(reject({ downside: { sharingRate: 0.4, cap: 1 } })).toBe('downside');
    expect(reject({ category: '3B' })).toBe('downside');
    expect(reject({ payer: 'payer-lakeshore' })).toBe('payer');
  });

  it('accepts every fixture contract', () => {
    expect(contracts.length).toBeGreaterThanOrEqual(9);
    for (const c of contracts) expect(validateContract(c).id).toBe(c.id);
  });

  it('renders as a vbp-measure: lob, program model, payment streams, identifier, term, composed-of quality Measures', () => {
    const m = contractMeasure('http://gw.test', FIXTURE_CONTRACT) as Record<string, any>;
    expect(m.meta.profile).toEqual([`${VBPR}/StructureDefinition/vbp-measure`]);
    const ext = (id: string) => m.extension.filter((e: any) => e.url === `${VBPR}/StructureDefinition/${id}`);
    expect(ext('lob')[0].valueCodeableConcept.coding[0]).toEqual({ system: 'https://nahdo.org/sopt', code: '5', display: 'PRIVATE HEALTH INSURANCE' });
    expect(ext('program-model')[0].extension[0].valueCodeableConcept.coding[0]).toMatchObject({
      system: 'http://terminology.hl7.org/CodeSystem/hcp-lan-apm-framework',
      code: '3A',
    });
    expect(ext('payment-stream')[0].extension[0].valueCodeableConcept.coding[0]).toEqual({ system: `${VBPR}/CodeSystem/vbp-payment-stream`, code: 'ssp' });
    expect(m.identifier[0].value).toBe('lakeshore-oak-2025');
    expect(m.effectivePeriod).toEqual({ start: '2025-01-01', end: '2026-12-31' });
    expect(m.relatedArtifact.map((r: any) => [r.type, r.resource])).toEqual([
      ['composed-of', 'http://gw.test/fhir/Measure/breast-cancer-screening'],
      ['composed-of', 'http://gw.test/fhir/Measure/hba1c-poor-control'],
    ]);
    expect(m.scoring).toBeUndefined();
    expect(structureProblems(m)).toEqual([]);
  });
});
