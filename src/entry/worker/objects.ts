import type { D1Database, DurableObjectNamespace, Queue, R2Bucket } from '@cloudflare/workers-types';
import type { NotifyMessage } from './notify-queue.js';
import type { AuditMessage } from './audit-queue.js';
import type { StoredAnchor } from '../../audit/trail.js';
import type { AuditRow, UnchainedRow } from '../../audit/rows.js';

/** The Worker's bindings (wrangler.toml): D1, the two Durable Object classes, and settings as vars. */
export interface WorkerEnv {
  DB: D1Database;
  /** One object per patient (`patient:<id>`), and the shard chains for events about no one (`shard:<n>`). */
  PATIENT: DurableObjectNamespace;
  /** The one anchor object (`anchors`): chain heads in, signed anchors out. */
  ANCHOR: DurableObjectNamespace;
  /** Notifications: the outbox events each committed write raised (notify-queue.ts). */
  NOTIFY?: Queue<NotifyMessage>;
  /** Bulk jobs' audit rows, a message per chain (audit-queue.ts). */
  AUDIT?: Queue<AuditMessage>;
  /** Resource bodies over D1's row cap (src/store/spill.ts). Without it such a write fails, as D1 would make it. */
  BLOBS?: R2Bucket;
  [setting: string]: unknown;
}

/** What a patient's (or a shard's) object answers, as the Worker calls it. */
export interface ChainObjectRpc {
  append(chain: string, rows: UnchainedRow[]): Promise<{ seq: number; hash: string; added: number }>;
  head(): Promise<{ seq: number; hash: string }>;
  count(): Promise<number>;
  at(from: number, limit: number): Promise<string[]>;
  event(id: string): Promise<string | undefined>;
  rows(after: number | undefined, limit: number): Promise<AuditRow[]>;
  hashAt(seq: number): Promise<string | undefined>;
  lastMarked(marker: string): Promise<Record<string, unknown> | undefined>;
  current(): Promise<{ version: number; settled: boolean }>;
  changing(): Promise<void>;
  changed(): Promise<void>;
}

export interface AnchorObjectRpc {
  report(chain: string, seq: number, hash: string): Promise<void>;
  anchors(limit: number): Promise<StoredAnchor[]>;
  heads(after: string, limit: number): Promise<{ chain: string; seq: number; hash: string; anchored: number }[]>;
  totals(): Promise<{ chains: number; events: number; unanchored: number }>;
  anchorNow(): Promise<number | undefined>;
}

export const patientChain = (person: string) => `patient:${person}`;
export const SHARDS = 8;

/** The object holding a chain: RPC stubs are typed here by the interfaces above (the runtime's generic stub types need the real class). */
export function chainObject(env: Pick<WorkerEnv, 'PATIENT'>, chain: string): ChainObjectRpc {
  return env.PATIENT.get(env.PATIENT.idFromName(chain)) as unknown as ChainObjectRpc;
}

export function anchorObject(env: Pick<WorkerEnv, 'ANCHOR'>): AnchorObjectRpc {
  return env.ANCHOR.get(env.ANCHOR.idFromName('anchors')) as unknown as AnchorObjectRpc;
}

/** The audit queue's name in wrangler.toml: the one consumer serves both queues and tells them apart by it. */
export const AUDIT_QUEUE = 'consent-gateway-audit';

/** A number setting from the Worker's vars, or its default. */
export function msSetting(env: Record<string, unknown>, name: string, fallback: number): number {
  const n = Number(env[name]);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}
