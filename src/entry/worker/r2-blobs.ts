import type { R2Bucket } from '@cloudflare/workers-types';
import type { Blobs } from '../../store/blobs.js';

/** The blob store over an R2 bucket: a put resolves once R2 has the object durably. */
export function r2Blobs(bucket: R2Bucket): Blobs {
  return {
    async put(key, text) {
      await bucket.put(key, text, { httpMetadata: { contentType: 'application/fhir+json' } });
    },
    async get(key) {
      const found = await bucket.get(key);
      return found ? await found.text() : undefined;
    },
  };
}
