import type { ReleaseInfo } from '../release.js';
import { metricsSchema } from './columns.js';
import { dictionarySchema } from './dictionary.js';

export interface FileDigest {
  name: string;
  mediaType: string;
  sha256: string;
  bytes: number;
}

const TABLE_SCHEMAS: Record<string, () => object> = { 'metrics.csv': metricsSchema, 'dictionary.csv': dictionarySchema };

/**
 * A Frictionless Tabular Data Package describing every file of the release, with its sha256.
 * Paths are relative to the package, so it stays valid wherever the release is served or copied.
 */
export function dataPackage(info: ReleaseInfo, files: readonly FileDigest[]) {
  return {
    profile: 'tabular-data-package',
    name: `consent-gateway-population-metrics-${info.id}`,
    title: `Population health metrics, de-identified (release ${info.version})`,
    version: `${info.version}.0.0`,
    created: info.issued,
    // The release's page, relative to this file (/public/datasets/<id>/datapackage.json).
    homepage: `../../releases/${info.id}`,
    licenses: [{ name: 'CC0-1.0', path: 'https://creativecommons.org/publicdomain/zero/1.0/', title: 'CC0 1.0' }],
    resources: files.map((f) => {
      const schema = TABLE_SCHEMAS[f.name];
      return {
        name: f.name.replace(/\.[a-z]+$/, '').replace(/[^a-z0-9._-]/g, '-'),
        path: f.name,
        mediatype: f.mediaType,
        encoding: 'utf-8',
        bytes: f.bytes,
        hash: `sha256:${f.sha256}`,
        ...(schema
          ? { profile: 'tabular-data-resource', format: 'csv', dialect: { delimiter: ',', lineTerminator: '\r\n', header: true }, schema: schema() }
          : {}),
      };
    }),
  };
}
