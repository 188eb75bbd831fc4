import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils';
import { desc, eq, sql } from 'drizzle-orm';
import { createLocalJWKSet, decodeJwt, importJWK, jwtVerify, SignJWT, type JSONWebKeySet, type JWK } from 'jose';
import type { Database } from '../db/database.js';
import { GENESIS } from './chain.js';
import { auditAnchors, auditEvents } from '../db/schema.js';

/**
 * Signed anchors of the audit trail, in the manner of a transparency log's signed tree heads
 * (RFC 6962, Trillian, Rekor). A hash chain alone shows an edit only to someone who knows where
 * it ended: whoever can write the file can cut its newest events off, or change one and
 * recompute every later hash, and the chain still verifies. An anchor is the chain's head (its
 * sequence number and hash) signed with the gateway's key at a moment; published, and kept by
 * anyone who fetched it, it shows later that the trail once reached that far with that hash.
 *
 * On Node the trail is one chain ('gateway'); the claims carry a list of chain heads and their
 * Merkle root, so that the per-patient chains of the Worker (issue 19) fit the same form and one
 * verifier serves both.
 */
export const ANCHOR_TYPE = 'audit-anchor+jwt';
export const NODE_CHAIN = 'gateway';

export interface ChainHead {
  chain: string;
  seq: number;
  hash: string;
}

export interface AnchorClaims {
  /**
   * The heads, in the open: Node's one chain ('gateway'). A sealed anchor (the Worker's, whose
   * chains are named after patients) leaves them out and signs only their root and count; its
   * heads are kept beside it, unpublished, and checked against the signed root.
   */
  chains?: ChainHead[];
  /** RFC 6962 Merkle tree hash over the heads, sorted by chain name, each leaf `chain|seq|hash`. */
  root: string;
  /** How many heads the root covers (a sealed anchor's). */
  size?: number;
  /** A sealed anchor's number (1, 2, …) and the SHA-256 of the anchor before it: anchors form a chain of their own, so one deleted, replaced or reordered is found. */
  n?: number;
  prev?: string;
}

/** An anchor whose heads have been checked against its signed root: open, or sealed with its kept heads. */
export type OpenedAnchor = AnchorClaims & { chains: ChainHead[] };

/** RFC 6962 section 2.1: leaves hashed with a 0x00 prefix, nodes with 0x01, split at the largest power of two below n. */
export function merkleRoot(leaves: readonly string[]): string {
  const tree = (items: readonly Uint8Array[]): Uint8Array => {
    if (items.length === 0) return sha256(new Uint8Array());
    if (items.length === 1) return sha256(concatBytes(new Uint8Array([0]), items[0]!));
    let k = 1;
    while (k * 2 < items.length) k *= 2;
    return sha256(concatBytes(new Uint8Array([1]), tree(items.slice(0, k)), tree(items.slice(k))));
  };
  return bytesToHex(tree(leaves.map((l) => utf8ToBytes(l))));
}

export function anchorClaims(heads: readonly ChainHead[]): OpenedAnchor {
  const chains = [...heads].sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0));
  return { chains, root: merkleRoot(chains.map((h) => `${h.chain}|${h.seq}|${h.hash}`)) };
}

/**
 * Sealed claims: the root and count of the heads, and not the heads. A chain's name says whose
 * trail it is (`patient:<person>`) and its seq how often she was looked at; published, the heads
 * would tell anyone which patients the exchange holds and how busy their records are.
 */
export function sealedAnchorClaims(heads: readonly ChainHead[], n: number, previous: string | undefined): AnchorClaims {
  const { root, chains } = anchorClaims(heads);
  return { root, size: chains.length, n, prev: previous === undefined ? GENESIS : anchorDigest(previous) };
}

/** What a sealed anchor's `prev` holds for the anchor before it: the SHA-256 of its JWS text. */
export function anchorDigest(jws: string): string {
  return bytesToHex(sha256(utf8ToBytes(jws)));
}

