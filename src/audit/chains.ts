import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { anchorDigest, merkleRoot, openAnchor, type AnchorProblem, type ChainHead, type OpenedAnchor } from './anchors.js';
import { GENESIS } from './chain.js';
import type { StoredAnchor } from './trail.js';
import type { ChainProblem } from './chain.js';
import type { AuditRow } from './rows.js';
import { walkChain, type TrailVerdict } from './verify.js';

/**
 * A trail made of many chains, wherever they are kept: a patient's chain in her Durable Object,
 * a shard's for events about no one (src/entry/worker/), or an export of either over HTTP.
 */
export interface ChainSource {
  /** Every chain the trail knows of (the anchor object's heads, and the shards). */
  chainNames(): Promise<string[]>;
  /**
   * The head each chain last reported for anchoring (none may be past the chain's real end), and
   * how far the anchor object says it anchored it (never past what its anchors cover).
   */
  reported?(): Promise<ReadonlyMap<string, { seq: number; anchored: number }>>;
  /** A chain's rows in seq order, from its very bottom when `after` is undefined. */
  rows(chain: string, after: number | undefined, limit: number): Promise<AuditRow[]>;
  /** The hash a chain holds at `seq`, if it holds that event. */
  hashAt(chain: string, seq: number): Promise<string | undefined>;
  /** Every signed anchor, the trail's own, with its stored number and a sealed anchor's kept heads. */
  anchors(): Promise<Pick<StoredAnchor, 'seq' | 'jws' | 'heads'>[]>;
}

export interface ChainsVerdict extends TrailVerdict {
  chains: number;
}

/**
 * Walks every chain, then checks every anchor: signed by one of `jwks`, its root its heads'
 * root, and each head it lists still held by its chain with the same hash. A chain an anchor
 * names is walked even if the trail's list forgot it (a chain deleted whole, and its name with
 * it, is then found missing). `last` is the total and the Merkle root over every chain's end.
 */
export async function verifyChains(
  source: ChainSource,
  jwks: JSONWebKeySet | undefined,
  saved: readonly string[] = [],
  pageSize = 1000,
): Promise<ChainsVerdict> {
  const own = await source.anchors();
  // A saved copy of a sealed anchor is checked with the heads the trail kept for it: if the
  // trail no longer has it (deleted with the chains it covered), the copy's heads are 'heads'.
  const keptFor = new Map(own.map((a) => [a.jws, a.heads]));
  const list = [...own, ...saved.map((jws) => ({ jws, heads: keptFor.get(jws) }))];
  const keys = jwks ? createLocalJWKSet(jwks) : undefined;
  const opened = keys ? await Promise.all(list.map((a) => openAnchor(a.jws, keys, undefined, a.heads))) : [];
  const names = new Set(await source.chainNames());
  const reported = (await source.reported?.()) ?? new Map<string, { seq: number; anchored: number }>();
  // Every chain an anchor names is walked, and how far the anchors that opened cover each.
  const covered = new Map<string, number>();
  for (const claims of opened)
    if (typeof claims !== 'string')
      for (const h of claims.chains) {
        names.add(h.chain);
        covered.set(h.chain, Math.max(covered.get(h.chain) ?? 0, h.seq));
      }

  const problems: ChainProblem[] = [];
  const heads: ChainHead[] = [];
  let checked = 0;
  for (const chain of [...names].sort()) {
    const verdict = await walkChain((after, limit) => source.rows(chain, after, limit), pageSize);
    checked += verdict.checked;
    problems.push(...verdict.problems.map((p) => ({ ...p, chain })));
    heads.push({ chain, ...verdict.last });
    // A head reported past the chain's end: events cut off, or a forged report that would stop
    // the chain from being anchored again (the anchor object signs only heads that moved).
    // And an anchored mark past what any anchor covers: forged, it would keep her later events from ever being anchored.
    const head = reported.get(chain);
    if (head !== undefined && head.seq > verdict.last.seq) problems.push({ chain, seq: head.seq, problem: 'ahead' });
    else if (head !== undefined && head.anchored > (covered.get(chain) ?? 0)) problems.push({ chain, seq: head.anchored, problem: 'ahead' });
  }

  const anchorProblems: AnchorProblem[] = sequenceProblems(own, opened);
  // A head named by several anchors (a saved copy of the trail's own, a chain that did not move) is read once.
  const hashes = new Map<string, Promise<string | undefined>>();
  const hashAt = (chain: string, seq: number) => {
    const key = `${chain}|${seq}`;
    let hash = hashes.get(key);
    if (!hash) hashes.set(key, (hash = source.hashAt(chain, seq)));
    return hash;
  };
  for (let i = 0; i < opened.length; i++) {
    const claims = opened[i]!;
    if (typeof claims === 'string') {
      anchorProblems.push({ anchor: i, problem: claims });
      continue;
    }
    for (const h of claims.chains) {
      const hash = await hashAt(h.chain, h.seq);
      if (hash === undefined) anchorProblems.push({ anchor: i, chain: h.chain, seq: h.seq, problem: 'missing' });
      else if (hash !== h.hash) anchorProblems.push({ anchor: i, chain: h.chain, seq: h.seq, problem: 'changed' });
    }
  }
  return {
    checked,
    chains: names.size,
    problems,
    last: { seq: checked, hash: merkleRoot(heads.map((h) => `${h.chain}|${h.seq}|${h.hash}`)) },
    anchors: { checked: keys ? list.length : 0, problems: anchorProblems },
  };
}

/**
 * The trail's own sealed anchors must form an unbroken chain from number 1: each stored under its
 * signed number, each naming the one before it by digest. One deleted, replaced by another's
 * copy, or reordered breaks it. (Anchors cut off the newest end are found only by saved copies.)
 */
function sequenceProblems(own: readonly Pick<StoredAnchor, 'seq' | 'jws'>[], opened: readonly (OpenedAnchor | string)[]): AnchorProblem[] {
  const problems: AnchorProblem[] = [];
  const sealed = own
    .map((a, i) => ({ ...a, i, claims: opened[i] }))
    .filter((a) => typeof a.claims !== 'string' && a.claims?.n !== undefined)
    .sort((a, b) => a.seq - b.seq);
  let expected = { n: 1, prev: GENESIS };
  for (const a of sealed) {
    const claims = a.claims as OpenedAnchor;
    if (claims.n !== a.seq) problems.push({ anchor: a.i, seq: a.seq, problem: 'row' });
    if (claims.n !== expected.n || claims.prev !== expected.prev) problems.push({ anchor: a.i, seq: claims.n, problem: 'sequence' });
    expected = { n: claims.n! + 1, prev: anchorDigest(a.jws) };
  }
  return problems;
}
