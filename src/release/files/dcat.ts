import { datasetUrl, type ReleaseInfo } from '../release.js';

/** The DCAT-US (Project Open Data v1.1) dataset entry for one release. */
export function dcatDataset(info: ReleaseInfo) {
  const first = Math.min(...info.years);
  const last = Math.max(...info.years);
  const dist = (file: string, mediaType: string, format: string, title: string) => ({
    '@type': 'dcat:Distribution',
    downloadURL: datasetUrl(info, file),
    mediaType,
    format,
    title,
  });
  return {
    '@type': 'dcat:Dataset',
    identifier: datasetUrl(info),
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
    describedBy: datasetUrl(info, 'datapackage.json'),
    describedByType: 'application/json',
    conformsTo: datasetUrl(info, 'methodology.md'),
    distribution: [
      dist('metrics.csv', 'text/csv', 'CSV', 'Metrics (CSV)'),
      dist('metrics.json', 'application/json', 'JSON', 'Metrics (JSON)'),
      dist('measure-reports.json', 'application/fhir+json', 'FHIR R4 Bundle', 'Summary MeasureReports (FHIR)'),
      dist('datapackage.json', 'application/json', 'Frictionless Data Package', 'Data package with sha256 of every file'),
      dist('methodology.md', 'text/markdown', 'Markdown', 'Methodology'),
      dist('manifest.jws', 'application/jose', 'JWS', 'Signed manifest'),
    ],
  };
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