export type AnchorSigner = (claims: AnchorClaims) => Promise<string>;

/** Signs anchors with the gateway's signing key (the one that signs consent receipts), under its issuer. */
export function anchorSigner(privateJwk: JWK, issuer: string): AnchorSigner {
  const key = importJWK(privateJwk, 'ES256');
  return async (claims) =>
    new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: privateJwk.kid!, typ: ANCHOR_TYPE })
      .setIssuer(issuer)
      .setIssuedAt()
      .sign(await key);
}

/**
 * Anchors the trail's head now, unless the newest anchor already covers it. Returns the anchored
 * sequence number, or undefined when there was nothing new.
 */
export async function anchorNow(db: Database, sign: AnchorSigner, clock: () => Date): Promise<number | undefined> {
  const [head] = await db.orm.select({ seq: auditEvents.seq, hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.seq)).limit(1);
  if (!head) return undefined;
  const [newest] = await db.orm.select().from(auditAnchors).orderBy(desc(auditAnchors.seq)).limit(1);
  // Covered only if the newest anchor really signs this head: its row's number is not trusted
  // alone (red team: a row renumbered far ahead stopped all later anchoring).
  if (newest && newest.seq === head.seq && signedSeq(newest.jws) === head.seq) return undefined;
  const jws = await sign(anchorClaims([{ chain: NODE_CHAIN, seq: head.seq, hash: head.hash }]));
  const issuedAt = clock().toISOString();
  await db.atomic([
    db.orm.insert(auditAnchors).values({ seq: head.seq, issuedAt, jws }).onConflictDoUpdate({ target: auditAnchors.seq, set: { issuedAt, jws } }),
  ]);
  return head.seq;
}

/** The sequence number an anchor's payload gives the gateway's chain, read without checking its signature. */
function signedSeq(jws: string): number | undefined {
  try {
    const chains = (decodeJwt(jws) as { chains?: ChainHead[] }).chains;
    const seq = chains?.find((c) => c.chain === NODE_CHAIN)?.seq;
    return typeof seq === 'number' ? seq : undefined;
  } catch {
    return undefined;
  }
}

/** The newest anchors first, as /public/audit-anchors publishes them. */
export async function listAnchors(db: Database, limit = 100): Promise<{ seq: number; issuedAt: string; jws: string }[]> {
  return db.orm.select().from(auditAnchors).orderBy(desc(auditAnchors.seq)).limit(limit);
}

export type AnchorProblem = {
  anchor: number;
  chain?: string;
  seq?: number;
  problem: 'signature' | 'root' | 'missing' | 'changed' | 'row' | 'heads' | 'sequence';
};

/**
 * Checks anchors (the file's own, and any copies kept elsewhere) against the trail: each must be
 * signed by one of the gateway's published keys, its root must be its heads' root, and the
 * trail must still hold each anchored event with the anchored hash. `issuer`, when given, must
 * be the anchor's too (the key is what proves it is the gateway's; the issuer is its base URL,
 * which a CLI run may not know). An event cut off or
 * re-hashed at or below an anchored sequence number is found; one after the newest anchor is
 * not (so anchors are made at least every minute).
 */
export async function verifyAnchors(
  db: Database,
  anchors: readonly (string | { seq: number; jws: string })[],
  jwks: JSONWebKeySet,
  issuer?: string,
): Promise<AnchorProblem[]> {
  const keys = createLocalJWKSet(jwks);
  const problems: AnchorProblem[] = [];
  const hashAt = db.orm
    .select({ hash: auditEvents.hash })
    .from(auditEvents)
    .where(eq(auditEvents.seq, sql.placeholder('seq')))
    .prepare();
  for (let i = 0; i < anchors.length; i++) {
    const anchor = anchors[i]!;
    const jws = typeof anchor === 'string' ? anchor : anchor.jws;
    const claims = await openAnchor(jws, keys, issuer);
    if (typeof claims === 'string') {
      problems.push({ anchor: i, problem: claims });
      continue;
    }
    const head = claims.chains.find((c) => c.chain === NODE_CHAIN);
    // A row of the file's own anchors must be numbered as its signed head (red team: an old anchor
    // copied into the newest row, the events after it then cut off).
    if (typeof anchor !== 'string' && head?.seq !== anchor.seq) problems.push({ anchor: i, seq: anchor.seq, problem: 'row' });
    if (!head) continue;
    const [row] = (await hashAt.all({ seq: head.seq })) as { hash: string }[];
    if (!row) problems.push({ anchor: i, seq: head.seq, problem: 'missing' });
    else if (row.hash !== head.hash) problems.push({ anchor: i, seq: head.seq, problem: 'changed' });
  }
  return problems;
}

