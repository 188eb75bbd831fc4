import type { JWK } from 'jose';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import type { Zip3Table } from '../deid/index.js';
import { createManifestSigner } from '../release/files/manifest.js';
import type { PublishDeps } from '../release/publish.js';
import zip3 from '../../policies/census-zip3.json' with { type: 'json' };

/** What publishing needs on Node: the store, the gateway signing key and the shipped ZIP3 table. */
export function publishDeps(db: Database, config: Config, signingKey: JWK, clock: () => Date = () => new Date()): PublishDeps {
  return { db, signer: createManifestSigner(signingKey), baseUrl: config.baseUrl, zip3: zip3 as Zip3Table, lifetimeEpsilon: config.lifetimeEpsilon, clock };
}
