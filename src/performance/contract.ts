import type { Resource } from '../fhir/types.js';

/** VBPR canonical base and the code systems a contract's Measure uses (spec-facts §2). */
export const VBPR = 'http://hl7.org/fhir/us/davinci-vbpr';
const SOPT = 'https://nahdo.org/sopt';
const HCP_LAN = 'http://terminology.hl7.org/CodeSystem/hcp-lan-apm-framework';
const PAYMENT_STREAM = `${VBPR}/CodeSystem/vbp-payment-stream`;
const CONTRACTUAL_STATUS = `${VBPR}/CodeSystem/measure-contractual-status`;

export const LINES_OF_BUSINESS = { '1': 'MEDICARE', '2': 'MEDICAID', '5': 'PRIVATE HEALTH INSURANCE' } as const;
export type LineOfBusiness = keyof typeof LINES_OF_BUSINESS;
/** The HCP-LAN categories a shared-savings contract can be: upside only, or two-sided. */
export type HcpLanCategory = '3A' | '3B';
const PAYMENT_STREAMS = ['ccf', 'ccf-with-risk', 'eoc', 'pcpcp', 'ssq', 'ssl', 'ssp', 'tcoc', 'qip', 'aha', 'cdm', 'p4r', 'p4p', 'sip', 'sst', 'ubip'] as const;
export type PaymentStream = (typeof PAYMENT_STREAMS)[number];

/** A quality measure's contractual target: the rate to reach (or stay under, for an inverse measure). */
export interface QualityTarget {
  /** A quality measure id (src/metrics/quality), e.g. `breast-cancer-screening`. */
  measure: string;
  /** A rate in [0, 1]. */
  rate: number;
}

/**
 * The quality gate: shared savings are paid only if it passes. `required` measures must each
 * meet their target; and at least `minShareMet` of all targets must be met.
 */
export interface QualityGate {
  required: string[];
  minShareMet: number;
}

/** A value-based contract between a payer and a provider organization, as data. */
export interface Contract {
  id: string;
  /** `Organization/{id}` of the payer. */
  payer: string;
  /** `Organization/{id}` of the provider organization. */
  organization: string;
  lineOfBusiness: LineOfBusiness;
  category: HcpLanCategory;
  paymentStreams: PaymentStream[];
  term: { start: string; end: string };
  /** Total cost of care target, USD per member per month. */
  benchmarkPmpm: number;
  qualityTargets: QualityTarget[];
  /** Minimum savings (or, for 3B, loss) rate, as a fraction of the benchmark, e.g. 0.02. */
  minimumSavingsRate: number;
  sharingRate: number;
  qualityGate: QualityGate;
  /** Two-sided (3B) only: the share of a loss beyond the MSR the organization pays, and the most it pays. */
  downside?: { sharingRate: number; cap: number };
}

export class ContractError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ID = /^[A-Za-z0-9.-]{1,64}$/;
const ORG = /^Organization\/[A-Za-z0-9.-]{1,64}$/;

