import type { JSONWebKeySet } from 'jose';
import type { Requester } from './auth/requester.js';
import type { TokenVerifier } from './auth/verify.js';
import type { AuditTrail } from './audit/trail.js';
import type { Config } from './config/config.js';
import type { ConsentEngine } from './consent/engine.js';
import type { ReceiptSigner } from './consent/receipt.js';
import type { Database } from './db/database.js';
import type { Gate } from './gate/index.js';
import type { CompiledCodeLists } from './labels/index.js';
import type { ParticipantRegistry } from './participants/index.js';
import type { OutboxListener } from './subscriptions/outbox.js';
import type { Asset } from './web/assets/index.js';
import type { Blobs } from './store/blobs.js';

/** What the app is built from. Runtime-specific parts (driver, key storage) are chosen by the entry point. */
export interface AppDeps {
  db: Database;
  config: Pick<Config, 'baseUrl' | 'maxBodyBytes' | 'issuer' | 'mode'>;
  /** Access-token verification: local keys on Node, the issuer's JWKS (cached) on Workers. */
  auth: { verifier: TokenVerifier };
  /** The consent engine behind every decision. */
  consent: ConsentEngine;
  /** Registered backend clients and agreements (Node and the Worker, each its own); where absent (some tests) system tokens are not checked against a registry. */
  participants?: ParticipantRegistry;
  /** The database's hard size limit in bytes (D1's 10 GB), if it has one: operators are warned at 80 % (GET /admin/storage). */
  storageLimitBytes?: number;
  /** Where bodies too large for a row go (R2 on the Worker, under D1's 2 MB row cap); Node's rows hold any size. */
  blobs?: Blobs;
  /** The append-only, hash-chained audit trail. */
  audit: AuditTrail;
  /** Signs consent receipts with the gateway's key; where there is no key (a Worker), consents are not written there. */
  signer?: ReceiptSigner;
  /** The gateway's published public keys, which sign the audit trail's anchors: the console's audit check verifies them. */
  anchorKeys?: JSONWebKeySet;
  clock: () => Date;
  codeLists: CompiledCodeLists;
  /** Server-assigned ids (POST) and ingestion ids. */
  newId: () => string;
  /** Third-party files the pages use (Chart.js), read by the entry point; pages work without them. */
  webAssets?: Record<string, Asset>;
  /**
   * Called after a write commits, with the notification outbox events it raised: the Node entry
   * wakes its deliverer, the Worker sends them to its Queue. Awaited before the answer leaves.
   */
  onCommitted?: OutboxListener;
  /** Where unexpected errors are reported; never sent to the client. */
  log: (event: string, detail: Record<string, unknown>) => void;
}

/** The request context: the deps, the verified Requester and the gate built from it (src/http/gate.ts). */
export type AppEnv = { Variables: { deps: AppDeps; requester?: Requester; gate?: Gate } };
