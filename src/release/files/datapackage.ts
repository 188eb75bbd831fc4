import { datasetUrl, type ReleaseInfo } from '../release.js';
import { COLUMNS } from './rows.js';

export interface FileDigest {
  name: string;
  mediaType: string;
  sha256: string;
  bytes: number;
}

const FIELD_TYPES: Record<string, { type: string; description: string; constraints?: Record<string, unknown> }> = {
  period: { type: 'string', description: 'Calendar year (2025) or quarter (2025-Q3).', constraints: { required: true, pattern: '^\\d{4}(-Q[1-4])?$' } },
  table: {
    type: 'string',
    description: 'Which table the row belongs to.',
    constraints: { required: true, enum: ['total', 'segment', 'organization', 'geography', 'age_band', 'sex', 'segment_organization'] },
  },
  segment: { type: 'string', description: 'Market segment: commercial, medicare or medicaid; empty when the table is not by segment.' },
  organization: { type: 'string', description: 'Attributed primary-care organization (FHIR reference), or unattributed.' },
  geography: { type: 'string', description: 'State and three-digit ZIP (ZIP3 000 where 20,000 people or fewer share it).' },
  age_band: { type: 'string', description: 'Age on 31 December: 0-17, 18-34, 35-49, 50-64, 65-74, 75-89, 90+ or unknown.' },
  sex: { type: 'string', description: 'Administrative sex: female, male, other or unknown.' },
  measure: { type: 'string', description: 'Quantity or rate; see methodology.md.', constraints: { required: true } },
  kind: { type: 'string', description: 'count, sum (USD) or rate.', constraints: { required: true, enum: ['count', 'sum', 'rate'] } },
  value: { type: 'number', description: 'The published value; empty when suppressed or not applicable.' },
  status: {
    type: 'string',
    description: 'published, suppressed or not-applicable.',
    constraints: { required: true, enum: ['published', 'suppressed', 'not-applicable'] },
  },
  reason: { type: 'string', description: 'Why a value is suppressed: primary, complementary or payer-confidential.' },
  noise_sd: {
    type: 'number',
    description: 'Standard deviation of the discrete Gaussian noise left in the value after reconciliation (differential privacy releases only).',
  },
  interval_low: { type: 'number', description: 'Low end of the 95% interval of a noisy value or rate (differential privacy releases only).' },
  interval_high: { type: 'number', description: 'High end of the 95% interval of a noisy value or rate (differential privacy releases only).' },
};

/** A Frictionless Tabular Data Package describing every file of the release, with its sha256. */
export function dataPackage(info: ReleaseInfo, files: readonly FileDigest[]) {
  return {
    profile: 'tabular-data-package',
    name: `consent-gateway-population-metrics-${info.id}`,
    title: `Population health metrics, de-identified (release ${info.version})`,
    version: `${info.version}.0.0`,
    created: info.issued,
    homepage: datasetUrl(info),
    licenses: [{ name: 'CC0-1.0', path: 'https://creativecommons.org/publicdomain/zero/1.0/', title: 'CC0 1.0' }],
    resources: files.map((f) => ({
      name: f.name.replace(/\.[a-z]+$/, '').replace(/[^a-z0-9._-]/g, '-'),
      path: f.name,
      mediatype: f.mediaType,
      encoding: 'utf-8',
      bytes: f.bytes,
      hash: `sha256:${f.sha256}`,
      ...(f.name === 'metrics.csv'
        ? {
            profile: 'tabular-data-resource',
            format: 'csv',
            dialect: { delimiter: ',', lineTerminator: '\r\n', header: true },
            schema: { fields: COLUMNS.map((name) => ({ name, ...FIELD_TYPES[name] })), missingValues: [''] },
          }
        : {}),
    })),
  };
}
