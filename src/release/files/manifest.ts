import { CompactSign, importJWK, type JWK } from 'jose';
import type { ReleaseInfo } from '../release.js';
import type { FileDigest } from './datapackage.js';

/** Signs the manifest bytes as they are served, so anyone can check file and signature together. */
export interface ManifestSigner {
  sign(payload: Uint8Array): Promise<string>;
}

export function createManifestSigner(privateJwk: JWK): ManifestSigner {
  const key = importJWK(privateJwk, 'ES256');
  return {
    async sign(payload) {
      return new CompactSign(payload).setProtectedHeader({ alg: 'ES256', kid: privateJwk.kid!, typ: 'release-manifest+json', cty: 'json' }).sign(await key);
    },
  };
}

export function manifest(info: ReleaseInfo, files: readonly FileDigest[]) {
  return {
    release: info.id,
    version: info.version,
    issued: info.issued,
    years: info.years,
    mode: info.mode,
    population: info.population,
    ...(info.privacy ? { privacy: info.privacy, clipping: info.clipping } : {}),
    zip3Vintage: info.zip3Vintage,
    files: files.map((f) => ({ name: f.name, mediaType: f.mediaType, sha256: f.sha256, bytes: f.bytes })),
  };
}
