import { validateContract, type Contract } from '../../src/performance/contract.js';

/** The fixture contract: benchmark 500 PMPM, MSR 2%, sharing 50%, upside only. */
export const FIXTURE_CONTRACT: Contract = validateContract({
  id: 'lakeshore-oak-2025',
  payer: 'Organization/payer-lakeshore-org',
  organization: 'Organization/clinic-oak-org',
  lineOfBusiness: '5',
  category: '3A',
  paymentStreams: ['ssp'],
  term: { start: '2025-01-01', end: '2026-12-31' },
  benchmarkPmpm: 500,
  qualityTargets: [
    { measure: 'breast-cancer-screening', rate: 0.7 },
    { measure: 'hba1c-poor-control', rate: 0.3 },
  ],
  minimumSavingsRate: 0.02,
  sharingRate: 0.5,
  qualityGate: { required: ['breast-cancer-screening'], minShareMet: 0.5 },
});