/**
 * An anchor's claims with its heads, if it is signed by one of `keys` and its root is its heads'
 * root: the heads it carries, or for a sealed anchor the heads kept beside it (`kept`). Else what
 * fails: the signature; the root; or, for a sealed anchor, 'heads' when none were kept (they
 * were deleted with it) or they are not what it sealed (they were edited).
 */
export async function openAnchor(
  jws: string,
  keys: ReturnType<typeof createLocalJWKSet>,
  issuer?: string,
  kept?: readonly ChainHead[],
): Promise<OpenedAnchor | 'signature' | 'root' | 'heads'> {
  let claims: AnchorClaims;
  try {
    claims = (await jwtVerify(jws, keys, { ...(issuer ? { issuer } : {}), typ: ANCHOR_TYPE })).payload as unknown as AnchorClaims;
  } catch {
    return 'signature';
  }
  const sealed = claims.chains === undefined;
  const heads: unknown = sealed ? kept : claims.chains;
  const wellFormed =
    Array.isArray(heads) &&
    heads.every((h: Partial<ChainHead> | null) => typeof h?.chain === 'string' && Number.isSafeInteger(h.seq) && typeof h.hash === 'string');
  if (!wellFormed) return sealed ? 'heads' : 'root';
  const opened = anchorClaims(heads as ChainHead[]);
  if (opened.root !== claims.root || (sealed && claims.size !== opened.chains.length)) return sealed ? 'heads' : 'root';
  return { ...claims, chains: opened.chains };
}

/** One anchor problem in words, as the CLI says it. */
export function describeAnchorProblem(p: AnchorProblem): string {
  if (p.problem === 'signature') return 'is not signed by any of the gateway\u2019s published keys';
  if (p.problem === 'root') return 'its root is not the root of its chain heads';
  if (p.problem === 'sequence') return 'does not follow the anchor before it (anchors were deleted, replaced or reordered)';
  if (p.problem === 'heads') return 'the chain heads it seals are gone or not what it signed (the anchor object was edited)';
  if (p.problem === 'row') return `is stored as the anchor of event ${p.seq} but signs another (the trail's anchors were edited)`;
  if (p.problem === 'missing') return `anchors event ${p.seq}${p.chain ? ` of chain ${p.chain}` : ''}, which the trail no longer holds (events were removed)`;
  return `anchors event ${p.seq}${p.chain ? ` of chain ${p.chain}` : ''} with another hash (the trail was rewritten up to there)`;
}

/**
 * Anchors the trail every `everyMs` (a minute by default: what may be cut off unseen is at most
 * the last minute's events) and once now. Errors go to `onError` and the next tick tries again.
 */
export function startAnchoring(
  db: Database,
  sign: AnchorSigner,
  clock: () => Date,
  onError: (err: unknown) => void,
  everyMs = 60_000,
): { stop(): void; now(): Promise<void> } {
  let running: Promise<void> | undefined;
  const now = (): Promise<void> =>
    (running ??= anchorNow(db, sign, clock)
      .then(() => undefined, onError)
      .finally(() => (running = undefined)));
  const timer = setInterval(() => void now(), everyMs);
  (timer as { unref?: () => void }).unref?.();
  void now();
  return { stop: () => clearInterval(timer), now };
}
