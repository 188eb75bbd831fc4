import { releasePath, type ReleaseInfo } from '../release.js';

/** The dataset's identifier: a name, not a URL, so it stays the same wherever the release is served. */
export const datasetIdentifier = (id: string) => `consent-gateway-population-metrics-${id}`;

/**
 * The DCAT-US (Project Open Data v1.1) dataset entry for one release, as stored in the release's
 * data.json. Its links are relative to that file (/public/datasets/<id>/data.json): the catalog
 * at /public/data.json makes them absolute per request (see `resolveDataset`).
 */
export function dcatDataset(info: ReleaseInfo) {
  const first = Math.min(...info.years);
  const last = Math.max(...info.years);
  const dist = (file: string, mediaType: string, format: string, title: string) => ({
    '@type': 'dcat:Distribution',
    downloadURL: file,
    mediaType,
    format,
    title,
  });
  return {
    '@type': 'dcat:Dataset',
    identifier: datasetIdentifier(info.id),
    title: `Multi-payer population health metrics, release ${info.version}`,
    description:
      'Total cost of care per member per month, utilization and quality measures by market segment, attributed primary-care organization, state and ZIP3, age band and sex, aggregated across payers and de-identified (HIPAA Safe Harbor strata, small-cell and complementary suppression' +
      (info.mode === 'differential-privacy' ? `, differential privacy with epsilon ${info.privacy?.epsilon}` : '') +
      ').',
    keyword: ['health care cost', 'PMPM', 'utilization', 'quality measures', 'multi-payer', 'de-identified'],
    modified: info.issued.slice(0, 10),
    issued: info.issued.slice(0, 10),
    publisher: { '@type': 'org:Organization', name: 'Consent Gateway health information exchange' },
    contactPoint: { '@type': 'vcard:Contact', fn: 'Consent Gateway data stewardship', hasEmail: 'mailto:data@consent-gateway.example' },
    accessLevel: 'public',
    license: 'https://creativecommons.org/publicdomain/zero/1.0/',
    temporal: `${first}-01-01/${last}-12-31`,
    spatial: 'US-MI',
    accrualPeriodicity: 'irregular',
    landingPage: `../../releases/${info.id}`,
    describedBy: 'datapackage.json',
    describedByType: 'application/json',
    conformsTo: 'methodology.md',
    distribution: [
      dist('metrics.csv', 'text/csv', 'CSV', 'Metrics (CSV)'),
      dist('metrics.json', 'application/json', 'JSON', 'Metrics (JSON)'),
      dist('dictionary.csv', 'text/csv', 'CSV', 'Data dictionary: every column, measure and code'),
      dist('measure-reports.json', 'application/fhir+json', 'FHIR R4 Bundle', 'Summary MeasureReports (FHIR)'),
      dist('datapackage.json', 'application/json', 'Frictionless Data Package', 'Data package with sha256 of every file'),
      dist('methodology.md', 'text/markdown', 'Markdown', 'Methodology'),
      dist('manifest.jws', 'application/jose', 'JWS', 'Signed manifest'),
    ],
  };
}

const LINKS = ['downloadURL', 'accessURL', 'describedBy', 'conformsTo', 'landingPage', 'identifier'] as const;

/**
 * A stored dataset entry with its links made absolute under today's base URL, for the catalog.
 * Relative links resolve against the release's folder. Releases published before links were
 * relative hold absolute ones under whatever base URL was set then; those pointing at a
 * release's folder are moved to today's base too, so old releases keep working links as well.
 */
export function resolveDataset(dataset: Record<string, unknown>, releaseId: string, baseUrl: string): Record<string, unknown> {
  const folder = `${baseUrl}${releasePath(releaseId)}`;
  const resolve = (link: unknown, key: string) => {
    if (typeof link !== 'string' || (key === 'identifier' && !/^(https?:|\.|\/)/.test(link))) return link;
    const old = /^https?:\/\/[^/]+(\/public\/(?:datasets|releases)\/v\d+(?:\/.*)?)$/.exec(link);
    return old ? `${baseUrl}${old[1]}` : new URL(link, folder).href;
  };
  const out: Record<string, unknown> = { ...dataset };
  for (const key of LINKS) if (key in out) out[key] = resolve(out[key], key);
  if (Array.isArray(out['distribution']))
    out['distribution'] = (out['distribution'] as Record<string, unknown>[]).map((d) => {
      const copy = { ...d };
      for (const key of LINKS) if (key in copy) copy[key] = resolve(copy[key], key);
      return copy;
    });
  return out;
}

/** The whole catalog: every release, newest first. */
export function dcatCatalog(datasets: readonly unknown[]) {
  return {
    '@context': 'https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld',
    '@type': 'dcat:Catalog',
    conformsTo: 'https://project-open-data.cio.gov/v1.1/schema',
    describedBy: 'https://project-open-data.cio.gov/v1.1/schema/catalog.json',
    dataset: datasets,
  };
}
