import type { PublishedCell } from '../deid/index.js';
import { dataPackage, type FileDigest } from './files/datapackage.js';
import { dcatCatalog, dcatDataset } from './files/dcat.js';
import { manifest, type ManifestSigner } from './files/manifest.js';
import { measureReportBundle } from './files/measure-reports.js';
import { methodology } from './files/methodology.js';
import { dictionaryCsv } from './files/dictionary.js';
import { COLUMNS, rowsOf, toCsv } from './files/rows.js';
import type { ReleaseFile, ReleaseInfo } from './release.js';

export async function sha256Hex(text: string): Promise<string> {
  const hash = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const bytesOf = (text: string) => new TextEncoder().encode(text).byteLength;

async function digestOf(f: ReleaseFile): Promise<FileDigest> {
  return { name: f.name, mediaType: f.mediaType, sha256: await sha256Hex(f.content), bytes: bytesOf(f.content) };
}

/**
 * Every file of a release. The data package lists the data files with their sha256; the
 * manifest lists all files including the data package, and is signed as a JWS.
 */
export async function buildFiles(info: ReleaseInfo, cells: readonly PublishedCell[], signer: ManifestSigner): Promise<ReleaseFile[]> {
  const rows = rowsOf(cells);
  const data: ReleaseFile[] = [
    { name: 'metrics.csv', mediaType: 'text/csv; charset=utf-8', content: toCsv(COLUMNS, rows) },
    { name: 'dictionary.csv', mediaType: 'text/csv; charset=utf-8', content: dictionaryCsv() },
    {
      name: 'metrics.json',
      mediaType: 'application/json',
      content: JSON.stringify({ release: info.id, version: info.version, issued: info.issued, years: info.years, mode: info.mode, rows }),
    },
    { name: 'measure-reports.json', mediaType: 'application/fhir+json', content: JSON.stringify(measureReportBundle(info, cells)) },
    { name: 'methodology.md', mediaType: 'text/markdown; charset=utf-8', content: methodology(info) },
    { name: 'data.json', mediaType: 'application/json', content: JSON.stringify(dcatCatalog([dcatDataset(info)]), null, 2) },
  ];
  const digests = await Promise.all(data.map(digestOf));
  const pkg: ReleaseFile = { name: 'datapackage.json', mediaType: 'application/json', content: JSON.stringify(dataPackage(info, digests), null, 2) };
  const all = [...data, pkg];
  const manifestFile: ReleaseFile = {
    name: 'manifest.json',
    mediaType: 'application/json',
    content: JSON.stringify(manifest(info, [...digests, await digestOf(pkg)]), null, 2),
  };
  const jws: ReleaseFile = { name: 'manifest.jws', mediaType: 'application/jose', content: await signer.sign(new TextEncoder().encode(manifestFile.content)) };
  return [...all, manifestFile, jws];
}