/** Checks an untrusted value is a Contract; throws a ContractError naming the first wrong field. */
export function validateContract(x: unknown): Contract {
  const o = obj(x, 'contract');
  const fail = (field: string, message: string): never => {
    throw new ContractError(field, message);
  };
  const str = (field: string, re: RegExp) =>
    typeof o[field] === 'string' && re.test(o[field] as string) ? (o[field] as string) : fail(field, `must match ${re}`);
  const fraction = (v: unknown, field: string) => (typeof v === 'number' && v >= 0 && v <= 1 ? v : fail(field, 'must be a number from 0 to 1'));
  const id = str('id', ID);
  const payer = str('payer', ORG);
  const organization = str('organization', ORG);
  const lob = o.lineOfBusiness;
  if (typeof lob !== 'string' || !(lob in LINES_OF_BUSINESS)) fail('lineOfBusiness', 'must be a SOPT code: 1, 2 or 5');
  const category = o.category;
  if (category !== '3A' && category !== '3B') fail('category', 'must be HCP-LAN 3A or 3B');
  const streams = o.paymentStreams;
  if (!Array.isArray(streams) || streams.length === 0 || !streams.every((s) => (PAYMENT_STREAMS as readonly unknown[]).includes(s)))
    fail('paymentStreams', `must be a non-empty list of vbp-payment-stream codes (${PAYMENT_STREAMS.join(', ')})`);
  const term = obj(o.term, 'term');
  if (typeof term.start !== 'string' || !DATE.test(term.start)) fail('term.start', 'must be a date YYYY-MM-DD');
  if (typeof term.end !== 'string' || !DATE.test(term.end)) fail('term.end', 'must be a date YYYY-MM-DD');
  if ((term.end as string) < (term.start as string)) fail('term.end', 'is before term.start');
  const benchmarkPmpm = o.benchmarkPmpm;
  if (typeof benchmarkPmpm !== 'number' || !(benchmarkPmpm > 0) || !Number.isFinite(benchmarkPmpm)) fail('benchmarkPmpm', 'must be a positive number (USD)');
  if (!Array.isArray(o.qualityTargets)) fail('qualityTargets', 'must be a list');
  const qualityTargets = (o.qualityTargets as unknown[]).map((t, i) => {
    const q = obj(t, `qualityTargets[${i}]`);
    if (typeof q.measure !== 'string' || !ID.test(q.measure)) fail(`qualityTargets[${i}].measure`, 'must be a measure id');
    return { measure: q.measure as string, rate: fraction(q.rate, `qualityTargets[${i}].rate`) };
  });
  const gate = obj(o.qualityGate, 'qualityGate');
  const measures = new Set(qualityTargets.map((t) => t.measure));
  if (!Array.isArray(gate.required) || !gate.required.every((m) => typeof m === 'string' && measures.has(m)))
    fail('qualityGate.required', 'must list measures that have a target');
  const qualityGate = { required: gate.required as string[], minShareMet: fraction(gate.minShareMet, 'qualityGate.minShareMet') };
  let downside: Contract['downside'];
  if (category === '3B') {
    const d = obj(o.downside, 'downside');
    const cap = d.cap;
    if (typeof cap !== 'number' || !(cap >= 0)) fail('downside.cap', 'must be a non-negative number (USD)');
    downside = { sharingRate: fraction(d.sharingRate, 'downside.sharingRate'), cap: cap as number };
  } else if (o.downside !== undefined) fail('downside', 'only a two-sided (3B) contract has a downside');
  return {
    id,
    payer,
    organization,
    lineOfBusiness: lob as LineOfBusiness,
    category: category as HcpLanCategory,
    paymentStreams: streams as PaymentStream[],
    term: { start: term.start as string, end: term.end as string },
    benchmarkPmpm: benchmarkPmpm as number,
    qualityTargets,
    minimumSavingsRate: fraction(o.minimumSavingsRate, 'minimumSavingsRate'),
    sharingRate: fraction(o.sharingRate, 'sharingRate'),
    qualityGate,
    ...(downside ? { downside } : {}),
  };
}

function obj(x: unknown, field: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new ContractError(field, 'must be an object');
  return x as Record<string, unknown>;
}

/** The contract's Measure id and canonical: what a report's `measure` names. */
export const contractMeasureId = (c: Pick<Contract, 'id'>) => `vbp-${c.id}`;
export const contractCanonical = (baseUrl: string, c: Pick<Contract, 'id'>) => `${baseUrl}/fhir/Measure/${contractMeasureId(c)}`;
/** A quality measure's canonical, as the gaps-in-care Measures publish them. */
export const qualityCanonical = (baseUrl: string, measure: string) => `${baseUrl}/fhir/Measure/${measure}`;

const cc = (system: string, code: string, display?: string) => ({ coding: [{ system, code, ...(display ? { display } : {}) }] });

/** The payment-stream extension for one stream (Measure, MeasureReport and its groups). */
export const paymentStreamExtension = (stream: PaymentStream) => ({
  url: `${VBPR}/StructureDefinition/payment-stream`,
  extension: [{ url: 'type', valueCodeableConcept: cc(PAYMENT_STREAM, stream) }],
});

/** The contract as a VBPR `vbp-measure`: identifier = contract id, effectivePeriod = term. */
export function contractMeasure(baseUrl: string, c: Contract): Resource {
  return {
    resourceType: 'Measure',
    id: contractMeasureId(c),
    meta: { profile: [`${VBPR}/StructureDefinition/vbp-measure`] },
    extension: [
      { url: `${VBPR}/StructureDefinition/lob`, valueCodeableConcept: cc(SOPT, c.lineOfBusiness, LINES_OF_BUSINESS[c.lineOfBusiness]) },
      {
        url: `${VBPR}/StructureDefinition/program-model`,
        extension: [{ url: 'hcplan', valueCodeableConcept: cc(HCP_LAN, c.category, `Category ${c.category}`) }],
      },
      ...c.paymentStreams.map(paymentStreamExtension),
    ],
    url: contractCanonical(baseUrl, c),
    identifier: [{ system: `${baseUrl}/contracts`, value: c.id }],
    name: `VBP_${c.id.replace(/[^A-Za-z0-9]/g, '_')}`,
    title: `Value-based contract ${c.id}`,
    status: 'active',
    publisher: 'Consent Gateway HIE',
    effectivePeriod: c.term,
    relatedArtifact: c.qualityTargets.map((t) => ({
      extension: [{ url: `${VBPR}/StructureDefinition/contractual-status`, valueCodeableConcept: cc(CONTRACTUAL_STATUS, 'contractual') }],
      type: 'composed-of',
      resource: qualityCanonical(baseUrl, t.measure),
    })),
    group: [
      { code: cc(`${VBPR}/CodeSystem/vbp-performance-metric`, 'med-cost-pmpm-target'), description: `Benchmark: ${c.benchmarkPmpm} USD per member per month` },
    ],
  } as Resource;
}
