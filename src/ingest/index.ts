export { readBundle, readBundleInSteps, type BundleMode, type BundleRead, type EntryRead, type WriteRequest } from './entries.js';
export { ingest, type IngestDeps, type IngestRequest, type IngestResult } from './ingest.js';
export { readNdjson } from './ndjson.js';
export { validateResource } from './validate.js';
export type { Outcome } from '../store/plan.js';
